"""Rollout: coverage over time per tenant and connection, by status and segment, vs targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from orgconn.services import export
from orgconn.services.access import Action
from orgconn.services.rollout import rollout_charts as charts
from orgconn.services.rollout import rollout_progress as progress
from orgconn.ui import context, rollout_view, state, tables, widgets
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell

view = shell("rollout")

Q_SEGMENT, Q_MEASURE = "segment", "measure"
ALL = "(all customers)"
VIEWS = ("Over time", "By connection")  # the tabs: every connection's trend; the one chosen
PERCENT = "%.1f%%"
TARGET_COLUMNS = {  # the targets table on screen (its CSV keeps the frame's own names)
    "verdict": st.column_config.TextColumn("Verdict", width=300),
    "target_pct": st.column_config.NumberColumn("Target (% complete)", format=PERCENT),
    "current_pct": st.column_config.NumberColumn("Now (% complete)", format=PERCENT),
    "slope_per_week": st.column_config.NumberColumn("Trend (points/week)", format="%+.2f"),
    "target_date": st.column_config.DateColumn("Target date", format="YYYY-MM-DD"),
    "projected_date": st.column_config.DateColumn("Projected to reach it", format="YYYY-MM-DD"),
    "as_of": st.column_config.DatetimeColumn("As of", format="YYYY-MM-DD HH:mm"),
}


def downloads(name: str, data: pd.DataFrame, figure: go.Figure | None = None) -> None:
    """CSV of a chart's data and, where kaleido and Chromium are installed, the chart as PNG."""
    left, right = st.columns(2)
    left.download_button("Data (CSV)", lambda: export.to_csv_bytes(data), f"rollout-{name}.csv",
                         "text/csv", key=f"rollout.{name}.csv", icon=":material/download:",
                         on_click="ignore", disabled=data.empty)
    if figure is not None and charts.png_available():
        right.download_button("Chart (PNG)", lambda: charts.chart_png(figure),
                              f"rollout-{name}.png", "image/png", key=f"rollout.{name}.png",
                              icon=":material/image:", on_click="ignore")


def plot(figure: go.Figure, name: str) -> None:
    st.plotly_chart(figure, key=f"rollout.{name}.chart", config=charts.chart_config(
        f"rollout-{name}"))


st.title("Rollout")
st.caption("How coverage moves: orgconn records a snapshot whenever coverage is loaded and when "
           "`orgconn snapshot` runs (cron). Before the first snapshot, coverage is **estimated** "
           "from when values were last configured and when customers were created: dashed and "
           "shaded, and marked in every download.")

chosen = view.tenants
if not chosen:
    st.info("Pick at least one tenant in the sidebar.")
    st.stop()

now = datetime.now(UTC)
frames, coverage_reads = [], []
for name in chosen:
    with user_errors(f"Tenant {name}", stop=False):
        url = context.tenant(name).url
        frames.append(context.coverage_frame(name, url))  # loading coverage records a snapshot
        coverage_reads.append(context.coverage_read(name, url))  # with creation times
if not frames or all(f.empty for f in frames):
    st.warning("No org-activated connection with customers in these tenants yet.")
    st.stop()
with user_errors("Reading the tenants"):
    reads = rollout_view.reads_of(chosen)
today = rollout_view.today(reads, frames, coverage_reads)
frame, names = today.frame, today.names

with st.container(border=True):
    left, middle, right = st.columns(3)
    with left:
        focus = widgets.linked_selectbox(
            "Connection", sorted(names), key="rollout.connection", param=state.Q_CONNECTION,
            format_func=lambda k: names[k], help="The connection the By connection tab "
            "shows: customers by status and segment, target, newly configured.")
    with middle:
        segment = widgets.linked_selectbox(
            "Segment", [ALL, *today.labels], key="rollout.segment",
            param=Q_SEGMENT, help="Count only customers with this label.")
    with right:
        measure = widgets.linked_selectbox(
            "Measure", list(charts.MEASURES), key="rollout.measure", param=Q_MEASURE,
            format_func=lambda m: f"% of customers: {charts.MEASURES[m]}")
label = None if segment == ALL else segment
with user_errors("Reading the coverage history"):
    store = context.store()
    series = rollout_view.series(reads, label, frame, today.created_at)
focused = series[series["stable_key"] == focus]

# Only the open tab is drawn (kept in the link as ?view=): Plotly draws each chart in the
# browser, and five of them at once are most of what a visit costs at 10,000 customers.
over_time, by_connection = st.tabs(list(VIEWS), key=state.Q_VIEW, bind="query-params")
if over_time.open:
    with over_time:
        st.subheader("Coverage over time")
        figure = rollout_view.coverage_chart(reads, label, measure, series)
        plot(figure, "coverage")
        downloads("coverage", series, figure)

        st.subheader("Blocked instances over time")
        st.caption("Instances of customers whose values for a connection they use are "
                   "missing, incomplete or in error, at each recorded snapshot. Snapshots "
                   "taken before orgconn counted them, estimates and segments have no figure "
                   "(never a 0).")
        blocked = series[~series["estimated"]].dropna(subset=["blocked_instances"])
        if blocked.empty:
            st.caption("No snapshot with blocked instances yet"
                       + (" for this segment." if label else "."))
        else:
            figure = rollout_view.blocked_chart(reads, label, series)
            plot(figure, "blocked")
            downloads("blocked", blocked, figure)
if not by_connection.open:
    st.stop()
with by_connection:
    st.subheader(f"{names[focus]}: customers by status")
    figure = rollout_view.status_chart(reads, label, focus, focused)
    plot(figure, "status")
    downloads("status", focused, figure)

    st.subheader(f"{names[focus]}: by segment (today)")
    rows = rollout_view.focused_rows(reads, label, focus, frame)
    breakdown, figure = rollout_view.segments(reads, label, focus, rows)
    if figure is None:
        st.caption("These customers carry no labels.")
    else:
        plot(figure, "segments")
        downloads("segments", breakdown, figure)

    st.subheader(f"{names[focus]}: target")
    actor = view.actor
    if actor.can(Action.SET_ROLLOUT_TARGET):
        with st.expander("Set a target (admins)"), st.form("rollout.target_form"):
            target_tenant = st.selectbox("Tenant", list(frame["tenant"].unique()),
                                         key="rollout.target_tenant")
            pct = st.number_input("Coverage to reach (% complete)", 1.0, 100.0, 80.0, step=5.0,
                                  key="rollout.target_pct")
            by = st.date_input("By", now.date() + timedelta(days=90), min_value=now.date(),
                               key="rollout.target_date")
            if st.form_submit_button("Set target", key="rollout.target_set"):
                with user_errors("Setting the target", stop=False):
                    progress.set_target(store, actor, context.tenant(str(target_tenant)), focus,
                                        float(pct), by, now.date())
                    st.success(f"Target set: {pct:g}% by {by:%Y-%m-%d} for {names[focus]} in "
                               f"{target_tenant}.")
    targets = progress.targets_of(store, focus, chosen)
    if not targets:
        st.caption("No target set for this connection" + (
            "." if actor.can(Action.SET_ROLLOUT_TARGET)
            else ": an admin can set one."))
    results = [progress.progress_toward(focused, t) for t in targets]
    for result in results:
        trend = progress.trend_frame(result)
        figure = charts.target_chart(focused, result, trend)
        plot(figure, f"target-{result.tenant}")
        downloads(f"target-{result.tenant}", trend, figure)
    if results:
        table = progress.progress_frame(results)
        tables.table(table, key="rollout.targets", wrap=True,
                     first=["tenant", "verdict", "target_pct", "target_date", "current_pct"],
                     config=TARGET_COLUMNS)
        downloads("targets", table)

    st.subheader(f"{names[focus]}: newly configured customers")
    with user_errors("Reading the coverage history"):
        recent = rollout_view.newly_configured(reads, label, focus, rows)
    for column, tenant in zip(st.columns(len(chosen)), chosen, strict=True):
        with column.container(border=True):
            st.markdown(f"**{context.tenant(tenant).label}**")
            a, b = st.columns(2)
            for place, days in ((a, 7), (b, 30)):
                place.metric(f"Last {days} days", int((recent[days]["tenant"] == tenant).sum()))
    tables.table(recent[30], key="rollout.new", statuses=["status"], wrap=True,  # fits at 1280 px
                 first=["tenant", "customer_name", "customer_external_id", "status",
                        "last_configured_at"], hide=["stable_key", "connection"],  # in the heading
                 config={"basis": st.column_config.TextColumn("How it is known", width=290)})
    downloads("newly-configured", recent[30])

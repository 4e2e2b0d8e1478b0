"""Audit log: every write made through orgconn (pages and CLI), filtered and exported.

Filters live in the link (``?tenant=us&action=...&from=2026-01-01&to=...``), so a pasted link
reproduces the view. Rows name the inputs a write changed; secrets appear only as fingerprints.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from orgconn.services import audit_view
from orgconn.ui import context, tables, values_form, widgets
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell

shell("audit")

LIMIT = 1000  # rows shown; the export holds every matching row
# the grid: the columns that say who did what where, sized to fit at 1280 px (the inputs
# changed wrap); the selected entry (else the newest) is shown under it in full, detail too
COLUMNS = {"at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm",
                                                 width=118),
           "actor": st.column_config.Column("Who", width=72), "tenant": None,
           "action": st.column_config.Column("Action", width=130),
           "stable_key": st.column_config.Column("Stable key", width=110),
           "customer_external_id": st.column_config.Column(
               "Customer", width=92, help="The customer's external ID"),
           "outcome": st.column_config.Column("Outcome", width=64),
           "changed_inputs": st.column_config.TextColumn("Inputs changed", width=130)}
SUMMARY = {"tenant": "Tenant", "stable_key": "Stable key",
           "customer_external_id": "Customer", "outcome": "Outcome", "source": "Source",
           "job_id": "Bulk job"}
IN_FULL = {"changed_inputs": "Inputs changed", "detail": "Detail"}

st.title("Audit log")
st.caption("Every write made through orgconn — pages and the `orgconn` command: who, when, "
           "where, which inputs changed (secrets only as fingerprints) and how it went.")

with user_errors("Reading the audit log"):
    store = context.store()
    choices = audit_view.audit_choices(store)


def choice(label: str, options: tuple[str, ...], key: str, param: str) -> str:
    """A selectbox with "All" first, kept in the link as ``?param=``; "" means all."""
    every = ["", *options]
    values_form.seed_from_link(key, param, every, default="")
    chosen = str(st.selectbox(label, every, key=key, format_func=lambda o: o or "All"))
    if chosen:
        st.query_params[param] = chosen
    else:
        st.query_params.pop(param, None)
    return chosen


def linked_day(param: str) -> date | None:
    """The day ``?param=YYYY-MM-DD`` of the link, or None."""
    try:
        return date.fromisoformat(st.query_params.get(param, ""))
    except ValueError:
        return None


with st.container(border=True):
    top = st.columns(4)
    with top[0]:
        tenant = choice("Tenant", choices.tenants, "audit.tenant", "tenant")
    with top[1]:
        actor = choice("Who", choices.actors, "audit.actor", "actor")
    with top[2]:
        action = choice("Action", choices.actions, "audit.action", "action")
    with top[3]:
        stable_key = choice("Stable key", choices.stable_keys, "audit.stable_key", "connection")
    bottom = st.columns([2, 2, 1])
    with bottom[0]:
        customer = widgets.linked_text("Customer external ID", key="audit.customer",
                                       param="customer", placeholder="exact external ID")
    with bottom[1]:
        if "audit.days" not in st.session_state:
            linked = [d for d in (linked_day("from"), linked_day("to")) if d is not None]
            st.session_state["audit.days"] = tuple(linked)
        days = st.date_input("Days (UTC)", key="audit.days", format="YYYY-MM-DD",
                             help="The first and the last day, both included; only a first day: "
                             "from that day on.")
        picked = list(days) if isinstance(days, tuple | list) else [days]
        for param, day in zip(("from", "to"), [*picked, None, None][:2], strict=True):
            if day:
                st.query_params[param] = day.isoformat()
            else:
                st.query_params.pop(param, None)
    with bottom[2]:
        outcome = choice("Outcome", audit_view.OUTCOMES, "audit.outcome", "outcome")

start = picked[0] if picked else None
end = picked[1] if len(picked) > 1 else None
where = audit_view.audit_filter(tenant=tenant, actor=actor, action=action,
                                stable_key=stable_key, customer=customer, start=start,
                                end=end, outcome=outcome)
with user_errors("Reading the audit log"):
    shown = audit_view.audit_page(store, where, LIMIT)
    frame = shown.frame

left, right = st.columns([3, 1], vertical_alignment="center")
left.caption(f"{shown.total:,} matching entries" + (
    f"; the newest {LIMIT:,} are shown, the download holds all." if shown.truncated else "."))
right.download_button("Download CSV", audit_view.audit_csv(store, where),
                      "orgconn-audit.csv", "text/csv", key="audit.download",
                      disabled=frame.empty, icon=":material/download:")
if frame.empty:
    st.info("No audit entry matches these filters.")
    st.stop()

picked = tables.table(frame, key="audit.table", first=list(COLUMNS), wrap=True,
                      hide=[c for c in frame.columns if c not in COLUMNS],
                      config={c: v for c, v in COLUMNS.items() if v is not None},
                      on_select="rerun", selection_mode="single-row")
rows = picked.selection.rows
entry = frame.iloc[rows[0] if rows else 0]
with st.container(border=True, key="audit.entry"):
    st.markdown(f"**{'The selected entry' if rows else 'The newest entry'}** · "
                f"{entry['at']:%Y-%m-%d %H:%M:%S} UTC · {entry['actor']} · {entry['action']}")
    if not rows:
        st.caption("Select a row (its box at the left) to read that entry here.")
    st.text(" · ".join(f"{label}: {entry[c]}" for c, label in SUMMARY.items()
                       if c in entry and pd.notna(entry[c]) and str(entry[c])))
    for column, label in IN_FULL.items():
        if column in entry and pd.notna(entry[column]) and str(entry[column]):
            st.text(f"{label}: {entry[column]}")

"""The coverage page, drawn by app.py (``/``) and pages/coverage.py (``/coverage``) alike: which
customers lack values for which org-activated connection, per tenant."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from orgconn.services import bulk, coverage, export
from orgconn.services.links import bulk_template_link, customer_values_links
from orgconn.ui import context, state, tables, widgets
from orgconn.ui.errors import user_errors

IDENTITY = ["tenant", "customer_name", "customer_external_id"]  # the columns shown first
NARROW = {"tenant": st.column_config.TextColumn("Tenant", width=60)}


def render(chosen: list[str]) -> None:
    """The coverage page for the tenants ``chosen`` in the sidebar (the shell's)."""
    st.title("Coverage")
    st.caption("Which customers have values for each org-activated connection. "
               "Missing: no values · incomplete: a required input is empty · error: the "
               "connection reports ERROR or FAILED.")

    if not chosen:
        st.info("Pick at least one tenant in the sidebar.")
        st.stop()

    frames, others, owned, loaded = [], [], [], []
    for name in chosen:
        with user_errors(f"Tenant {name}", stop=False):
            url = context.tenant(name).url
            frames.append(context.coverage_frame(name, url))
            connections = context.all_connections(name, url)
            others.append(coverage.other_connections_frame(name, connections))
            owned.append(coverage.owned_connections_frame(
                name, connections, context.snapshot(name, url).customer_values))
            loaded.append(name)
    if not frames:
        st.stop()
    frame = pd.concat(frames, ignore_index=True)
    for name in (n for n in loaded if n not in set(frame["tenant"])):
        reason = coverage.nothing_to_cover(context.tenant(name).label,
                                           context.snapshot(name, context.tenant(name).url))
        st.info(reason or f"{context.tenant(name).label}: nothing to cover.")

    cards = st.container()
    with st.container(border=True):
        top = st.columns([2, 2, 2])
        with top[0]:
            names = dict(zip(frame["stable_key"], frame["connection"], strict=True))
            keys = widgets.linked_multiselect(
                "Connection", sorted(names, key=lambda k: (names[k].lower(), k)),
                key="coverage.connection", param=state.Q_CONNECTION,
                format_func=lambda k: f"{names[k]} ({k})")
        with top[1]:
            statuses = widgets.linked_multiselect(
                "Status", [s.value for s in coverage.Status], key="coverage.status",
                param=state.Q_STATUS)
        with top[2]:
            labels = widgets.linked_multiselect(
                "Customer label (segment)", coverage.label_choices(frame), key="coverage.label",
                param=state.Q_LABEL, help="A customer must carry every label chosen.")
        bottom = st.columns([4, 2])
        with bottom[0]:
            search = widgets.linked_text("Search customers", key="coverage.search",
                                         param=state.Q_SEARCH, placeholder="name or external ID")
        with bottom[1]:
            st.write("")
            only_gaps = widgets.linked_toggle("Only gaps", key="coverage.only_gaps",
                                              param=state.Q_ONLY_GAPS)

    view = coverage.CoverageFilter(stable_keys=tuple(keys), statuses=tuple(statuses),
                                   labels=tuple(labels), search=search, only_gaps=only_gaps)
    shown = coverage.apply_filter(frame, view)
    with cards:
        _tenant_cards(coverage.apply_filter(frame, replace(view, statuses=(), only_gaps=False)),
                      filtered=bool(keys or labels or search.strip()))
    st.caption(f"{shown['customer_id'].nunique():,} customers · {len(shown):,} of {len(frame):,} "
               "customer × connection cells match.")

    if frame.empty:
        pass  # said above, per tenant: nothing to cover
    elif shown.empty:
        st.warning("Nothing matches these filters.")
    else:
        st.plotly_chart(coverage.status_chart(coverage.counts_frame(shown)), key="coverage.chart")

    matrix_tab, gaps_tab, other_tab = st.tabs(["Matrix", "Gaps", "Other connections"])
    with matrix_tab:
        matrix = coverage.matrix_frame(shown)
        st.caption(f"Status of each customer × connection: {tables.status_legend()}; the "
                   f"inputs a cell names are empty. {coverage.NOT_APPLICABLE}: the customer's "
                   "tenant has no such connection.")
        tables.table(matrix, key="coverage.matrix", first=IDENTITY,
                     statuses=[str(c) for c in matrix.columns[len(IDENTITY):]], config=NARROW)
    with gaps_tab:
        gaps = coverage.gap_export(shown)
        # the CSV is built when the button is clicked, not on every rerun (0.5 s at 10,000)
        st.download_button("Download gaps (CSV)", partial(export.to_csv_bytes, gaps),
                           "coverage-gaps.csv", "text/csv", key="coverage.download",
                           disabled=gaps.empty)
        tables.table(gaps.assign(fix=customer_values_links(coverage.gap_rows(shown))),
                     key="coverage.gaps",
                     first=[*IDENTITY, "connection", "status", "fix"], statuses=["status"],
                     config={**NARROW, "fix": st.column_config.LinkColumn(
                         "Fix", display_text="Edit values", width="small")})
        _bulk_templates(gaps)
    with other_tab:
        st.caption("Org-activated global and customer-activated connections, and connections "
                   "owned by one customer: listed, never counted as gaps.")
        tables.table(pd.concat(others, ignore_index=True) if others else pd.DataFrame(),
                     key="coverage.others")
        owners = pd.concat(owned, ignore_index=True) if owned else pd.DataFrame()
        if len(owners):
            st.caption("Connections owned by one customer: covered only for that customer.")
            tables.table(owners, key="coverage.owned", hide=["customer_id"])


def _tenant_cards(cells: pd.DataFrame, *, filtered: bool) -> None:
    """Per tenant, the customers, connections and % complete of the cells the connection,
    label and search filters keep (status filters would make the % meaningless)."""
    summary = coverage.summary_frame(cells)
    what = "the customer × connection pairs these filters keep" if filtered else \
        "every customer × org-activated connection pair"
    for column, row in zip(st.columns(max(len(summary), 1)), summary.itertuples(), strict=False):
        with column.container(border=True):
            st.markdown(f"**{context.tenant(str(row.tenant)).label}**")
            left, middle, right = st.columns(3)
            left.metric("Customers", f"{row.customers:,}")
            middle.metric("Connections", f"{row.connections}")
            right.metric("Complete", f"{row.percent_complete:.1f}%",
                         help=f"Complete values in {row.complete:,} of {row.cells:,} of {what}.")
            st.caption(f"{row.complete:,} of {row.cells:,} customer × connection pairs complete"
                       + (" (filtered)" if filtered else ""))


def _bulk_templates(gaps: pd.DataFrame) -> None:
    """A bulk-upload template link per tenant and connection with gaps, saying which gaps
    the template leaves out, and why."""
    lines = []
    for (tenant, key), rows in gaps.groupby(["tenant", "stable_key"], sort=False):
        left_out = bulk.left_out_of_template(rows)
        line = (f"- [{tenant} · {rows['connection'].iloc[0]} ({key}): template of the customers "
                f"lacking values]({bulk_template_link(str(tenant), str(key))}) — covers "
                f"{len(rows) - len(left_out):,} of these {len(rows):,} gaps")
        for why, found in left_out.groupby("why", sort=False):
            line += (f"; leaves out {len(found):,} ({why}: "
                     f"{', '.join(found['customer_name'].head(3))}"
                     f"{', …' if len(found) > 3 else ''})")
        lines.append(line)
    if lines:
        st.markdown("**Fill many at once** with a bulk upload:\n" + "\n".join(lines))

"""The coverage page, drawn by app.py (``/``) and pages/coverage.py (``/coverage``) alike: which
customers lack values for which org-activated connection, per tenant — and first, the gaps
that block customers' instances."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

import pandas as pd
import streamlit as st

from orgconn.services import bulk, coverage, export
from orgconn.services.links import bulk_template_link, customer_values_links
from orgconn.ui import context, state, tables, widgets
from orgconn.ui.errors import user_errors

IDENTITY = ["tenant", "customer_name", "customer_external_id"]  # the columns shown first
UNKNOWN = "unknown"  # a blocked figure the tenant could not give: never shown as 0
BLOCKED_HELP = ("Customers with a gap in a connection that one of their instances uses. "
                "Unknown: the tenant cannot say which instances use its connections.")
FIX = st.column_config.LinkColumn("Fix", display_text="Edit values", width="small")
# a gap table's first columns (those that fit at 1280 px; the stable key and the enabled and
# failing instances follow)
GAP_COLUMNS = [*IDENTITY, "connection", "status", "missing_inputs", "instances", "fix"]
VIEWS = ("Matrix", "Gaps", "Other connections")  # the tabs under the chart
T = TypeVar("T")


@dataclass(frozen=True)
class Memo:
    """What the page derives from the tenants' coverage reads, kept per read (`context.derived`):
    a warm rerun at 10,000 customers draws from these instead of reshaping 120,000 cells."""

    reads: tuple[tuple[str, int], ...]  # (tenant, coverage read number) of the frame

    def __call__(self, what: str, build: Callable[[], T], *parts: Hashable) -> T:
        """``build()`` kept under ``what``, these reads and ``parts`` (the view it depends on)."""
        return context.derived(("coverage", what, self.reads, *parts), build)


def _figure(value: object) -> str:
    return UNKNOWN if pd.isna(value) else f"{int(value):,}"  # type: ignore[call-overload]


def _with_fix(cells: pd.DataFrame) -> pd.DataFrame:
    """The gaps of ``cells`` as exported (most blocking first), each with a link to its form
    (by Prismatic ID where a customer has no external ID)."""
    return coverage.gap_export(cells).assign(
        fix=customer_values_links(coverage.gap_rows(cells)))


def blocking_section(summary: pd.DataFrame, shown: pd.DataFrame,
                     memo: Callable[[Callable[[], pd.DataFrame]], pd.DataFrame] = lambda b: b()
                     ) -> None:
    """The gaps of ``shown`` that block instances, most instances first, each with its fix;
    a warning naming the tenants (of ``summary``) whose impact is unknown. ``memo`` keeps the
    table once built (see `Memo`)."""
    st.subheader("Gaps that block instances")
    unknown = [str(t) for t in summary.loc[summary["blocked_instances"].isna(), "tenant"]]
    if unknown:
        st.warning(f"Impact unknown for {', '.join(context.tenant(t).label for t in unknown)}: "
                   "the tenant cannot say which instances use its connections, so any of its "
                   "gaps may block some.", icon=":material/help:")
    blocking = memo(lambda: _with_fix(shown[shown["blocking"]]))
    if blocking.empty:
        st.success("No gap shown here blocks an instance.", icon=":material/check_circle:")
    else:
        tables.table(blocking, key="coverage.blocking_gaps", first=GAP_COLUMNS,
                     statuses=["status"], config={"fix": FIX})


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
                name, connections, context.coverage_read(name, url).values))
            loaded.append(name)
    if not frames:
        st.stop()
    memo = Memo(tuple((name, context.coverage_read_number(name, context.tenant(name).url))
                      for name in loaded))
    frame = memo("frame", lambda: pd.concat(frames, ignore_index=True))
    present = set(memo("tenants", lambda: frame["tenant"].unique()))
    for name in (n for n in loaded if n not in present):
        reason = coverage.nothing_to_cover(context.tenant(name).label,
                                           context.coverage_read(name, context.tenant(name).url))
        st.info(reason or f"{context.tenant(name).label}: nothing to cover.")

    summary = memo("summary", lambda: _summary(frame))
    cards = st.container()
    with st.container(border=True):
        top = st.columns([2, 2, 2])
        with top[0]:
            names = memo("names", lambda: coverage.connection_names(frame))
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
                "Customer label (segment)", memo("labels", lambda: coverage.label_choices(frame)),
                key="coverage.label",
                param=state.Q_LABEL, help="A customer must carry every label chosen.")
        bottom = st.columns([3, 1, 1.3])  # "Blocking only" and its help fit at 1280 px
        with bottom[0]:
            search = widgets.linked_text("Search customers", key="coverage.search",
                                         param=state.Q_SEARCH, placeholder="name or external ID")
        with bottom[1]:
            st.write("")
            only_gaps = widgets.linked_toggle("Only gaps", key="coverage.only_gaps",
                                              param=state.Q_ONLY_GAPS)
        with bottom[2]:
            st.write("")
            blocking = widgets.linked_toggle(
                "Blocking only", key="coverage.blocking", param=state.Q_BLOCKING,
                help="Only the gaps of customers who have instances using the connection.")

    view = coverage.CoverageFilter(stable_keys=tuple(keys), statuses=tuple(statuses),
                                   labels=tuple(labels), search=search, only_gaps=only_gaps,
                                   blocking_only=blocking)
    shown = memo("shown", lambda: coverage.apply_filter(frame, view), view)
    card_view = replace(view, statuses=(), only_gaps=False, blocking_only=False)
    with cards:
        _tenant_cards(memo("cards", lambda: _summary(coverage.apply_filter(frame, card_view)),
                           card_view), filtered=bool(keys or labels or search.strip()))
    customers = memo("customers", lambda: shown["customer_id"].nunique(), view)
    st.caption(f"{customers:,} customers · {len(shown):,} of {len(frame):,} "
               "customer × connection cells match.")

    if not frame.empty:
        blocking_section(summary, shown, lambda build: memo("blocking", build, view))

    if frame.empty:
        pass  # said above, per tenant: nothing to cover
    elif shown.empty:
        st.warning("Nothing matches these filters.")
    else:
        st.plotly_chart(memo("chart", lambda: coverage.status_chart(coverage.counts_frame(shown)),
                             view), key="coverage.chart")

    # Only the open tab is drawn (its choice is kept in the link as ?view=): at 10,000
    # customers the tables behind the other two cost a rerun and the browser real time.
    matrix_tab, gaps_tab, other_tab = st.tabs(list(VIEWS), key=state.Q_VIEW,
                                              bind="query-params")
    if matrix_tab.open:
        with matrix_tab:
            _matrix(shown, lambda what, build: memo(what, build, view))
    if gaps_tab.open:
        with gaps_tab:
            _gaps(shown, lambda what, build: memo(what, build, view))
    if other_tab.open:
        with other_tab:
            _others(others, owned)


Kept = Callable[[str, Callable[[], T]], T]  # a `Memo` bound to the view shown


def _matrix(shown: pd.DataFrame, kept: Kept[pd.DataFrame]) -> None:
    """The Matrix tab: one row per customer, one status column per connection."""
    matrix = kept("matrix", lambda: coverage.matrix_frame(shown))
    st.caption(f"Status of each customer × connection: {tables.status_legend()}; the "
               f"inputs a cell names are empty. {coverage.NOT_APPLICABLE}: the customer's "
               "tenant has no such connection.")
    tables.table(matrix, key="coverage.matrix", first=IDENTITY,
                 statuses=[str(c) for c in matrix.columns[len(IDENTITY):]],
                 memo=lambda build: kept("matrix.cells", build))


def _gaps(shown: pd.DataFrame, kept: Kept[pd.DataFrame]) -> None:
    """The Gaps tab: every gap shown, with its fix link, the CSV and the bulk templates."""
    gaps = kept("gaps", lambda: coverage.gap_export(shown))
    # the CSV is built when the button is clicked, not on every rerun (0.5 s at 10,000)
    st.download_button("Download gaps (CSV)", partial(export.to_csv_bytes, gaps),
                       "coverage-gaps.csv", "text/csv", key="coverage.download",
                       disabled=gaps.empty)
    tables.table(kept("gaps.fix", lambda: _with_fix(shown)), key="coverage.gaps",
                 first=GAP_COLUMNS, statuses=["status"], config={"fix": FIX},
                 memo=lambda build: kept("gaps.cells", build))
    _bulk_templates(gaps)


def _others(others: list[pd.DataFrame], owned: list[pd.DataFrame]) -> None:
    """The Other connections tab: definitions listed but never counted as gaps."""
    st.caption("Org-activated global and customer-activated connections, and connections "
               "owned by one customer: listed, never counted as gaps.")
    tables.table(pd.concat(others, ignore_index=True) if others else pd.DataFrame(),
                 key="coverage.others")
    owners = pd.concat(owned, ignore_index=True) if owned else pd.DataFrame()
    if len(owners):
        st.caption("Connections owned by one customer: covered only for that customer.")
        tables.table(owners, key="coverage.owned", hide=["customer_id"])


def _summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Per tenant: customers, connections, % complete and the blocked figures of ``cells``."""
    return coverage.summary_frame(cells).merge(coverage.impact_summary(cells), on="tenant")


def _tenant_cards(summary: pd.DataFrame, *, filtered: bool) -> None:
    """Per tenant, the customers, connections and % complete (``summary`` of the cells the
    connection, label and search filters keep: status filters would make the % meaningless)."""
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
            left, right = st.columns(2)
            left.metric("Blocked customers", _figure(row.blocked_customers), help=BLOCKED_HELP)
            right.metric("Blocked instances", _figure(row.blocked_instances),
                         help="Instances summed over the blocking gaps (an instance using two "
                              "lacking connections counts twice).")


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

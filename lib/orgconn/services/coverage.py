"""Coverage: which customers have values for which org-activated connection, per tenant.

The rules — each cell's status (missing, error, incomplete, complete), its instance impact and
whether it is blocking — live in `orgconn.services.coverage_rules`, in plain Python, so that
``orgconn coverage`` applies the very same ones without importing pandas. This module turns
its cells into DataFrames, filters, summaries and charts for the page, the exports and the
notebook API.

Org-activated global (ORG/ORG) and customer-activated (CUSTOMER/CUSTOMER) connections are
listed apart by :func:`other_connections_frame` and never counted as gaps. So are definitions
owned by one customer (``OrgConnection.owner``, read with ``includeCustomer``): they concern
their owner alone, so :func:`owned_connections_frame` gives only the owner's status, and they are
never rows of the tenant-wide coverage.

Everything here is a plain function over models and DataFrames; nothing fetches or renders.
The long frame has one row per tenant × connection × customer, so 10,000 customers × 6
connections is 60,000 rows: built with dict look-ups in one pass, filtered with vectorised
pandas operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from orgconn.models import (
    CoverageRead,
    CoverageValues,
    CustomerValues,
    OrgConnection,
    TenantData,
)
from orgconn.services.coverage_rules import (
    ERROR_STATES,
    GAP_STATUSES,
    IMPACT_COLUMNS,
    Cell,
    Status,
    cell_status,
    coverage_cells,
    impact_order,
    missing_inputs,
    nothing_to_cover,
)
from orgconn.services.coverage_rules import EXPORT_COLUMNS as rules_export_columns

__all__ = ["ERROR_STATES", "GAP_STATUSES", "IMPACT_COLUMNS", "Status", "cell_status",
           "missing_inputs", "nothing_to_cover"]

COLUMNS = list(Cell._fields)
EXPORT_COLUMNS = list(rules_export_columns)


def coverage_frame(tenant: str, source: TenantData | CoverageRead) -> pd.DataFrame:
    """One row per org-activated customer connection × customer of ``tenant`` (long form).

    ``source`` is the client's lean `CoverageRead` (with its impact) or a full `TenantData`
    (impact unknown). Columns are :data:`COLUMNS` (the fields of `coverage_rules.Cell`);
    ``labels`` is the customer's labels joined with ``;``, ``missing_inputs`` the lacking input
    keys joined with ``;``; the impact columns are nullable integers (``<NA>``: unknown, never
    0) and ``blocking`` says whether a gap blocks instances. Test credentials are ignored.
    """
    read = source if isinstance(source, CoverageRead) else CoverageRead.of_tenant_data(source)
    return cells_frame(coverage_cells(tenant, read))


def cells_frame(cells: Iterable[Cell | Mapping[str, object]]) -> pd.DataFrame:
    """The coverage frame of ``cells`` (`Cell` tuples, or mappings of :data:`COLUMNS`), typed:
    ``status`` categorical, times UTC, impact counts nullable integers, ``blocking`` boolean —
    also when there is no cell (no connection or no customer)."""
    frame = pd.DataFrame(list(cells), columns=COLUMNS)
    if frame.empty:  # the same columns, typed as if there were cells
        frame = frame.astype({c: "str" for c in COLUMNS})
    frame["last_configured_at"] = pd.to_datetime(frame["last_configured_at"], utc=True
                                                 ).astype("datetime64[us, UTC]")
    frame["status"] = pd.Categorical(frame["status"], categories=[s.value for s in Status])
    frame = frame.astype({column: "Int64" for column in IMPACT_COLUMNS})
    return frame.astype({"blocking": bool})


def _owner(connection: OrgConnection) -> str:
    owner = connection.owner
    if owner is None:
        return ""
    return f"{owner.name} ({owner.external_id or 'no external ID'})"


def other_connections_frame(tenant: str, connections: Iterable[OrgConnection]) -> pd.DataFrame:
    """Connections orgconn lists but does not cover tenant-wide: org-activated global,
    customer-activated, and any definition owned by one customer (``owner`` names it)."""
    kinds = {("ORG", "ORG"): "org-activated global", ("CUSTOMER", "CUSTOMER"): "customer-activated"}
    rows = [
        {"tenant": tenant, "stable_key": c.stable_key, "connection": c.name,
         "kind": "one customer's" if c.owner is not None and c.is_org_activated_customer
         else kinds.get((c.variable_scope, c.managed_by),
                        f"{c.variable_scope.lower()}/{c.managed_by.lower()}"),
         "component": c.component_label or c.component_key or "", "owner": _owner(c)}
        for c in connections
        if not c.is_org_activated_customer or c.owner is not None
    ]
    return pd.DataFrame(rows, columns=["tenant", "stable_key", "connection", "kind", "component",
                                       "owner"])


OWNED_COLUMNS = ["tenant", "stable_key", "connection", "owner", "customer_id", "status",
                 "missing_inputs"]


def owned_connections_frame(tenant: str, connections: Iterable[OrgConnection],
                            values: Iterable[CustomerValues | CoverageValues]) -> pd.DataFrame:
    """One row per org-activated definition owned by one customer: that owner's status.

    ``values`` are customers' values, from a full read (`TenantData.customer_values`; test
    credentials are ignored) or the lean one (`CoverageRead.values`), which gives the same
    statuses; only the owner's count, so a definition nobody else may use is never a gap of
    the other customers.
    """
    owned = [c for c in connections if c.is_org_activated_customer and c.owner is not None]
    ids = {c.id for c in owned}  # only the owned definitions' values (not every customer's)
    held: dict[tuple[str, str], CustomerValues | CoverageValues] = {}
    for v in values:
        if v.connection_id not in ids:
            continue
        if isinstance(v, CoverageValues):
            held[(v.connection_id, v.customer_id)] = v
        elif not v.is_test and v.customer is not None:
            held[(v.connection_id, v.customer.id)] = v
    rows = []
    for connection in owned:
        assert connection.owner is not None
        status, lacking = cell_status(connection, held.get((connection.id, connection.owner.id)))
        rows.append((tenant, connection.stable_key, connection.name, _owner(connection),
                     connection.owner.id, status.value, ";".join(lacking)))
    return pd.DataFrame.from_records(rows, columns=OWNED_COLUMNS)


@dataclass(frozen=True)
class CoverageFilter:
    """What the coverage page (or a link to it) shows; empty means "no restriction"."""

    stable_keys: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    search: str = ""
    only_gaps: bool = False
    tenants: tuple[str, ...] = field(default=())
    blocking_only: bool = False


def apply_filter(frame: pd.DataFrame, view: CoverageFilter) -> pd.DataFrame:
    """The rows of ``frame`` that ``view`` selects (labels: a customer needs every one named)."""
    mask = pd.Series(True, index=frame.index)
    if view.tenants:
        mask &= frame["tenant"].isin(view.tenants)
    if view.stable_keys:
        mask &= frame["stable_key"].isin(view.stable_keys)
    if view.statuses:
        mask &= frame["status"].isin(view.statuses)
    if view.only_gaps:
        mask &= frame["status"] != Status.COMPLETE.value
    if view.blocking_only:
        mask &= frame["blocking"]
    for label in view.labels:
        mask &= (";" + frame["labels"] + ";").str.contains(";" + label + ";", regex=False)
    term = view.search.strip().lower()
    if term:
        mask &= frame["customer_name"].str.lower().str.contains(term, regex=False) | frame[
            "customer_external_id"
        ].str.lower().str.contains(term, regex=False)
    return frame[mask]


def summary_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per tenant (in order of appearance): customers, org-activated connections, complete
    cells and % complete (no rows for a frame without cells: see `coverage_frame`)."""
    grouped = _with_complete(frame).groupby("tenant", observed=True, sort=False)
    out = pd.DataFrame({
        "customers": grouped["customer_id"].nunique(),
        "connections": grouped["stable_key"].nunique(),
        "cells": grouped.size(),
        "complete": grouped["is_complete"].sum(),
    }).astype("int64")
    cells = out["cells"].where(out["cells"] > 0)
    out["percent_complete"] = (100.0 * out["complete"] / cells).round(1).astype("float64")
    return out.fillna({"percent_complete": 0.0}).reset_index()


def _with_complete(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with an ``is_complete`` column of 0/1 (sums and means stay numbers, even for
    an empty frame, where aggregating the categorical status would not)."""
    return frame.assign(is_complete=(frame["status"] == Status.COMPLETE.value).astype("int64"))


def counts_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Status counts per tenant and connection (every status present, zeros included), the
    tenants and connections in the frame's order."""
    counts = (
        frame.groupby(["tenant", "stable_key", "connection", "status"], observed=False)
        .size()
        .rename("customers")
        .reset_index()
    )
    present = frame[["tenant", "stable_key", "connection"]].drop_duplicates()
    return present.merge(counts, on=["tenant", "stable_key", "connection"])  # frame's order


def percent_complete(frame: pd.DataFrame) -> pd.DataFrame:
    """% complete per tenant and connection: tenant, stable_key, connection, percent_complete."""
    grouped = _with_complete(frame).groupby(["tenant", "stable_key", "connection"],
                                            observed=True)["is_complete"]
    pct = (100.0 * grouped.mean()).round(1).astype("float64")
    return pct.rename("percent_complete").reset_index()


def connection_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per tenant and connection, in order of appearance: the cells of each status and %
    complete (columns tenant, stable_key, connection, complete, incomplete, missing, error,
    percent_complete)."""
    keys = ["tenant", "stable_key", "connection"]
    statuses = [s.value for s in Status]
    wide = (counts_frame(frame).astype({"status": str})
            .pivot(index=keys, columns="status", values="customers")
            .reindex(columns=statuses, fill_value=0).fillna(0).astype(int).reset_index())
    wide.columns.name = None
    cells = wide[statuses].sum(axis=1)
    wide["percent_complete"] = (100.0 * wide["complete"] / cells.where(cells > 0)).round(1)
    present = frame[keys].drop_duplicates()
    return present.merge(wide, on=keys, how="left").fillna({"percent_complete": 0.0})


NOT_APPLICABLE = "—"  # a matrix cell of a connection the customer's tenant does not have


def matrix_frame(frame: pd.DataFrame, marks: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Customers × connections: one row per tenant and customer, a status text in every cell.

    A cell reads ``complete``, ``missing``, ``error`` or ``incomplete: apiKey, region``, after
    ``marks[status]`` when given (e.g. an icon); :data:`NOT_APPLICABLE` where the customer's
    tenant has no such connection. Rows and columns keep the frame's order. A column is the
    connection's name, followed by its stable key where two connections share a name.
    Reshaped with ``pivot`` on customer IDs (no aggregation): fast at 10,000 customers.
    """
    status = frame["status"].astype(str)
    lacking = frame["missing_inputs"] != ""
    with_inputs = status + ": " + frame["missing_inputs"].str.replace(";", ", ", regex=False)
    text = status.where(~lacking | (status == Status.COMPLETE.value), with_inputs)
    if marks:
        text = status.map(dict(marks)).fillna("") + text
    names = frame[["connection", "stable_key"]].drop_duplicates()
    shared = names["connection"].duplicated(keep=False)
    titles = dict(zip(names["stable_key"], names["connection"].where(
        ~shared, names["connection"] + " (" + names["stable_key"] + ")"), strict=True))
    keys = ["tenant", "customer_id"]
    wide = frame.assign(cell=text, column=frame["stable_key"].map(titles)).pivot(
        index=keys, columns="column", values="cell")
    customers = frame[[*keys, "customer_external_id", "customer_name"]].drop_duplicates(keys)
    out = customers.merge(wide.reset_index(), on=keys, how="left").drop(columns="customer_id")
    columns = [titles[k] for k in frame["stable_key"].unique()]  # in order of appearance
    out = out[["tenant", "customer_external_id", "customer_name", *columns]]
    out[columns] = out[columns].fillna(NOT_APPLICABLE)
    return out.reset_index(drop=True)


def gaps_by_impact(frame: pd.DataFrame) -> pd.DataFrame:
    """The gaps (missing, incomplete, error) of ``frame`` with every column, ordered by impact
    as `coverage_rules.impact_order` says (blocking first, most instances first; stable) and
    numbered from 0 as in `gap_export` (so that links made from these rows line up with its
    rows)."""
    gaps = frame[frame["status"] != Status.COMPLETE.value]
    pairs = pd.DataFrame({"status": gaps["status"].astype(str),
                          "instances": gaps["instances"].astype("Int64")})
    # the rule is applied once per distinct (status, instances) pair, not per gap: a few
    # dozen calls at 10,000 customers; a stable sort of their ranks keeps the frame's order
    distinct = pairs.drop_duplicates().reset_index(drop=True)
    keys = [impact_order(status, None if pd.isna(count) else int(count))
            for status, count in distinct.itertuples(index=False)]
    dense = {key: n for n, key in enumerate(sorted(set(keys)))}
    ranked = distinct.assign(rank=[dense[key] for key in keys])
    rank = pairs.merge(ranked, on=["status", "instances"], how="left")["rank"]  # left's order
    return gaps.iloc[rank.argsort(kind="stable").to_numpy()].reset_index(drop=True)


gap_rows = gaps_by_impact  # the name the page's links use


def gap_export(frame: pd.DataFrame) -> pd.DataFrame:
    """The gaps with the documented export columns, ordered by impact; the impact columns
    are empty where it is unknown."""
    return gaps_by_impact(frame)[EXPORT_COLUMNS].astype({"status": str})


def impact_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per tenant (in order of appearance): ``blocked_customers`` (customers with a blocking
    gap) and ``blocked_instances`` (instances summed over blocking gaps: an instance that
    uses two lacking connections counts twice); both ``<NA>`` where a gap's impact is unknown."""
    gaps = frame["status"] != Status.COMPLETE.value
    rows = []
    for tenant, cells in frame.groupby("tenant", sort=False, observed=True):
        unknown = bool(cells.loc[gaps[cells.index], "instances"].isna().any())
        blocking = cells[cells["blocking"]]
        rows.append((tenant, pd.NA if unknown else blocking["customer_id"].nunique(),
                     pd.NA if unknown else int(blocking["instances"].sum())))
    out = pd.DataFrame(rows, columns=["tenant", "blocked_customers", "blocked_instances"])
    return out.astype({"blocked_customers": "Int64", "blocked_instances": "Int64"})


def connection_names(frame: pd.DataFrame) -> dict[str, str]:
    """Each connection's name by stable key, in the frame's order (one row per connection
    looked at, not per cell)."""
    pairs = frame[["stable_key", "connection"]].drop_duplicates("stable_key")
    return dict(zip(pairs["stable_key"], pairs["connection"], strict=True))


def label_choices(frame: pd.DataFrame) -> list[str]:
    """Every customer label present (for the segment filter), sorted."""
    labels: set[str] = set()
    for text in frame["labels"].unique():
        labels.update(x for x in str(text).split(";") if x)
    return sorted(labels)


def gap_customers(frame: pd.DataFrame, tenant: str, stable_key: str) -> Sequence[str]:
    """External IDs of the customers lacking complete values for one connection in a tenant."""
    rows = frame[(frame["tenant"] == tenant) & (frame["stable_key"] == stable_key)]
    return list(rows.loc[rows["status"] != Status.COMPLETE.value, "customer_external_id"])


STATUS_COLOURS = {
    Status.COMPLETE.value: "#2E9E5B",
    Status.INCOMPLETE.value: "#E8A33D",
    Status.MISSING.value: "#B8BCC6",
    Status.ERROR.value: "#D64545",
}


def status_chart(counts: pd.DataFrame) -> go.Figure:
    """A stacked horizontal Plotly bar chart of status counts per connection (of
    `counts_frame`).

    One bar per connection, its name written across the page (never rotated), one colour per
    status; with several tenants the bars are grouped by tenant on a two-level axis. Built with
    graph_objects (plotly.express costs ~0.2 s).
    """
    several = counts["tenant"].nunique() > 1
    status = counts["status"].astype(str)
    bars = len(counts[["tenant", "stable_key"]].drop_duplicates())
    figure = go.Figure()
    for value in (s.value for s in Status):
        rows = counts[status == value]
        y = [list(rows["tenant"]), list(rows["connection"])] if several else list(
            rows["connection"])
        figure.add_trace(go.Bar(name=value, y=y, x=list(rows["customers"]), orientation="h",
                                marker_color=STATUS_COLOURS[value]))
    figure.update_layout(barmode="stack", legend_title_text="status", height=110 + 30 * bars,
                         legend_traceorder="normal", xaxis_title="customers",
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
                         margin={"l": 10, "r": 10, "t": 40, "b": 10})
    figure.update_yaxes(autorange="reversed", automargin=True)  # first connection on top
    figure.update_xaxes(tickformat=",d", rangemode="tozero")
    if counts.groupby(["tenant", "stable_key"])["customers"].sum().max() <= 10:
        figure.update_xaxes(dtick=1)  # a few customers: whole numbers only
    return figure

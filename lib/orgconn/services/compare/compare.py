"""Cross-tenant comparison by stable key (connections) and external ID (customers).

    frame = differences({"us": us_snapshot, "eu": eu_snapshot}, key,
                        all_connections={"us": us_all, "eu": eu_all})

`differences` returns one row per difference, each reported exactly once, with the columns
``kind, stable_key, customer_external_id, input``, one detail column per tenant (named after
the tenant), ``customer_name`` and ``drift_in`` (the tenants that differ, ``;``-separated).
The kinds and the rules are in `compare_kinds`, `compare_definitions` (per stable key) and
`compare_customers` (per customer). Only org-activated customer connections are compared;
org-activated global and customer-activated ones are left alone (a stable key used by one of
them in some tenant is reported as missing there, saying what holds the key).

Around it: `drift_counts` (per kind), `connections_overview` (per stable key: where it exists
and coverage % in each tenant), `drift_matrix` / `drift_heatmap` (stable key × tenant),
`CompareFilter` / `apply_filter` for the page and CLI, `has_drift` for exit codes.
Nothing here fetches or renders; nothing holds a customer's value (fingerprints only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from orgconn.models import OrgConnection, TenantData
from orgconn.services import coverage
from orgconn.services.compare.compare_customers import TenantCustomers, customer_differences
from orgconn.services.compare.compare_definitions import definition_differences
from orgconn.services.compare.compare_kinds import (
    KIND_LABELS,
    MISSING,
    NOT_CONCERNED,
    Difference,
    Kind,
)
from orgconn.services.links import customer_values_links

__all__ = [
    "CUSTOMERS_ROW", "ID_COLUMNS", "KIND_LABELS", "TRAILING_COLUMNS", "CompareFilter", "Kind",
    "apply_filter", "columns", "connections_overview", "differences", "drift_counts",
    "drift_heatmap", "drift_matrix", "drift_totals", "has_drift", "kind_label", "managed_by_key",
    "tenants_of",
    "with_customer_links",
]

ID_COLUMNS = ["kind", "stable_key", "customer_external_id", "input"]
TRAILING_COLUMNS = ["customer_name", "drift_in"]
CUSTOMERS_ROW = "(customers)"  # the heatmap row of customers present in some tenants only


def _check_tenants(tenants: Sequence[str]) -> None:
    if len(tenants) < 2:
        raise ValueError(f"comparing needs at least two tenants (got {len(tenants)}): "
                         "pick another one")
    clash = sorted(set(tenants) & {*ID_COLUMNS, *TRAILING_COLUMNS})
    if clash:
        raise ValueError(f"a tenant called {clash[0]!r} would clash with a column of the "
                         "comparison: rename it in the configuration")


def columns(tenants: Sequence[str]) -> list[str]:
    """The columns of a comparison of ``tenants``: ids, one detail per tenant, the rest."""
    return [*ID_COLUMNS, *tenants, *TRAILING_COLUMNS]


def managed_by_key(snapshot: TenantData) -> dict[str, OrgConnection]:
    """A tenant's tenant-wide org-activated customer connections by stable key (one customer's
    own are left out: they are no other tenant's business)."""
    return {c.stable_key: c for c in snapshot.connections
            if c.is_org_activated_customer and c.owner is None}


def differences(snapshots: Mapping[str, TenantData], key: bytes, *,
                all_connections: Mapping[str, Iterable[OrgConnection]] | None = None
                ) -> pd.DataFrame:
    """Every difference between the tenants of ``snapshots`` (two or more), one per row.

    ``key`` keys the fingerprints (`orgconn.secrets.fingerprint_key`). ``all_connections``
    (each tenant's `all_connections()`) lets a stable key held by a connection orgconn leaves
    alone be told apart from a missing one. Rows come definition kinds first, then customers.
    ValueError for fewer than two tenants or a tenant named like a column.
    """
    tenants = list(snapshots)
    _check_tenants(tenants)
    managed = {t: managed_by_key(s) for t, s in snapshots.items()}
    others: dict[str, dict[str, OrgConnection]] = {
        t: {c.stable_key: c for c in (all_connections or {}).get(t, ())
            if not c.is_org_activated_customer or c.owner is not None} for t in tenants}
    indexed = {t: TenantCustomers.of(s) for t, s in snapshots.items()}
    found = [*definition_differences(tenants, managed, others, key),
             *customer_differences(tenants, indexed, managed, key)]
    return _frame(tenants, found)


def customers_left_out(snapshots: Mapping[str, TenantData]) -> str | None:
    """The sentence naming the customers left out of the customer comparison, and why: they
    are matched across tenants by external ID, so those without one cannot be (None: none)."""
    parts = []
    for tenant, snapshot in snapshots.items():
        out = [c for c in snapshot.customers if not c.external_id]
        if out:
            names = ", ".join(c.name for c in out[:10]) + (
                f" and {len(out) - 10} more" if len(out) > 10 else "")
            parts.append(f"{tenant}: {len(out)} ({names})")
    if not parts:
        return None
    return ("Left out of the customer comparison, having no external ID (customers are matched "
            f"across tenants by external ID): {'; '.join(parts)}. Their values are on the "
            "Customer values page of each tenant.")


def _frame(tenants: Sequence[str], found: Sequence[Difference]) -> pd.DataFrame:
    rows = [(d.kind.value, d.stable_key, d.customer_external_id, d.input,
             *(d.details[t] for t in tenants), d.customer_name, ";".join(d.drift_in))
            for d in found]
    return pd.DataFrame.from_records(rows, columns=columns(tenants))


def tenants_of(frame: pd.DataFrame) -> list[str]:
    """The tenants of a comparison frame (its detail columns), in order."""
    fixed = {*ID_COLUMNS, *TRAILING_COLUMNS}
    return [c for c in frame.columns if c not in fixed]


def has_drift(frame: pd.DataFrame) -> bool:
    """Whether any row is a known difference ("can't compare" rows are not)."""
    return bool((frame["kind"] != Kind.CANT_COMPARE.value).any())


def drift_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows per kind, every kind listed (zeros too): kind, label, differences, is_drift."""
    counts = frame["kind"].value_counts()
    return pd.DataFrame([
        {"kind": k.value, "label": k.label, "differences": int(counts.get(k.value, 0)),
         "is_drift": k.is_drift} for k in Kind])


@dataclass(frozen=True)
class CompareFilter:
    """Which differences to show; empty means no restriction. ``search`` matches a
    customer's external ID or name (case-insensitive)."""

    kinds: tuple[str, ...] = ()
    stable_keys: tuple[str, ...] = ()
    search: str = ""


def apply_filter(frame: pd.DataFrame, view: CompareFilter) -> pd.DataFrame:
    """The rows of ``frame`` that ``view`` selects."""
    mask = pd.Series(True, index=frame.index)
    if view.kinds:
        mask &= frame["kind"].isin(view.kinds)
    if view.stable_keys:
        mask &= frame["stable_key"].isin(view.stable_keys)
    term = view.search.strip().lower()
    if term:
        mask &= (frame["customer_external_id"].str.lower().str.contains(term, regex=False)
                 | frame["customer_name"].str.lower().str.contains(term, regex=False))
    return frame[mask]


def connections_overview(snapshots: Mapping[str, TenantData], frame: pd.DataFrame
                         ) -> pd.DataFrame:
    """Per stable key: where it exists, coverage % in each tenant and its difference count.

    Columns: ``stable_key``, ``exists_in`` (tenants, ``, ``-separated), ``coverage <tenant>``
    for each tenant (% of customers with complete values; empty where the key is missing),
    ``differences`` (known differences of that key, customer rows included).
    """
    tenants = list(snapshots)
    percents: dict[tuple[str, str], float] = {}
    for tenant, snapshot in snapshots.items():
        long = coverage.coverage_frame(tenant, snapshot)
        pct = coverage.percent_complete(long)
        percents.update(((tenant, str(k)), float(p)) for k, p in zip(
            pct["stable_key"], pct["percent_complete"], strict=True))
    managed = {t: managed_by_key(s) for t, s in snapshots.items()}
    drift = frame[frame["kind"] != Kind.CANT_COMPARE.value]["stable_key"].value_counts()
    rows = []
    for stable_key in sorted({k for keys in managed.values() for k in keys}):
        line: dict[str, object] = {"stable_key": stable_key, "exists_in": ", ".join(
            t for t in tenants if stable_key in managed[t])}
        for tenant in tenants:
            present = stable_key in managed[tenant]
            line[f"coverage {tenant}"] = percents.get((tenant, stable_key), 0.0) if present \
                else None
        line["differences"] = int(drift.get(stable_key, 0))
        rows.append(line)
    return pd.DataFrame(rows, columns=["stable_key", "exists_in",
                                       *(f"coverage {t}" for t in tenants), "differences"])


def drift_matrix(frame: pd.DataFrame, stable_keys: Sequence[str] = ()) -> pd.DataFrame:
    """Known differences per stable key (rows) × tenant (columns), charged by ``drift_in``.

    ``stable_keys`` adds rows of zeros for keys without differences; customers present in
    some tenants only are counted on the `CUSTOMERS_ROW` row.
    """
    tenants = tenants_of(frame)
    drift = frame[frame["kind"] != Kind.CANT_COMPARE.value]
    rows = drift["stable_key"].where(drift["stable_key"] != "", CUSTOMERS_ROW)
    # count each (row, drift_in) pair first: few distinct pairs, however many differences
    pairs = pd.DataFrame({"row": rows, "tenant": drift["drift_in"]}).value_counts()
    counts: dict[tuple[str, str], int] = {}
    for (row, charged), n in zip(pairs.index.tolist(), pairs.tolist(), strict=True):
        for tenant in str(charged).split(";"):
            counts[(str(row), tenant)] = counts.get((str(row), tenant), 0) + int(n)
    index = sorted({*stable_keys, *rows})
    return pd.DataFrame([[counts.get((r, t), 0) for t in tenants] for r in index],
                        index=pd.Index(index), columns=pd.Index(tenants), dtype=int)


def drift_totals(frame: pd.DataFrame) -> dict[str, int]:
    """Known differences per row of `drift_matrix`, each counted once (the overview's
    ``differences`` for a stable key): a tenant's cell counts the differences it takes part
    in, so a row's cells can add up to more than its total."""
    drift = frame[frame["kind"] != Kind.CANT_COMPARE.value]
    rows = drift["stable_key"].where(drift["stable_key"] != "", CUSTOMERS_ROW)
    return {str(k): int(n) for k, n in rows.value_counts().items()}


def drift_heatmap(matrix: pd.DataFrame, totals: Mapping[str, int] | None = None) -> go.Figure:
    """A Plotly heatmap of `drift_matrix`: darker cells hold more differences. With ``totals``
    (`drift_totals`) each row's label ends with its total, e.g. ``acme-api-key<br>(54 in all)``
    (on a second line, so that a narrow column does not clip it)."""
    labels = [f"{row}<br>({(totals or {}).get(str(row), 0):,} in all)" if totals is not None
              else str(row) for row in matrix.index]
    figure = go.Figure(go.Heatmap(
        z=matrix.to_numpy(), x=list(matrix.columns), y=labels, text=matrix.to_numpy(),
        texttemplate="%{text}", colorscale="Oranges", zmin=0,
        colorbar={"title": "differences<br>a tenant<br>takes part in"},
        hovertemplate="%{y}: %{x} takes part in %{z} of them<extra></extra>"))
    figure.update_layout(height=max(220, 48 * len(matrix.index) + 80),
                         margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         yaxis={"autorange": "reversed", "automargin": True},
                         xaxis={"side": "top"})
    return figure


def kind_label(kind: str) -> str:
    """The page's label of a kind value (the value itself if unknown)."""
    return next((label for k, label in KIND_LABELS.items() if k.value == kind), kind)


def with_customer_links(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus a ``link <tenant>`` column per tenant: the customer-values page of the
    row's customer and connection in that tenant (empty where the row has no customer and
    connection, or the tenant lacks them)."""
    linked = frame.copy()
    keys, customers = frame["stable_key"].fillna(""), frame["customer_external_id"].fillna("")
    for tenant in tenants_of(frame):
        links = customer_values_links(pd.DataFrame({  # column-wise: 100,000 rows in 0.1 s
            "tenant": tenant, "stable_key": keys, "customer_external_id": customers}))
        linkable = (keys != "") & (customers != "") & ~frame[tenant].isin(
            [MISSING, NOT_CONCERNED])
        linked[f"link {tenant}"] = links.where(linkable, "")
    return linked

"""Recording coverage history: turn a coverage frame into a snapshot in the store.

Prismatic keeps no history of customer values (a CCV has only ``lastConfiguredAt``), so orgconn
keeps its own: whenever coverage is loaded (the dashboard's cached getter) and whenever
``orgconn snapshot`` runs (cron), :func:`take_snapshot` records per connection how many
customers are in each status, and per customer its status and labels (for segments). The
store keeps at most one snapshot per tenant per minute; a second one in the same minute is
dropped and :func:`take_snapshot` returns None.

Per-customer statuses cost: 10,000 customers × 6 connections are 60,000 rows (2 to 5 s and
5 MB a snapshot). So a tenant of up to `DETAIL_CELLS` customer × connection cells gets them
in every snapshot, a larger one in the first snapshot of each UTC day only; the counts are in
every snapshot. Segment charts therefore move daily for large tenants, and at every snapshot
for the others.

Nothing here holds a value: statuses, counts, names, external IDs and labels only.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from orgconn.models import CoverageRead, TenantData
from orgconn.store import ConnectionCounts, CustomerStatus, Store

TEXT_LIMIT = 300  # the store's limit for names and labels
DETAIL_CELLS = 5_000  # up to this many customer × connection cells, every snapshot has them


def _blocking(frame: pd.DataFrame) -> dict[str, tuple[int | None, int | None]]:
    """Per stable key: (blocking gaps, instances they block); None where a gap's impact is
    unknown (so the snapshot records no figure rather than a reassuring 0)."""
    gaps = frame[frame["status"].astype(str) != "complete"]
    figures: dict[str, tuple[int | None, int | None]] = {}
    for key in frame["stable_key"].unique():
        rows = gaps[gaps["stable_key"] == key]
        if rows["instances"].isna().any():
            figures[str(key)] = (None, None)
            continue
        blocking = rows[rows["blocking"]]
        figures[str(key)] = (len(blocking), int(blocking["instances"].sum()))
    return figures


def connection_counts(frame: pd.DataFrame) -> list[ConnectionCounts]:
    """Status counts per connection of a one-tenant coverage frame, by stable key, with its
    blocking gaps and the instances they block (None when the impact is unknown)."""
    if frame.empty:
        return []
    table = (frame.astype({"status": str})
             .groupby(["stable_key", "status"]).size().unstack(fill_value=0))
    names = dict(zip(frame["stable_key"], frame["connection"], strict=True))
    blocking = _blocking(frame)
    return [
        ConnectionCounts(
            stable_key=str(key), name=str(names[str(key)])[:TEXT_LIMIT],
            **{status: int(row.get(status, 0))
               for status in ("complete", "incomplete", "missing", "error")},
            blocking_gaps=blocking[str(key)][0], blocked_instances=blocking[str(key)][1])
        for key, row in table.iterrows()
    ]


def customer_statuses(frame: pd.DataFrame) -> list[CustomerStatus]:
    """Each customer's status per connection of a one-tenant coverage frame, with its labels.

    A customer without an external ID is recorded under its Prismatic ID.
    """
    rows = frame[["customer_external_id", "customer_id", "stable_key", "status", "labels",
                  "customer_name"]].astype({"status": str})
    return [
        CustomerStatus(
            external_id=external_id or customer_id, stable_key=stable_key, status=status,
            labels=tuple(label[:TEXT_LIMIT] for label in str(labels).split(";") if label),
            customer_name=str(name)[:TEXT_LIMIT])
        for external_id, customer_id, stable_key, status, labels, name
        in rows.itertuples(index=False, name=None)
    ]


def _detail_due(store: Store, tenant: str, rows: pd.DataFrame, now: datetime) -> bool:
    """Whether this snapshot should hold per-customer statuses (module docstring)."""
    if len(rows) <= DETAIL_CELLS:
        return True
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    key = str(rows["stable_key"].iloc[0])
    return store.customer_status_history(tenant, key, since=day).empty


def take_snapshot(store: Store, tenant: str, coverage_frame: pd.DataFrame,
                  now: datetime) -> int | None:
    """Records ``tenant``'s coverage (rows of ``coverage_frame`` for that tenant) at ``now``.

    Returns the snapshot's id, or None when the tenant already has a snapshot in that minute
    (nothing is recorded then). Per-customer statuses are included as the module docstring
    says. ``now`` must be timezone-aware. Store errors propagate: the dashboard's caller logs
    and ignores them, the ``snapshot`` command reports them.
    """
    rows = coverage_frame[coverage_frame["tenant"] == tenant]
    detail = customer_statuses(rows) if _detail_due(store, tenant, rows, now) else []
    return store.record_snapshot(tenant, now, connection_counts(rows), detail)


def customer_created_at(snapshot: TenantData | CoverageRead) -> pd.Series:
    """When each customer of a tenant was created (UTC), indexed by customer ID (NaT: unknown),
    from a full read or the lean coverage read (both carry it).

    The coverage estimate uses it to count only the customers that existed at each date.
    """
    return pd.Series(
        pd.to_datetime(pd.Series([c.created_at for c in snapshot.customers], dtype=object),
                       utc=True).to_numpy(),
        index=pd.Index([c.id for c in snapshot.customers], name="customer_id"),
        name="created_at")

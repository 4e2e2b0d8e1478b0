"""Coverage history (issue 8): snapshots of coverage per tenant, at most one a tenant a minute.

A snapshot holds, per connection, how many customers are in each status, and optionally each
customer's status with its labels (for segments). The store keeps what it is given: a series
has rows only where a snapshot was taken and only for the connections that snapshot counted
(gaps stay gaps; a connection added midway starts midway).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Row, Select, insert, select
from sqlalchemy.exc import IntegrityError

from orgconn.store.base import StoreBase, inserted_id
from orgconn.store.records import ConnectionCounts, CustomerStatus, Snapshot
from orgconn.store.schema import coverage_snapshot, snapshot_connection, snapshot_customer

SERIES_COLUMNS = [
    "snapshot_id", "taken_at", "tenant", "stable_key", "name",
    "complete", "incomplete", "missing", "error", "total", "blocking_gaps", "blocked_instances",
]
"""Columns of ``Store.snapshot_series``, one row per snapshot and connection; the blocking
figures are nullable integers (``<NA>``: not known when recorded)."""
BLOCKING = ["blocking_gaps", "blocked_instances"]

CUSTOMER_COLUMNS = [
    "snapshot_id", "taken_at", "tenant", "stable_key", "external_id", "customer_name",
    "status", "labels",
]
"""Columns of ``Store.snapshot_customers`` and ``Store.customer_status_history``."""


def minute_of(taken_at: datetime) -> int:
    """The minute bucket of a time: whole minutes since the epoch (the de-duplication key)."""
    if taken_at.tzinfo is None:
        raise ValueError(f"snapshot times must be timezone-aware; got {taken_at.isoformat()}")
    return int(taken_at.timestamp() // 60)


class CoverageHistory(StoreBase):
    """Coverage snapshot methods of ``Store``."""

    def record_snapshot(self, tenant: str, taken_at: datetime,
                        per_connection_counts: Sequence[ConnectionCounts],
                        per_customer_status: Sequence[CustomerStatus] = ()) -> int | None:
        """Records a tenant's coverage at ``taken_at`` and returns the snapshot id.

        Returns None, recording nothing, when the tenant already has a snapshot in the same
        minute; this holds for concurrent writers too (a unique key decides). Raises
        ValueError for a naive time or a connection/customer listed twice.
        """
        minute = minute_of(taken_at)
        identity = self.identity_of(tenant)
        _refuse_duplicates([c.stable_key for c in per_connection_counts], "connection")
        _refuse_duplicates(
            [f"{c.stable_key} / {c.external_id}" for c in per_customer_status], "customer")
        try:
            with self._write() as connection:
                snapshot_id = inserted_id(connection.execute(insert(coverage_snapshot).values(
                    tenant=tenant, tenant_identity=identity, taken_at=taken_at, minute=minute)))
                _insert_details(connection, snapshot_id, per_connection_counts,
                                per_customer_status)
                return snapshot_id
        except IntegrityError:
            if self._snapshot_in_minute(tenant, minute):
                return None
            raise

    def latest_snapshot(self, tenant: str) -> Snapshot | None:
        """The tenant's most recent snapshot with its per-connection counts, or None."""
        query = (select(coverage_snapshot.c.id)
                 .where(self._tenant_condition(coverage_snapshot, tenant))
                 .order_by(coverage_snapshot.c.taken_at.desc()).limit(1))
        with self._read() as connection:
            snapshot_id = connection.execute(query).scalar_one_or_none()
        return None if snapshot_id is None else self.snapshot(snapshot_id)

    def snapshot(self, snapshot_id: int) -> Snapshot | None:
        """One snapshot with its per-connection counts, or None if there is no such id."""
        with self._read() as connection:
            head = connection.execute(
                select(coverage_snapshot).where(coverage_snapshot.c.id == snapshot_id)).first()
            if head is None:
                return None
            counts = connection.execute(
                select(snapshot_connection).where(snapshot_connection.c.snapshot_id == snapshot_id)
                .order_by(snapshot_connection.c.stable_key)).all()
        return Snapshot(id=head.id, tenant=head.tenant, tenant_identity=head.tenant_identity,
                        taken_at=head.taken_at,
                        connections=tuple(_counts(row) for row in counts))

    def snapshot_series(self, tenant: str | None = None, stable_key: str | None = None,
                        since: datetime | None = None,
                        until: datetime | None = None) -> pd.DataFrame:
        """Per-connection counts of every matching snapshot, oldest first (``SERIES_COLUMNS``).

        ``since`` is inclusive, ``until`` exclusive; None filters match everything.
        """
        s, c = coverage_snapshot.c, snapshot_connection.c
        query = _within(
            select(s.id.label("snapshot_id"), s.taken_at, s.tenant, c.stable_key, c.name,
                   c.complete, c.incomplete, c.missing, c.error, c.blocking_gaps,
                   c.blocked_instances)
            .join_from(coverage_snapshot, snapshot_connection),
            self._tenant_condition(coverage_snapshot, tenant), stable_key, since, until,
            c.stable_key).order_by(s.taken_at, s.tenant, c.stable_key)
        with self._read() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        frame = pd.DataFrame(rows, columns=[c for c in SERIES_COLUMNS if c != "total"])
        frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
        counts = ["complete", "incomplete", "missing", "error"]
        frame[counts] = frame[counts].astype("int64")
        frame["total"] = frame[counts].sum(axis=1).astype("int64")
        frame[BLOCKING] = frame[BLOCKING].astype("Int64")
        return frame[SERIES_COLUMNS]

    def snapshot_customers(self, snapshot_id: int,
                           stable_key: str | None = None) -> pd.DataFrame:
        """Each customer's status in one snapshot (``CUSTOMER_COLUMNS``; labels as tuples)."""
        query = _customers_query().where(snapshot_customer.c.snapshot_id == snapshot_id)
        if stable_key is not None:
            query = query.where(snapshot_customer.c.stable_key == stable_key)
        return self._customer_frame(query)

    def customer_status_history(self, tenant: str, stable_key: str,
                                since: datetime | None = None) -> pd.DataFrame:
        """Every recorded status of each customer for one connection, oldest first."""
        query = _within(_customers_query(), self._tenant_condition(coverage_snapshot, tenant),
                        stable_key, since, None, snapshot_customer.c.stable_key)
        return self._customer_frame(query)

    def _customer_frame(self, query: Select[Any]) -> pd.DataFrame:
        query = query.order_by(coverage_snapshot.c.taken_at, snapshot_customer.c.stable_key,
                               snapshot_customer.c.external_id)
        with self._read() as connection:
            rows = [{**row._mapping, "labels": tuple(row.labels)}
                    for row in connection.execute(query)]
        frame = pd.DataFrame(rows, columns=CUSTOMER_COLUMNS)
        frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
        return frame

    def _snapshot_in_minute(self, tenant: str, minute: int) -> bool:
        query = select(coverage_snapshot.c.id).where(
            self._tenant_condition(coverage_snapshot, tenant), coverage_snapshot.c.minute == minute)
        with self._read() as connection:
            return connection.execute(query).first() is not None


def _insert_details(connection: Connection, snapshot_id: int,
                    counts: Sequence[ConnectionCounts],
                    customers: Sequence[CustomerStatus]) -> None:
    if counts:
        connection.execute(insert(snapshot_connection), [
            {"snapshot_id": snapshot_id, **item.model_dump()} for item in counts])
    if customers:
        connection.execute(insert(snapshot_customer), [
            {"snapshot_id": snapshot_id, **item.model_dump(exclude={"labels"}),
             "labels": list(item.labels)} for item in customers])


def _customers_query() -> Select[Any]:
    s, c = coverage_snapshot.c, snapshot_customer.c
    return (select(s.id.label("snapshot_id"), s.taken_at, s.tenant, c.stable_key, c.external_id,
                   c.customer_name, c.status, c.labels)
            .join_from(coverage_snapshot, snapshot_customer))


def _within(query: Select[Any], tenants: ColumnElement[bool], stable_key: str | None,
            since: datetime | None, until: datetime | None, key_column: Any) -> Select[Any]:
    s = coverage_snapshot.c
    query = query.where(tenants)
    if stable_key is not None:
        query = query.where(key_column == stable_key)
    if since is not None:
        query = query.where(s.taken_at >= since)
    if until is not None:
        query = query.where(s.taken_at < until)
    return query


def _counts(row: Row[Any]) -> ConnectionCounts:
    return ConnectionCounts.model_validate(
        {key: value for key, value in row._mapping.items() if key != "snapshot_id"})


def _refuse_duplicates(keys: list[str], what: str) -> None:
    repeated = sorted(key for key, n in Counter(keys).items() if n > 1)
    if repeated:
        raise ValueError(f"a snapshot lists each {what} once; repeated: {', '.join(repeated)}")

"""The audit log (issue 5): one row per write made through orgconn, newest first when read.

An entry names the inputs a write changed and, for secrets, only their fingerprints (see
``ChangedInput``); there is no field that takes a secret value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Row, func, insert, select

from orgconn.store.base import StoreBase
from orgconn.store.records import (
    AuditEntry,
    Record,
    Source,
    changed_inputs_from_json,
    changed_inputs_to_json,
    describe_changed_inputs,
)
from orgconn.store.schema import audit_log

AUDIT_COLUMNS = [
    "id", "at", "actor", "tenant", "action", "stable_key", "customer_external_id",
    "changed_inputs", "outcome", "source", "detail", "job_id",
]
"""The columns of ``Store.audit_frame``, in order; ``changed_inputs`` is one readable line."""


class AuditFilter(Record):
    """Which audit entries to read; every field left None matches everything.

    ``since`` is inclusive and ``until`` exclusive (timezone-aware). ``outcome="failed"``
    matches every ``failed: <reason>``.
    """

    tenant: str | None = None
    actor: str | None = None
    action: str | None = None
    stable_key: str | None = None
    customer_external_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: Literal["ok", "failed", "unknown"] | None = None
    source: Source | None = None
    job_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions this filter stands for."""
        c = audit_log.c
        exact = {
            c.actor: self.actor, c.action: self.action,
            c.stable_key: self.stable_key, c.customer_external_id: self.customer_external_id,
            c.source: self.source, c.job_id: self.job_id,
        }
        found: list[ColumnElement[bool]] = [
            column == value for column, value in exact.items() if value is not None
        ]
        if self.since is not None:
            found.append(c.at >= self.since)
        if self.until is not None:
            found.append(c.at < self.until)
        if self.outcome == "failed":
            found.append(c.outcome.startswith("failed"))
        elif self.outcome is not None:
            found.append(c.outcome == self.outcome)
        return found


class AuditChoices(Record):
    """The distinct values present in the audit log, for a page's filter widgets."""

    tenants: tuple[str, ...]
    actors: tuple[str, ...]
    actions: tuple[str, ...]
    stable_keys: tuple[str, ...]


class AuditLog(StoreBase):
    """Audit log methods of ``Store``."""

    def append_audit(self, entry: AuditEntry) -> int:
        """Appends one audit entry and returns its id (``entry.id`` is ignored)."""
        return self.append_audit_entries([entry])[0]

    def append_audit_entries(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Appends several audit entries in one transaction; returns their ids in order."""
        entries = identified(self, entries)
        with self._write() as connection:
            return append_audit_rows(connection, entries)

    def _audit_conditions(self, where: AuditFilter | None) -> list[ColumnElement[bool]]:
        where = where or AuditFilter()
        return [*where.conditions(), self._tenant_condition(audit_log, where.tenant)]

    def audit(self, where: AuditFilter | None = None, *, limit: int | None = 1000,
              offset: int = 0) -> list[AuditEntry]:
        """Audit entries matching ``where``, newest first; ``limit=None`` reads them all."""
        query = (select(audit_log).where(*self._audit_conditions(where))
                 .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
                 .limit(limit).offset(offset))
        with self._read() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def audit_count(self, where: AuditFilter | None = None) -> int:
        """How many audit entries match ``where`` (for paging)."""
        query = select(func.count()).select_from(audit_log).where(
            *self._audit_conditions(where))
        with self._read() as connection:
            return int(connection.execute(query).scalar_one())

    def audit_frame(self, where: AuditFilter | None = None, *, limit: int | None = 1000,
                    offset: int = 0) -> pd.DataFrame:
        """``audit(...)`` as a DataFrame with ``AUDIT_COLUMNS``, for the Audit page and export."""
        return audit_entries_frame(self.audit(where, limit=limit, offset=offset))

    def audit_choices(self) -> AuditChoices:
        """Distinct tenants, actors, actions and stable keys in the log, each sorted (of the
        tenants the store knows, when it was told them)."""
        c = audit_log.c
        mine = self._tenant_condition(audit_log, None)
        with self._read() as connection:
            def distinct(column: Any) -> tuple[str, ...]:
                """The column's distinct values, sorted."""
                query = select(column).where(mine).distinct().order_by(column)
                return tuple(str(value) for value in connection.execute(query).scalars())
            return AuditChoices(tenants=distinct(c.tenant), actors=distinct(c.actor),
                                actions=distinct(c.action), stable_keys=distinct(c.stable_key))


def identified(store: StoreBase, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """The entries, each with its tenant's identity in ``store`` (call it before opening a
    transaction: resolving may write)."""
    return [entry if entry.tenant_identity else
            entry.model_copy(update={"tenant_identity": store.identity_of(entry.tenant)})
            for entry in entries]


def append_audit_rows(connection: Connection, entries: Sequence[AuditEntry], *,
                      ids: bool = True) -> list[int]:
    """Inserts ``entries`` within the caller's transaction; returns their ids in order.

    ``ids=False`` returns ``[]`` instead: on SQLite, ids in order cost one INSERT per entry,
    without them one statement inserts them all (~10x cheaper for a bulk apply's 50).
    """
    if not entries:
        return []
    rows = [{**entry.model_dump(exclude={"id", "changed_inputs"}),
             "changed_inputs": changed_inputs_to_json(entry.changed_inputs)}
            for entry in entries]
    if not ids:
        connection.execute(insert(audit_log), rows)
        return []
    statement = insert(audit_log).returning(audit_log.c.id, sort_by_parameter_order=True)
    return [int(found) for found in connection.execute(statement, rows).scalars()]


def audit_entries_frame(entries: Sequence[AuditEntry]) -> pd.DataFrame:
    """Audit entries as a DataFrame with ``AUDIT_COLUMNS`` (``at`` as UTC datetimes)."""
    frame = pd.DataFrame(
        [{**entry.model_dump(exclude={"changed_inputs"}),
          "changed_inputs": describe_changed_inputs(entry.changed_inputs)}
         for entry in entries],
        columns=AUDIT_COLUMNS,
    )
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["job_id"] = frame["job_id"].astype("Int64")
    frame["id"] = frame["id"].astype("Int64")
    return frame


def _entry(row: Row[Any]) -> AuditEntry:
    values = dict(row._mapping)
    values["changed_inputs"] = changed_inputs_from_json(values["changed_inputs"])
    return AuditEntry.model_validate(values)

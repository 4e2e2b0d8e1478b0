"""The store's tables, as SQLAlchemy Core metadata shared by SQLite and PostgreSQL.

Times are stored as naive UTC and read back as aware UTC (``UTCDateTime``), so both backends
sort and compare them the same way. ``SCHEMA_VERSION`` is written into ``schema_version`` when a
store is created; raise it (and add a migration step in ``orgconn.store.migrations``) whenever
a table changes.

Every record of a tenant (audit rows, coverage snapshots, rollout targets, bulk jobs) holds the
tenant's alias (``tenant``, the configured name such as "us") and its identity
(``tenant_identity``: the tenant ID with the stack's origin, see `orgconn.runtime`); ``""`` is a
row written before identities existed (version 1) or while the identity could not be resolved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 3
"""The version of the tables below; stored in ``schema_version`` under ``component='orgconn'``.

2: records know their tenant (``tenant_identity``). 3: ``snapshot_connection`` gains
``blocking_gaps`` and ``blocked_instances`` (nullable: an older store's rows have no figure,
never 0). See ``orgconn.store.migrations``.
"""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored as naive UTC; naive datetimes are refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware time -> naive UTC for the database; refuses a naive time."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"the store needs timezone-aware times; got naive {value.isoformat()}")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Naive UTC from the database -> aware UTC time."""
        if value is None:
            return None
        if isinstance(value, str):  # a SQLite aggregate (max/min) loses the column's type
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def identity_column() -> Column[str]:
    """The ``tenant_identity`` column every tenant's record carries (``""``: not yet known)."""
    return Column("tenant_identity", String(500), nullable=False, server_default="")


metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

schema_version = Table(
    "schema_version", metadata,
    Column("component", String(50), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("tenant", String(300), nullable=False),
    identity_column(),
    Column("action", String(64), nullable=False),
    Column("stable_key", String(300), nullable=False),
    Column("customer_external_id", String(300)),
    Column("changed_inputs", JSON, nullable=False),
    Column("outcome", String(300), nullable=False),
    Column("source", String(10), nullable=False),
    Column("detail", Text, nullable=False),
    Column("job_id", Integer),
    Index(None, "tenant", "at"),
    Index(None, "tenant_identity", "at"),
    Index(None, "at"),
    Index(None, "stable_key"),
    Index(None, "actor"),
)

coverage_snapshot = Table(
    "coverage_snapshot", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(300), nullable=False),
    identity_column(),
    Column("taken_at", UTCDateTime, nullable=False),
    # whole minutes since the epoch: the unique key that allows one snapshot a tenant a minute
    Column("minute", Integer, nullable=False),
    UniqueConstraint("tenant_identity", "tenant", "minute"),
    Index(None, "taken_at"),
)

snapshot_connection = Table(
    "snapshot_connection", metadata,
    Column("snapshot_id", Integer, ForeignKey("coverage_snapshot.id", ondelete="CASCADE"),
           primary_key=True),
    Column("stable_key", String(300), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("complete", Integer, nullable=False),
    Column("incomplete", Integer, nullable=False),
    Column("missing", Integer, nullable=False),
    Column("error", Integer, nullable=False),
    # gaps that block instances and the instances they block; NULL: not known when recorded
    Column("blocking_gaps", Integer, nullable=True),
    Column("blocked_instances", Integer, nullable=True),
    Index(None, "stable_key"),
)

snapshot_customer = Table(
    "snapshot_customer", metadata,
    Column("snapshot_id", Integer, ForeignKey("coverage_snapshot.id", ondelete="CASCADE"),
           primary_key=True),
    Column("stable_key", String(300), primary_key=True),
    Column("external_id", String(300), primary_key=True),
    Column("customer_name", String(300)),
    Column("status", String(20), nullable=False),
    Column("labels", JSON, nullable=False),
)

rollout_target = Table(
    "rollout_target", metadata,
    Column("tenant_identity", String(500), primary_key=True, server_default=""),
    Column("tenant", String(300), primary_key=True),
    Column("stable_key", String(300), primary_key=True),
    Column("target_pct", Float, nullable=False),
    Column("target_date", Date, nullable=False),
    Column("set_by", String(300), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)

bulk_job = Table(
    "bulk_job", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("tenant", String(300), nullable=False),
    identity_column(),
    Column("file_name", String(300), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("options", Text, nullable=False),  # BulkOptions.canonical(): compared as text
    Column("status", String(20), nullable=False),
    Column("row_count", Integer, nullable=False),
    Index(None, "tenant", "file_sha256"),
    Index(None, "tenant_identity", "file_sha256"),
)

bulk_row = Table(
    "bulk_row", metadata,
    Column("job_id", Integer, ForeignKey("bulk_job.id", ondelete="CASCADE"), primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("stable_key", String(300), nullable=False),
    Column("customer_external_id", String(300), nullable=False),
    Column("planned_action", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("message", Text, nullable=False),
    Column("changed_inputs", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # no (job_id, outcome) index: on a fresh table PostgreSQL preferred it to the primary key
    # for row-number lookups and scanned every row of the job
)

write_lock = Table(
    # SQLite's write locks (store/locks.py; PostgreSQL uses advisory locks): the key's hash,
    # who holds it, and until when unless renewed
    "write_lock", metadata,
    Column("key", String(16), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

"""The store's tables as version 1 had them (before records knew their tenant's identity), so
that the migration to version 2 can be tested on a store written by the old orgconn."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
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

from orgconn.store import schema
from orgconn.store.schema import UTCDateTime

# a frozen copy of version 1 on purpose: the current schema moves on, this must not
metadata = MetaData(naming_convention=dict(schema.metadata.naming_convention))
schema_version = Table(
    "schema_version", metadata,
    Column("component", String(50), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False))
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False), Column("actor", String(300), nullable=False),
    Column("tenant", String(300), nullable=False), Column("action", String(64), nullable=False),
    Column("stable_key", String(300), nullable=False),
    Column("customer_external_id", String(300)), Column("changed_inputs", JSON, nullable=False),
    Column("outcome", String(300), nullable=False), Column("source", String(10), nullable=False),
    Column("detail", Text, nullable=False), Column("job_id", Integer),
    Index(None, "tenant", "at"), Index(None, "at"), Index(None, "stable_key"),
    Index(None, "actor"))
coverage_snapshot = Table(
    "coverage_snapshot", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(300), nullable=False),
    Column("taken_at", UTCDateTime, nullable=False), Column("minute", Integer, nullable=False),
    UniqueConstraint("tenant", "minute"), Index(None, "taken_at"))
snapshot_connection = Table(
    "snapshot_connection", metadata,
    Column("snapshot_id", Integer, ForeignKey("coverage_snapshot.id", ondelete="CASCADE"),
           primary_key=True),
    Column("stable_key", String(300), primary_key=True),
    Column("name", String(300), nullable=False), Column("complete", Integer, nullable=False),
    Column("incomplete", Integer, nullable=False), Column("missing", Integer, nullable=False),
    Column("error", Integer, nullable=False), Index(None, "stable_key"))
snapshot_customer = Table(
    "snapshot_customer", metadata,
    Column("snapshot_id", Integer, ForeignKey("coverage_snapshot.id", ondelete="CASCADE"),
           primary_key=True),
    Column("stable_key", String(300), primary_key=True),
    Column("external_id", String(300), primary_key=True),
    Column("customer_name", String(300)), Column("status", String(20), nullable=False),
    Column("labels", JSON, nullable=False))
rollout_target = Table(
    "rollout_target", metadata,
    Column("tenant", String(300), primary_key=True),
    Column("stable_key", String(300), primary_key=True),
    Column("target_pct", Float, nullable=False), Column("target_date", Date, nullable=False),
    Column("set_by", String(300), nullable=False), Column("set_at", UTCDateTime, nullable=False))
bulk_job = Table(
    "bulk_job", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("actor", String(300), nullable=False), Column("tenant", String(300), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("file_sha256", String(64), nullable=False), Column("options", Text, nullable=False),
    Column("status", String(20), nullable=False), Column("row_count", Integer, nullable=False),
    Index(None, "tenant", "file_sha256"))
bulk_row = Table(
    "bulk_row", metadata,
    Column("job_id", Integer, ForeignKey("bulk_job.id", ondelete="CASCADE"), primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("stable_key", String(300), nullable=False),
    Column("customer_external_id", String(300), nullable=False),
    Column("planned_action", String(20), nullable=False),
    Column("outcome", String(20), nullable=False), Column("message", Text, nullable=False),
    Column("changed_inputs", JSON, nullable=False), Column("attempts", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False))

"""Bringing an older store up to `schema.SCHEMA_VERSION`, and giving old rows their tenant.

Version 1 -> 2 (records know their tenant): ``tenant_identity`` is added to ``audit_log``,
``bulk_job``, ``coverage_snapshot`` and ``rollout_target`` (``""`` for every existing row); a
snapshot is unique per identity, alias and minute, a rollout target per identity, alias and
connection. Nothing is deleted. PostgreSQL alters the tables in place; SQLite, which cannot
change a table's keys, rebuilds the two keyed tables the documented way (foreign keys off, new
table, copy, drop, rename), so the snapshots' details keep pointing at their snapshot.

Version 2 -> 3 (blocked instances in coverage history): ``snapshot_connection`` gains the
nullable ``blocking_gaps`` and ``blocked_instances``; the rows already there keep NULL (no
figure, never 0). A version 1 store takes both steps in order.

Old rows (identity ``""``) are *adopted* by `adopt`: the first time a store that knows its
tenants (`Store.identify_tenants`) resolves the identity of alias A, every row of alias A
without an identity takes that identity. So the rows written before the upgrade belong to the
stack that the configuration calls A when the upgraded orgconn first opens the store with it.
Where adopting a row would make a second target of the same connection, or a second snapshot in
the same minute, the row already carrying the identity wins and the old one is left as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update
from sqlalchemy.schema import CreateIndex, CreateTable, Table

from orgconn.store import schema

IDENTITY_DDL = "tenant_identity VARCHAR(500) DEFAULT '' NOT NULL"
ADDED_INDEXES = ("ix_audit_log_tenant_identity_at", "ix_bulk_job_tenant_identity_file_sha256")
REBUILT = (schema.coverage_snapshot, schema.rollout_target)


def _new_indexes(dialect: Any) -> list[str]:
    found = [index for table in (schema.audit_log, schema.bulk_job) for index in table.indexes
             if index.name in ADDED_INDEXES]
    return [str(CreateIndex(index).compile(dialect=dialect)) for index in found]


BLOCKING_STEPS = tuple(f"ALTER TABLE snapshot_connection ADD COLUMN {column} INTEGER"
                       for column in ("blocking_gaps", "blocked_instances"))
"""Version 2 -> 3, the same on both backends (SQLite adds a nullable column in place)."""


def migrate_postgresql(connection: Connection, found: int) -> None:
    """From version ``found`` to the current one on PostgreSQL, in the caller's transaction."""
    if found <= 1:
        _identities_postgresql(connection)
    for statement in BLOCKING_STEPS:
        connection.exec_driver_sql(statement)


def _identities_postgresql(connection: Connection) -> None:
    """Version 1 -> 2 on PostgreSQL."""
    for table in ("audit_log", "bulk_job", "coverage_snapshot", "rollout_target"):
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {IDENTITY_DDL}")
    for statement in (
        "ALTER TABLE coverage_snapshot DROP CONSTRAINT uq_coverage_snapshot_tenant_minute",
        "ALTER TABLE coverage_snapshot ADD CONSTRAINT "
        "uq_coverage_snapshot_tenant_identity_tenant_minute "
        "UNIQUE (tenant_identity, tenant, minute)",
        "ALTER TABLE rollout_target DROP CONSTRAINT pk_rollout_target",
        "ALTER TABLE rollout_target ADD CONSTRAINT pk_rollout_target "
        "PRIMARY KEY (tenant_identity, tenant, stable_key)",
        *_new_indexes(connection.dialect),
    ):
        connection.exec_driver_sql(statement)


def migrate_sqlite(engine: Engine, version_of: Any) -> None:
    """From an older version to the current one on SQLite, in one ``BEGIN IMMEDIATE``
    transaction with foreign keys off (which SQLite allows only outside a transaction: hence
    the driver's own connection).

    ``version_of(cursor)`` reads the stored version again once the write lock is held, so that
    of two processes upgrading at once only the first migrates.
    """
    raw = engine.raw_connection()
    cursor = raw.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("BEGIN IMMEDIATE")
        try:
            version = version_of(cursor)
            if version < schema.SCHEMA_VERSION:
                steps = _sqlite_steps(engine.dialect) if version <= 1 else []
                for statement in (*steps, *BLOCKING_STEPS):
                    cursor.execute(statement)
                cursor.execute("UPDATE schema_version SET version = ? WHERE component = ?",
                               (schema.SCHEMA_VERSION, "orgconn"))
                if cursor.execute("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError("the upgraded store would break a foreign key")
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    finally:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        raw.close()


def _sqlite_steps(dialect: Any) -> list[str]:
    steps = [f"ALTER TABLE {table} ADD COLUMN {IDENTITY_DDL}"
             for table in ("audit_log", "bulk_job")]
    steps += _new_indexes(dialect)
    for table in REBUILT:
        steps += _rebuild(table, dialect)
    return steps


def _rebuild(table: Table, dialect: Any) -> list[str]:
    new = f"{table.name}_new"
    create = str(CreateTable(table).compile(dialect=dialect)).strip()
    create = create.replace(f"CREATE TABLE {table.name} ", f"CREATE TABLE {new} ", 1)
    old_columns = [c.name for c in table.columns if c.name != "tenant_identity"]
    listed = ", ".join(old_columns)
    # names from the schema above, no outside input
    copy = f"INSERT INTO {new} ({listed}, tenant_identity) SELECT {listed}, '' FROM {table.name}"  # noqa: S608
    return [create, copy,
            f"DROP TABLE {table.name}",
            f"ALTER TABLE {new} RENAME TO {table.name}",
            *(str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes)]


def adopt(connection: Connection, alias: str, identity: str) -> None:
    """Give the rows of ``alias`` that have no identity yet ``identity`` (see the module)."""
    unknown = {"tenant": alias, "tenant_identity": ""}
    for table in (schema.audit_log, schema.bulk_job):
        connection.execute(update(table).where(*_matches(table, unknown))
                           .values(tenant_identity=identity))
    known = {"tenant": alias, "tenant_identity": identity}
    snapshots = schema.coverage_snapshot
    taken = select(snapshots.c.minute).where(*_matches(snapshots, known)).scalar_subquery()
    connection.execute(update(snapshots).where(*_matches(snapshots, unknown),
                                               snapshots.c.minute.not_in(taken))
                       .values(tenant_identity=identity))
    targets = schema.rollout_target
    has = select(targets.c.stable_key).where(*_matches(targets, known)).scalar_subquery()
    connection.execute(update(targets).where(*_matches(targets, unknown),
                                             targets.c.stable_key.not_in(has))
                       .values(tenant_identity=identity))


def _matches(table: Table, values: dict[str, str]) -> list[Any]:
    return [and_(*(table.c[name] == value for name, value in values.items()))]


__all__ = ["adopt", "migrate_postgresql", "migrate_sqlite"]

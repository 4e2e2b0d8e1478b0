"""One SQLite file per tenant, read and written through small functions that take a connection.

Modelled on datasette's ``Database``: `TenantDatabase.read` runs a function with the
connection, `TenantDatabase.write` runs it inside one ``BEGIN IMMEDIATE`` transaction under a
lock, so every write goes through one serialized path and a failed write leaves nothing behind.
Inside `TenantDatabase.request` (one HTTP request's mutations) each write is a savepoint of the
request's transaction instead: still all or nothing on its own, but the request commits once
(a commit costs ~0.4 ms of WAL writes, more than the write itself).
``heap_pos`` (the rowid of customers, connections and values) mimics PostgreSQL's physical
order: an updated row moves to the end, which is what unsorted pages follow (see `queries`).
Covering indexes keep a page of 100 values among tens of thousands to a few milliseconds, and
``instances_created`` a page of a connection's instances in creation order (no sort per page).
An instance belongs to a customer and an integration, and uses the connections its integration
uses (``integration_connections``; the view ``connection_instances`` joins them): it exists
whether or not the customer has values, and deleting values never deletes it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from orgconn.sandbox.checkpoint import FALLBACK_PAGES, WAL_LIMIT_BYTES, Checkpointer

T = TypeVar("T")

SCHEMA_VERSION = "6"  # 3: #13's tables alone, 4: instances/integrations alone, 5: both,
# 6: input_fields.language (a CODE input's editor language)
"""Bumped when the tables change; a file of another version is seeded anew (with a note)."""

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
  id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  external_id TEXT UNIQUE, labels TEXT NOT NULL DEFAULT '[]', is_system INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, heap_pos INTEGER PRIMARY KEY);
CREATE INDEX IF NOT EXISTS customers_created ON customers (created_at, id);
CREATE TABLE IF NOT EXISTS components (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, label TEXT NOT NULL, description TEXT NOT NULL,
  public INTEGER NOT NULL, category TEXT NOT NULL, version_number INTEGER NOT NULL,
  version_created_at TEXT NOT NULL, heap_pos INTEGER NOT NULL,
  version_is_latest INTEGER NOT NULL DEFAULT 1, customer_id TEXT);
CREATE TABLE IF NOT EXISTS connections (
  id TEXT PRIMARY KEY, component_id TEXT NOT NULL REFERENCES components(id), key TEXT NOT NULL,
  label TEXT NOT NULL, comments TEXT, oauth2_type TEXT, position INTEGER NOT NULL,
  UNIQUE (component_id, key));
CREATE TABLE IF NOT EXISTS input_fields (
  id TEXT PRIMARY KEY, connection_id TEXT NOT NULL REFERENCES connections(id), key TEXT NOT NULL,
  label TEXT NOT NULL, type TEXT NOT NULL, required INTEGER NOT NULL, shown INTEGER NOT NULL,
  default_value TEXT, comments TEXT, placeholder TEXT, example TEXT, position INTEGER NOT NULL,
  language TEXT, UNIQUE (connection_id, key));
CREATE TABLE IF NOT EXISTS scoped_config_variables (
  id TEXT NOT NULL UNIQUE, key TEXT NOT NULL UNIQUE, stable_key TEXT NOT NULL UNIQUE,
  description TEXT, variable_scope TEXT NOT NULL, managed_by TEXT NOT NULL, status TEXT,
  connection_id TEXT REFERENCES connections(id), meta TEXT, last_configured_at TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, heap_pos INTEGER PRIMARY KEY,
  customer_id TEXT REFERENCES customers(id), default_for_component INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS scv_inputs (
  id TEXT PRIMARY KEY,
  scv_id TEXT NOT NULL REFERENCES scoped_config_variables(id) ON DELETE CASCADE,
  name TEXT NOT NULL, input_scope TEXT NOT NULL, value TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL, meta TEXT, UNIQUE (scv_id, name));
CREATE TABLE IF NOT EXISTS customer_config_variables (
  id TEXT NOT NULL UNIQUE,
  scv_id TEXT NOT NULL REFERENCES scoped_config_variables(id) ON DELETE CASCADE,
  customer_id TEXT REFERENCES customers(id), is_test INTEGER NOT NULL, status TEXT,
  meta TEXT, last_configured_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  heap_pos INTEGER PRIMARY KEY);
CREATE UNIQUE INDEX IF NOT EXISTS ccv_one_per_customer
  ON customer_config_variables (customer_id, scv_id) WHERE customer_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ccv_one_test ON customer_config_variables (scv_id) WHERE is_test;
CREATE INDEX IF NOT EXISTS ccv_scope ON customer_config_variables (scv_id, is_test, status);
CREATE INDEX IF NOT EXISTS ccv_created
  ON customer_config_variables (created_at, id, scv_id, is_test, customer_id);
CREATE INDEX IF NOT EXISTS ccv_configured
  ON customer_config_variables (last_configured_at, id, scv_id, is_test, customer_id);
CREATE TABLE IF NOT EXISTS ccv_inputs (
  id TEXT PRIMARY KEY,
  ccv_id TEXT NOT NULL REFERENCES customer_config_variables(id) ON DELETE CASCADE,
  name TEXT NOT NULL, value TEXT NOT NULL, position INTEGER NOT NULL, UNIQUE (ccv_id, name));
CREATE TABLE IF NOT EXISTS integrations (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
  category TEXT, version_number INTEGER NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS integration_connections (
  scv_id TEXT NOT NULL REFERENCES scoped_config_variables(id) ON DELETE CASCADE,
  integration_id TEXT NOT NULL REFERENCES integrations(id),
  PRIMARY KEY (scv_id, integration_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS instances (
  id TEXT NOT NULL UNIQUE, customer_id TEXT NOT NULL REFERENCES customers(id),
  integration_id TEXT NOT NULL REFERENCES integrations(id), name TEXT NOT NULL,
  enabled INTEGER NOT NULL, in_failed_state INTEGER NOT NULL, needs_deploy INTEGER NOT NULL,
  deployed_at TEXT, redeploy_count INTEGER NOT NULL DEFAULT 0, last_redeployed_at TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, heap_pos INTEGER PRIMARY KEY);
CREATE INDEX IF NOT EXISTS instances_integration
  ON instances (integration_id, heap_pos, customer_id, enabled, in_failed_state);
CREATE INDEX IF NOT EXISTS instances_customer ON instances (customer_id, integration_id);
CREATE INDEX IF NOT EXISTS instances_created ON instances (created_at, id, integration_id);
CREATE VIEW IF NOT EXISTS connection_instances AS
  SELECT i.*, ic.scv_id FROM instances i
  JOIN integration_connections ic ON ic.integration_id = i.integration_id;
"""


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to the tenant file ``path`` (WAL, foreign keys on, Row rows).

    Sized for bulk writes: a 64 MB page cache holds a tenant of thousands of customers (the
    default 2 MB re-reads index pages on every insert of random UUIDs), savepoint and statement
    journals stay in memory, and the WAL is checkpointed by a `Checkpointer` thread, not by the
    commit that fills it (the writer's own checkpoint is only a fallback). A commit is as
    durable as before: WAL with synchronous=NORMAL.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
    conn.executescript(DDL)
    return conn


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    """Every ``meta`` row (seed parameters, tenant name, schema version) as a dict."""
    return {row["key"]: row["value"] for row in conn.execute("SELECT key, value FROM meta")}


def next_heap_pos(conn: sqlite3.Connection, table: str) -> int:
    """The ``heap_pos`` a row written now takes in ``table``: after every other row."""
    (pos,) = conn.execute(f"SELECT COALESCE(MAX(heap_pos), 0) + 1 FROM {table}").fetchone()  # noqa: S608
    return int(pos)


class TenantDatabase:
    """A tenant's SQLite file: reads share one connection, writes go through one locked path."""

    def __init__(self, tenant: str, path: Path) -> None:
        self.tenant = tenant
        self.path = path
        self._conn = connect(path)
        self._lock = threading.RLock()
        self._in_request = False
        self._checkpointer = Checkpointer(path)

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` for reading and return what it returns."""
        with self._lock:
            return fn(self._conn)

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` in one transaction: committed when it returns, rolled back if
        it raises (the exception propagates). Inside `request`: a savepoint, released when it
        returns, rolled back if it raises; the request's commit makes it durable."""
        with self._lock:
            nested = self._in_request
            self._conn.execute("SAVEPOINT write" if nested else "BEGIN IMMEDIATE")
            try:
                result = fn(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK TO write" if nested else "ROLLBACK")
                if nested:
                    self._conn.execute("RELEASE write")
                raise
            self._conn.execute("RELEASE write" if nested else "COMMIT")
            return result

    @contextmanager
    def request(self) -> Iterator[None]:
        """Hold one transaction (and the lock) for the writes of one request; commit once.

        Each `write` inside is a savepoint: all or nothing on its own, as without `request`.
        Committed when the block ends, even if it raises: the writes that returned stay
        written, as they would have with a commit each. Nothing else may use the connection
        meanwhile (the lock is held), so no reader sees a half-done request.
        """
        with self._lock:
            if self._in_request:  # nested: the outer request commits
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._in_request = True
            try:
                yield
            finally:
                self._in_request = False
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error:
                    self._conn.execute("ROLLBACK")  # never leave the connection mid-transaction
                    raise

    def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback(sql)`` for every statement run from now on (None stops)."""
        with self._lock:
            self._conn.set_trace_callback(callback)

    def close(self) -> None:
        """Close the connections; the file stays for the next start."""
        self._checkpointer.close()
        with self._lock:
            self._conn.close()

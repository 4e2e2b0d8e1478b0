"""Which database the store uses, and the SQLAlchemy engine that reaches it.

The URL comes from the caller (the configuration's ``database_url``, which
``ORGCONN_DATABASE_URL`` overrides: see `orgconn.config`), else the SQLite file
``~/.orgconn/orgconn.db``. Accepted: ``sqlite:///PATH`` and ``postgresql://`` (psycopg 3).
Passwords never leave this module: every message and repr uses ``redacted(url)``.

SQLite is made safe for several threads and processes: WAL journal, a 30 s busy timeout, and
write transactions that start with ``BEGIN IMMEDIATE`` (so two writers queue instead of one
failing midway). Python's sqlite3 driver is told not to manage transactions; SQLAlchemy does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from orgconn.store.errors import StoreURLError

ENV_VAR = "ORGCONN_DATABASE_URL"
ACCEPTED_FORMS = "sqlite:///PATH/TO/FILE.db or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
SQLITE_BUSY_TIMEOUT_S = 30
WRITE_BEGIN_OPTION = "orgconn_sqlite_begin"


def default_sqlite_path() -> Path:
    """``~/.orgconn/orgconn.db``, the store used when no URL is configured."""
    return Path.home() / ".orgconn" / "orgconn.db"


def redacted(url: URL) -> str:
    """The URL as text with its password replaced by ``***``: the only form that is shown."""
    return url.render_as_string(hide_password=True)


def resolve_url(url: str | None) -> URL:
    """The store's URL: ``url``, else the default SQLite file.

    An empty ``url`` counts as not given.
    Raises ``StoreURLError`` naming ``ORGCONN_DATABASE_URL`` and the accepted forms when the URL
    is malformed or of another kind; the message never contains the password.
    """
    raw = (url or "").strip() or None
    if raw is None:
        path = default_sqlite_path()
        return URL.create("sqlite", database=str(path))
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise StoreURLError(
            f"the store's database URL (database_url or {ENV_VAR}) could not be read; "
            f"use {ACCEPTED_FORMS}"
        ) from None
    if parsed.drivername in ("postgresql", "postgresql+psycopg"):
        if not parsed.database:
            raise StoreURLError(f"{redacted(parsed)} names no database; use {ACCEPTED_FORMS}")
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        if not parsed.database or parsed.database == ":memory:":
            raise StoreURLError(
                f"{redacted(parsed)} is an in-memory SQLite database, which each connection "
                f"sees empty; give a file path: {ACCEPTED_FORMS}"
            )
        return parsed.set(drivername="sqlite")
    raise StoreURLError(
        f"{ENV_VAR} (or the configured database_url) is {redacted(parsed)}, which the store "
        f"does not support; use {ACCEPTED_FORMS}"
    )


def create_store_engine(url: URL) -> Engine:
    """A pooled engine for ``url`` (from ``resolve_url``); SQLite's folder is created if needed.

    Safe to share between threads: each store call takes its own pooled connection.
    """
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(
        url, pool_size=5, max_overflow=10, pool_pre_ping=True, pool_recycle=1800,
        connect_args={"connect_timeout": 10, "application_name": "orgconn"},
    )


def _sqlite_engine(url: URL) -> Engine:
    assert url.database is not None
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url.set(database=str(Path(url.database).expanduser())),
        pool_size=5, max_overflow=10,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(
            connection.get_execution_options().get(WRITE_BEGIN_OPTION, "BEGIN")
        )

    return engine


def writer_engine(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions take SQLite's write lock up front."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{WRITE_BEGIN_OPTION: "BEGIN IMMEDIATE"})


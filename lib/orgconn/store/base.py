"""The part of ``Store`` every table group shares: the engine, short transactions, lifecycle.

Reads use ``_read()`` (a pooled connection, rolled back on exit); writes use ``_write()`` (one
short transaction, committed on exit, on SQLite begun with ``BEGIN IMMEDIATE``). Every public
method opens its own, so a ``Store`` may be shared by threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import URL, Connection, CursorResult, Engine, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from orgconn.store import schema
from orgconn.store.connection import create_store_engine, redacted, writer_engine
from orgconn.store.errors import StoreError, StoreUnavailableError


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the row a single-row INSERT created."""
    key = result.inserted_primary_key
    assert key is not None, "not a single-row INSERT"
    return int(key[0])


class StoreBase:
    """Holds the engine; subclasses add one group of tables each."""

    def __init__(self, url: URL) -> None:
        self._url = url
        self._engine: Engine = create_store_engine(url)
        self._writer: Engine = writer_engine(self._engine)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def display_url(self) -> str:
        """The database URL with its password hidden, for messages and logs."""
        return redacted(self._url)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def close(self) -> None:
        """Closes every pooled connection; the store must not be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer.begin() as connection:
            yield connection

    def _create_tables(self) -> None:
        """Creates missing tables and records the schema version; refuses a newer schema."""
        for attempt in range(3):
            try:
                with self._write() as connection:
                    schema.metadata.create_all(connection)
                    _add_new_columns(connection)
                    self._check_version(connection)
                return
            except (IntegrityError, ProgrammingError):
                # two processes creating a fresh PostgreSQL store at once: the loser retries
                if attempt == 2:
                    raise
            except OperationalError as error:
                raise StoreUnavailableError(
                    f"could not open the orgconn store at {self.display_url}: {_reason(error)}"
                ) from None

    def _check_version(self, connection: Connection) -> None:
        table = schema.schema_version
        found = connection.execute(
            select(table.c.version).where(table.c.component == "orgconn")
        ).scalar_one_or_none()
        if found is None:
            connection.execute(insert(table).values(
                component="orgconn", version=schema.SCHEMA_VERSION, updated_at=utc_now()))
        elif found > schema.SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.display_url} has schema version {found}, newer than this "
                f"orgconn ({schema.SCHEMA_VERSION}); upgrade orgconn"
            )
        elif found < schema.SCHEMA_VERSION:
            connection.execute(update(table).where(table.c.component == "orgconn").values(
                version=schema.SCHEMA_VERSION, updated_at=utc_now()))


def _add_new_columns(connection: Connection) -> None:
    """Adds the nullable columns a table of an older store lacks (its rows get NULL there)."""
    existing = inspect(connection)
    for table in schema.metadata.sorted_tables:
        have = {c["name"] for c in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and column.nullable:
                kind = column.type.compile(dialect=connection.dialect)
                connection.execute(text(
                    f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _reason(error: DBAPIError) -> str:
    """The driver's own first line (no SQL, no parameters)."""
    return str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__

"""The part of ``Store`` every table group shares: the engine, short transactions, lifecycle.

Reads use ``_read()`` (a pooled connection, rolled back on exit); writes use ``_write()`` (one
short transaction, committed on exit, on SQLite begun with ``BEGIN IMMEDIATE``). Every public
method opens its own, so a ``Store`` may be shared by threads.

Tenants: every method takes a tenant's alias ("us"). A store told its tenants
(`identify_tenants`, which `orgconn.runtime` does) writes each record with the alias's identity
and reads only records of that alias *and* identity; reads of "every tenant" cover the tenants
it was told, each by its identity. So two stacks that both call a tenant "us" never see each
other's records in one database. A store not told (tests, scripts) writes identity ``""`` and
reads by alias alone, as before identities existed; an alias whose identity cannot be resolved
(its stack unreachable) is treated the same way until it can (`orgconn.store.migrations.adopt`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    URL,
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    false,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from orgconn.store import migrations, schema
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
        self._aliases: tuple[str, ...] | None = None  # None: not told its tenants
        self._resolve: Callable[[str], str | None] = lambda alias: None
        self._identities: dict[str, str] = {}
        self._identities_lock = threading.Lock()

    def identify_tenants(self, aliases: Iterable[str],
                         resolve: Callable[[str], str | None]) -> None:
        """Tell the store its tenants: their aliases, and how to resolve an alias's identity.

        ``resolve`` is called at most once per alias that answers (None: not resolvable now,
        asked again next time); on the first answer, that alias's rows without an identity
        adopt it (see `orgconn.store.migrations`).
        """
        with self._identities_lock:
            self._aliases = tuple(aliases)
            self._resolve = resolve
            self._identities = {}

    def identity_of(self, alias: str) -> str:
        """The identity records of ``alias`` carry (``""`` when not told, not one of the
        tenants told, or not resolvable now)."""
        with self._identities_lock:
            known = self._identities.get(alias)
            if known is not None or self._aliases is None or alias not in self._aliases:
                return known or ""
            resolve = self._resolve
        identity = resolve(alias) or ""
        if identity:
            with self._write() as connection:
                migrations.adopt(connection, alias, identity)
            with self._identities_lock:
                self._identities[alias] = identity
        return identity

    def _tenant_condition(self, table: Any, alias: str | None) -> ColumnElement[bool]:
        """Rows of ``alias`` and its identity; None: rows of every tenant the store was told."""
        if alias is not None:
            if self._aliases is None:
                return table.c.tenant == alias  # type: ignore[no-any-return]
            return (table.c.tenant == alias) & (  # type: ignore[no-any-return]
                table.c.tenant_identity == self.identity_of(alias))
        if self._aliases is None:
            return true()
        found = [self._tenant_condition(table, each) for each in self._aliases]
        return or_(*found) if found else false()

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
                    found = self._check_version(connection)
                    if found < schema.SCHEMA_VERSION and self.backend == "postgresql":
                        migrations.migrate_postgresql(connection, found)
                        self._set_version(connection)
                if found < schema.SCHEMA_VERSION and self.backend == "sqlite":
                    migrations.migrate_sqlite(self._engine, _sqlite_version)
                return
            except (IntegrityError, ProgrammingError):
                # two processes creating a fresh PostgreSQL store at once: the loser retries
                if attempt == 2:
                    raise
            except OperationalError as error:
                raise StoreUnavailableError(
                    f"could not open the orgconn store at {self.display_url}: {_reason(error)}"
                ) from None

    def _check_version(self, connection: Connection) -> int:
        """The stored version (writing the current one into a new store); refuses a newer one."""
        table = schema.schema_version
        found = connection.execute(
            select(table.c.version).where(table.c.component == "orgconn")
        ).scalar_one_or_none()
        if found is None:
            connection.execute(insert(table).values(
                component="orgconn", version=schema.SCHEMA_VERSION, updated_at=utc_now()))
            return schema.SCHEMA_VERSION
        if found > schema.SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.display_url} has schema version {found}, newer than this "
                f"orgconn ({schema.SCHEMA_VERSION}); upgrade orgconn"
            )
        return int(found)

    def _set_version(self, connection: Connection) -> None:
        table = schema.schema_version
        connection.execute(table.update().where(table.c.component == "orgconn").values(
            version=schema.SCHEMA_VERSION, updated_at=utc_now()))


def _sqlite_version(cursor: Any) -> int:
    row = cursor.execute(
        "SELECT version FROM schema_version WHERE component = 'orgconn'").fetchone()
    return int(row[0])


def _reason(error: DBAPIError) -> str:
    """The driver's own first line (no SQL, no parameters)."""
    return str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__

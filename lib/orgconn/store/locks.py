"""Write locks shared by every orgconn that uses one store: per customer's values, per bulk job.

A lock is named by a text key (`values_key`, `job_key`): one customer's values of one
connection in one tenant, or one bulk job (tenant, file, options). The tenant part is its
identity when the caller has one, else its configured name. Holding a lock excludes every other
holder of the same key — in this process (another thread, another dashboard session) or in any
other process using the same store — until it is released:

- **PostgreSQL**: transaction-level advisory locks (``pg_advisory_xact_lock``) on a 64-bit hash
  of each key, taken in one open transaction on a connection of their own. The database drops
  them when the transaction ends, also when the process dies. Waiting is bounded by
  ``lock_timeout``.
- **SQLite**: one row per key in ``write_lock``, inserted in one ``BEGIN IMMEDIATE``
  transaction (all keys or none, so two holders of overlapping sets cannot deadlock) with an
  expiry that a background thread renews while the lock is held. A process that dies leaves
  its rows, which expire after `LEASE_SECONDS`; waiting polls every `POLL_SECONDS`.

`Store.hold` waits up to ``wait_seconds`` and raises `LockTimeoutError`; `Store.try_hold`
returns None at once when another holds a key. Both return `HeldLocks`: release it (or use it
as a context manager) when the write is done.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.exc import OperationalError

from orgconn.store import schema
from orgconn.store.base import StoreBase, utc_now
from orgconn.store.errors import StoreError

log = logging.getLogger("orgconn.store")
LOCK_WAIT_SECONDS = 30.0
LEASE_SECONDS = 30.0
POLL_SECONDS = 0.02
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ran out


class LockTimeoutError(StoreError):
    """Another orgconn held a write lock longer than the caller was willing to wait."""


def values_key(tenant: str, stable_key: str, customer_external_id: str | None) -> str:
    """The lock key of one customer's values (None: the test credentials) of one connection."""
    return f"values\0{tenant}\0{stable_key}\0{customer_external_id or ''}"


def job_key(tenant: str, file_sha256: str, options: str) -> str:
    """The lock key of one bulk job: its tenant, file content and canonical options."""
    return f"job\0{tenant}\0{file_sha256}\0{options}"


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8, person=b"orgconn-lock").digest()


def advisory_id(key: str) -> int:
    """The signed 64-bit number PostgreSQL's advisory lock functions take for ``key``."""
    return int.from_bytes(_digest(key), "big", signed=True)


class HeldLocks:
    """Locks held until `release` (idempotent); a context manager releasing on exit."""

    def __init__(self, store: WriteLocks, keys: tuple[str, ...],
                 connection: Connection | None = None, holder: str = "") -> None:
        self._store, self.keys, self._connection, self._holder = store, keys, connection, holder
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        if connection is None and keys:
            self._renewer = threading.Thread(target=self._renew, daemon=True,
                                             name="orgconn-lock-lease")
            self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(LEASE_SECONDS / 3):
            try:
                self._store._extend_rows(self.keys, self._holder)
            except Exception:  # the next renewal tries again; the expiry is the bound
                log.warning("could not renew a write lock's lease", exc_info=True)

    def release(self) -> None:
        """Let the next holder in; safe to call twice."""
        self._stop.set()
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.rollback()
            finally:
                connection.close()
        elif self._holder:
            holder, self._holder = self._holder, ""
            self._store._delete_rows(self.keys, holder)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class WriteLocks(StoreBase):
    """Write locks across every orgconn sharing the store (see the module)."""

    def lock_tenant(self, alias: str) -> str:
        """The tenant part of a lock key: the tenant's identity when known (`identity_of`:
        two aliases of one tenant share its locks), else ``alias``."""
        return self.identity_of(alias) or alias

    def lock_values(self, tenant: str, values: Iterable[tuple[str, str | None]], *,
                    wait_seconds: float = LOCK_WAIT_SECONDS) -> HeldLocks:
        """Hold the values of each (connection's stable key, customer's external ID; None:
        the test credentials) of ``values`` in tenant ``tenant`` (its alias); see `hold`."""
        who = self.lock_tenant(tenant)
        return self.hold([values_key(who, stable_key, customer) for stable_key, customer
                          in values], wait_seconds=wait_seconds)

    def try_lock_job(self, tenant: str, file_sha256: str, options: str) -> HeldLocks | None:
        """Hold the bulk job of ``tenant`` (its alias), file and canonical options, or None
        at once when another apply holds it (`try_hold`)."""
        return self.try_hold([job_key(self.lock_tenant(tenant), file_sha256, options)])

    def hold(self, keys: Iterable[str], *, wait_seconds: float = LOCK_WAIT_SECONDS
             ) -> HeldLocks:
        """Take every lock of ``keys`` (all or none), waiting while another holds one.

        Raises `LockTimeoutError` after ``wait_seconds``; blocks the calling thread (in an
        event loop, run it with ``asyncio.to_thread``).
        """
        held = self._take(tuple(sorted(set(keys))), wait_seconds)
        assert held is not None
        return held

    def try_hold(self, keys: Iterable[str]) -> HeldLocks | None:
        """Take every lock of ``keys`` now, or None (holding nothing) when another holds one."""
        return self._take(tuple(sorted(set(keys))), None)

    def _take(self, keys: tuple[str, ...], wait: float | None) -> HeldLocks | None:
        if not keys:
            return HeldLocks(self, keys)
        if self.backend == "postgresql":
            return self._take_advisory(keys, wait)
        holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        deadline = time.monotonic() + (wait or 0.0)
        while not self._insert_rows(keys, holder):
            if wait is None:
                return None
            if time.monotonic() >= deadline:
                raise LockTimeoutError(_timeout_message(keys, wait))
            time.sleep(POLL_SECONDS * (0.5 + random.random()))
        return HeldLocks(self, keys, holder=holder)

    def _take_advisory(self, keys: tuple[str, ...], wait: float | None) -> HeldLocks | None:
        numbers = sorted({advisory_id(k) for k in keys})  # one order for everyone: no deadlock
        connection = self._engine.connect()
        try:
            if wait is None:
                taken = connection.execute(text(
                    "SELECT bool_and(pg_try_advisory_xact_lock(k)) "
                    "FROM unnest(CAST(:keys AS bigint[])) AS k"), {"keys": numbers}).scalar()
                if not taken:
                    connection.rollback()
                    connection.close()
                    return None
            else:
                connection.execute(text(f"SET LOCAL lock_timeout = {max(1, int(wait * 1000))}"))
                connection.execute(text("SELECT count(pg_advisory_xact_lock(k)) "
                                        "FROM unnest(CAST(:keys AS bigint[])) AS k"),
                                   {"keys": numbers})
        except OperationalError as error:
            connection.close()
            if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE and wait is not None:
                raise LockTimeoutError(_timeout_message(keys, wait)) from None
            raise
        except BaseException:
            connection.close()
            raise
        return HeldLocks(self, keys, connection=connection)

    def _insert_rows(self, keys: tuple[str, ...], holder: str) -> bool:
        table, now = schema.write_lock, utc_now()
        digests = [_digest(k).hex() for k in keys]
        with self._write() as connection:
            connection.execute(delete(table).where(table.c.key.in_(digests),
                                                   table.c.expires_at < now))
            if connection.execute(select(func.count()).select_from(table)
                                  .where(table.c.key.in_(digests))).scalar_one():
                return False
            until = now + timedelta(seconds=LEASE_SECONDS)
            connection.execute(insert(table), [{"key": d, "holder": holder, "expires_at": until}
                                               for d in digests])
        return True

    def _extend_rows(self, keys: tuple[str, ...], holder: str) -> None:
        table = schema.write_lock
        with self._write() as connection:
            connection.execute(update(table).where(
                table.c.key.in_([_digest(k).hex() for k in keys]), table.c.holder == holder
            ).values(expires_at=utc_now() + timedelta(seconds=LEASE_SECONDS)))

    def _delete_rows(self, keys: tuple[str, ...], holder: str) -> None:
        table = schema.write_lock
        with self._write() as connection:
            connection.execute(delete(table).where(
                table.c.key.in_([_digest(k).hex() for k in keys]), table.c.holder == holder))


def _timeout_message(keys: tuple[str, ...], wait: float) -> str:
    what = "these values" if len(keys) == 1 else f"{len(keys)} customers' values"
    return (f"another orgconn has been writing {what} for over {wait:.0f} s; nothing was sent: "
            "try again when it has finished")

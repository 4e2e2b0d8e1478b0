"""Open (and seed when new or reset) the SQLite file of every tenant under the data folder."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from functools import partial
from pathlib import Path

from orgconn.sandbox.db import SCHEMA_VERSION, TenantDatabase, read_meta
from orgconn.sandbox.seed import anchor_for
from orgconn.sandbox.seed_writer import seed_tenant
from orgconn.sandbox.settings import SandboxSettings


def tenant_path(data_dir: Path, tenant: str) -> Path:
    """Where the SQLite file of ``tenant`` lives."""
    return data_dir / f"{tenant}.sqlite3"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _schema_version(path: Path) -> str | None:
    """The tables version a tenant file was seeded with (None: not seeded, or unreadable)."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def open_tenants(settings: SandboxSettings, data_dir: Path) -> tuple[dict[str, TenantDatabase],
                                                                      list[str]]:
    """Every tenant's database, seeded if new (or if ``settings.reset``), plus notes for the user.

    An existing file is kept as it is, every change included; a note says so when it was seeded
    with other parameters than ``settings`` (``--reset`` reseeds).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    databases: dict[str, TenantDatabase] = {}
    notes: list[str] = []
    for position, tenant in enumerate(settings.tenants):
        path = tenant_path(data_dir, tenant)
        if settings.reset:
            _remove(path)
        elif path.exists() and (version := _schema_version(path)) not in (None, SCHEMA_VERSION):
            _remove(path)
            notes.append(f"{tenant}: the data in {path} was written by another version of the "
                         f"sandbox (tables version {version}, this one reads {SCHEMA_VERSION}); "
                         "seeded anew")
        db = TenantDatabase(tenant, path)
        meta = db.read(read_meta)
        if not meta.get("tenant"):
            db.write(partial(seed_tenant, tenant=tenant, primary=position == 0,
                             seed=settings.seed, customers=settings.customers,
                             anchor=anchor_for(settings.seed_date)))
        elif (meta.get("seed"), meta.get("customers")) != (str(settings.seed),
                                                           str(settings.customers)):
            notes.append(
                f"{tenant}: keeping the data in {path} (seeded with --seed {meta.get('seed')} "
                f"--customers {meta.get('customers')}); pass --reset to reseed"
            )
        databases[tenant] = db
    return databases, notes

"""Store fixtures: every store test runs against SQLite and against a throwaway PostgreSQL.

``postgres_server`` (session-scoped, started on first use) runs Debian's PostgreSQL from
``/usr/lib/postgresql/*/bin``: ``initdb`` into a temporary folder under /tmp, ``pg_ctl start``
on a free loopback port with its socket in that folder, and removal at the end. As root it runs
the binaries as the ``postgres`` user through ``runuser``. It skips, saying why, only when the
binaries, ``runuser`` or the ``postgres`` user are missing; any other failure fails the tests.

``store_url`` gives each test a fresh, empty store database: a temp SQLite file, or a new
PostgreSQL schema (a new database costs a checkpoint, ~0.25 s); ``store`` opens it and closes
it afterwards.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import psycopg
import pytest

from orgconn.store import Store, open_store

SHARED_DATABASE = "orgconn_tests"


@dataclass
class PostgresServer:
    """A running throwaway cluster reachable as ``postgres`` (trust auth) on 127.0.0.1."""

    port: int
    _names: Iterator[int] = field(default_factory=itertools.count)
    _shared_created: bool = False

    def url(self, database: str, password: str | None = None) -> str:
        """A ``postgresql://`` URL for ``database`` (the password is accepted and ignored)."""
        user = "postgres" if password is None else f"postgres:{password}"
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Creates an empty database and returns its URL (about 0.25 s: use sparingly)."""
        name = f"orgconn_test_{next(self._names)}"
        self._execute("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def new_schema(self) -> str:
        """Creates an empty schema in the shared test database and returns a URL whose
        connections use it (``search_path``): a fresh store in milliseconds."""
        if not self._shared_created:
            self._execute("postgres", f'CREATE DATABASE "{SHARED_DATABASE}"')
            self._shared_created = True
        name = f"store_{next(self._names)}"
        self._execute(SHARED_DATABASE, f'CREATE SCHEMA "{name}"')
        return f"{self.url(SHARED_DATABASE)}?options=-csearch_path%3D{name}"

    def _execute(self, database: str, statement: str) -> None:
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname=database, autocommit=True) as connection:
            connection.execute(statement.encode())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_command() -> list[str]:
    """The prefix that runs a command as a user PostgreSQL accepts; skips when there is none."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.skip("PostgreSQL tests need runuser to start the server as root; it is missing")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL tests need the 'postgres' user (apt-get install postgresql)")
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster for the whole test session, stopped and deleted at the end."""
    bins = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip("PostgreSQL binaries are missing (/usr/lib/postgresql/*/bin/initdb); "
                    "install Debian's postgresql package to run the store tests on PostgreSQL")
    bin_dir = Path(bins[-1]).parent
    prefix = _as_postgres_command()
    root = Path(tempfile.mkdtemp(prefix="orgconn-pg-", dir="/tmp"))
    if prefix:
        entry = pwd.getpwnam("postgres")
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, log = root / "data", root / "server.log"
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                        "-U", "postgres", "--no-sync"], check=True, capture_output=True)
        port = _free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        started = subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l",
                                  str(log), "-w", "-t", "30", "-o", options, "start"],
                                 capture_output=True, text=True)
        if started.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else started.stderr
            pytest.fail(f"PostgreSQL did not start on port {port}:\n{tail}")
        yield PostgresServer(port=port)
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty store database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_schema()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store on a fresh database, closed after the test."""
    with open_store(store_url) as opened:
        yield opened

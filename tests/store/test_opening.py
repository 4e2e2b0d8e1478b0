"""Opening the store: which database, the errors for bad URLs, and the schema version."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from orgconn.errors import OrgconnError
from orgconn.runtime import Runtime
from orgconn.store import (
    AuditEntry,
    StoreError,
    StoreUnavailableError,
    StoreURLError,
    default_sqlite_path,
    local_actor,
    open_store,
)
from orgconn.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from conftest import PostgresServer


def _entry() -> AuditEntry:
    return AuditEntry(actor="ops@example.com", tenant="acme", action="create_connection",
                      stable_key="crm", outcome="ok", source="cli")


def test_without_a_url_the_store_is_a_sqlite_file_in_the_home_folder(tmp_path: Path) -> None:
    with open_store() as store:
        assert store.backend == "sqlite"
        store.append_audit(_entry())
    assert default_sqlite_path() == Path.home() / ".orgconn" / "orgconn.db"
    assert default_sqlite_path().is_file()


def test_the_environment_variable_chooses_the_database_through_the_configuration(
        tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "chosen.db"
    env = {"ORGCONN_DATABASE_URL": f"sqlite:///{path}", "ORGCONN_CONFIG": str(tmp_path / "none")}
    (tmp_path / "none").write_text("", encoding="utf-8")
    with Runtime.load(env=env) as runtime:
        runtime.store().append_audit(_entry())
    assert path.is_file()
    assert not default_sqlite_path().exists()


def test_open_store_itself_ignores_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGCONN_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with open_store(f"sqlite:///{tmp_path / 'explicit.db'}"):
        pass
    assert (tmp_path / "explicit.db").is_file()
    assert not (tmp_path / "env.db").exists()


@pytest.mark.parametrize("url", [
    "mysql://admin:hunter2-secret@db.example.com/orgconn",
    "postgres-but-wrong://admin:hunter2-secret@db/x",
    "not a url at all hunter2-secret",
    "sqlite://",
    "sqlite:///:memory:",
    "postgresql://admin:hunter2-secret@db.example.com",
])
def test_a_bad_url_names_the_variable_and_the_accepted_forms_without_the_password(
        url: str) -> None:
    with pytest.raises(StoreURLError) as raised:
        open_store(url)
    message = str(raised.value)
    assert "sqlite:///" in message and "postgresql://" in message
    assert "hunter2" not in message
    if url.startswith(("mysql", "not a url")):
        assert "ORGCONN_DATABASE_URL" in message


def test_a_bad_url_in_the_environment_is_reported_as_that_variable(tmp_path: Path) -> None:
    (tmp_path / "none").write_text("", encoding="utf-8")
    env = {"ORGCONN_DATABASE_URL": "oracle://scott:tiger-secret@db/orcl",
           "ORGCONN_CONFIG": str(tmp_path / "none")}
    with Runtime.load(env=env) as runtime, \
            pytest.raises(StoreURLError, match="ORGCONN_DATABASE_URL") as raised:
        runtime.store()
    assert "tiger-secret" not in str(raised.value)


def test_reopening_a_store_keeps_what_it_holds(store_url: str) -> None:
    with open_store(store_url) as store:
        first = store.append_audit(_entry())
    with open_store(store_url) as store:
        assert [entry.id for entry in store.audit()] == [first]


def test_the_schema_version_is_recorded_and_a_newer_schema_is_refused(store_url: str) -> None:
    with open_store(store_url):
        pass
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        version = connection.execute(sa.text(
            "SELECT version FROM schema_version WHERE component = 'orgconn'")).scalar_one()
        assert version == SCHEMA_VERSION
        connection.execute(sa.text("UPDATE schema_version SET version = :v"),
                           {"v": SCHEMA_VERSION + 1})
    engine.dispose()
    with pytest.raises(StoreError, match="upgrade orgconn"):
        open_store(store_url)


@pytest.mark.postgres
def test_a_postgresql_password_never_appears_in_the_repr_or_the_log(
        postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture) -> None:
    database = postgres_server.new_database().rsplit("/", 1)[1]
    caplog.set_level(logging.DEBUG)
    with open_store(postgres_server.url(database, password="hunter2-secret")) as store:
        assert store.backend == "postgresql"
        assert "hunter2" not in repr(store) and "***" in repr(store)
        store.append_audit(_entry())
    assert caplog.records, "opening the store should log which store it opened"
    assert "hunter2" not in caplog.text


def test_an_unreachable_postgresql_says_so_without_the_password() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreUnavailableError) as raised:
        open_store(f"postgresql://admin:hunter2-secret@127.0.0.1:{port}/orgconn")
    assert "could not open the orgconn store" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_the_local_actor_is_the_os_user_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "ada.lovelace")
    assert local_actor() == "ada.lovelace"


def test_store_errors_are_orgconn_errors_so_pages_catch_them_with_the_rest() -> None:
    with pytest.raises(OrgconnError):
        open_store("mysql://nobody@db/x")

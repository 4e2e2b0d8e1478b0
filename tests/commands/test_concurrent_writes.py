"""Two ``orgconn`` processes writing at once, sharing one store (SQLite file or PostgreSQL).

The sandbox answers every request 20 ms late, so two runs started together overlap. Whatever
the interleaving, a change is never lost while both say they saved, a create race is a
conflict (5), and a bulk file applied twice at once sends every row once (the second apply
waits its turn by refusing with 7 before sending, or finds nothing left to do).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import orgconn
from orgconn.client import PrismaticClient
from orgconn.commands.exits import Exit
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.store import open_store
from tests.store.conftest import PostgresServer, postgres_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow
ROUNDS = 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store both processes share."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_schema()


@pytest.fixture
def slow_sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(customers=300, latency_ms=20)


def _config(tmp_path: Path, box: RunningSandbox, database_url: str) -> Path:
    path = tmp_path / "orgconn.toml"
    path.write_text(
        f'fingerprint_key = "race-key"\ndatabase_url = {json.dumps(database_url)}\n'
        '[access]\nlocal_role = "admin"\n'
        f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n',
        encoding="utf-8")
    open_store(database_url).close()  # the tables exist before the race
    return path


def _start(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    lib = str(Path(orgconn.__file__).parents[1])
    environment = {**os.environ, "PYTHONPATH": lib, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "orgconn.cli", *args, "--config", str(config)],
                            env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(*runs: subprocess.Popen[str]) -> list[tuple[int, str]]:
    done = []
    for run in runs:
        out, err = run.communicate(timeout=60)
        done.append((run.returncode, out + err))
    return done


def _client(box: RunningSandbox) -> PrismaticClient:
    return PrismaticClient(TenantConfig(name="us", url=box.stack_url("us"),
                                        token=box.token("us")))


def _values(box: RunningSandbox, stable_key: str) -> dict[str, dict[str, str]]:
    with _client(box) as client:
        held = client.read_tenant([stable_key]).customer_values
    return {v.customer.external_id: {k: i.secret_value() for k, i in v.values.items()}
            for v in held if v.customer is not None and v.customer.external_id}


def test_two_sets_of_different_inputs_of_one_customer_never_both_succeed_losing_one(
        tmp_path: Path, slow_sandbox: RunningSandbox, database_url: str) -> None:
    config = _config(tmp_path, slow_sandbox, database_url)
    customers = sorted(_values(slow_sandbox, "sftp-drop"))[:ROUNDS]
    for number, customer in enumerate(customers):
        user, secret = f"user-{number}", f"race-secret-{number}-Zq"
        common = ("set", "--tenant", "us", "--connection", "sftp-drop", "--customer", customer)
        statuses = _finish(_start(config, *common, f"username={user}", "--yes"),
                           _start(config, *common, "password=env:RACE_SECRET", "--yes",
                                  env={"RACE_SECRET": secret}))
        now = _values(slow_sandbox, "sftp-drop")[customer]
        codes = sorted(code for code, _ in statuses)
        assert codes in ([Exit.OK, Exit.OK], [Exit.OK, Exit.CONFLICT]), statuses
        (user_code, user_text), (secret_code, _) = statuses
        if user_code == Exit.OK:
            assert now["username"] == user, f"round {number}: username lost\n{user_text}"
        if secret_code == Exit.OK:
            assert now["password"] == secret, f"round {number}: password lost"
        assert all(secret not in text for _, text in statuses)


def test_two_creates_of_one_customers_values_at_once_make_one_and_a_conflict_or_an_update(
        tmp_path: Path, slow_sandbox: RunningSandbox, database_url: str) -> None:
    config = _config(tmp_path, slow_sandbox, database_url)
    with _client(slow_sandbox) as client:
        everyone = sorted(c.external_id for c in client.customers() if c.external_id)
    held = _values(slow_sandbox, "acme-api-key")
    lacking = [c for c in everyone if c not in held]
    for customer in lacking[:ROUNDS]:
        common = ("set", "--tenant", "us", "--connection", "acme-api-key", "--customer",
                  customer, "--yes", "apiKey=env:RACE_KEY")
        statuses = _finish(_start(config, *common, env={"RACE_KEY": "first-key-1234"}),
                           _start(config, *common, "timeoutSeconds=33",
                                  env={"RACE_KEY": "second-key-5678"}))
        codes = sorted(code for code, _ in statuses)
        assert codes in ([Exit.OK, Exit.OK], [Exit.OK, Exit.CONFLICT]), statuses
        assert "already exists" not in "".join(text for _, text in statuses)
        now = _values(slow_sandbox, "acme-api-key")[customer]
        if codes == [Exit.OK, Exit.CONFLICT]:
            winner = 0 if statuses[0][0] == Exit.OK else 1
            assert now["apiKey"] == ("first-key-1234", "second-key-5678")[winner]
        else:  # the second loaded after the first had created: an update that saw it
            assert "Created" in "".join(t for _, t in statuses)
            assert "Updated" in "".join(t for _, t in statuses)


def test_two_applies_of_one_bulk_file_at_once_send_every_row_once(
        tmp_path: Path, slow_sandbox: RunningSandbox, database_url: str) -> None:
    config = _config(tmp_path, slow_sandbox, database_url)
    held = _values(slow_sandbox, "sftp-drop")
    with _client(slow_sandbox) as client:
        lacking = sorted(c.external_id for c in client.customers()
                         if c.external_id and c.external_id not in held)
    assert len(lacking) >= 50
    bulk_file = tmp_path / "sftp.csv"
    bulk_file.write_text("external_id,username,password\n" + "".join(
        f"{c},loader-{c},pw-{c}-Zq\n" for c in lacking), encoding="utf-8")
    apply = ("bulk", "apply", str(bulk_file), "--tenant", "us", "--connection", "sftp-drop",
             "--yes", "--concurrency", "2")
    statuses = _finish(_start(config, *apply), _start(config, *apply))
    codes = sorted(code for code, _ in statuses)
    assert codes in ([Exit.OK, Exit.OK], [Exit.OK, Exit.BUSY]), statuses
    if Exit.BUSY in codes:
        busy = next(text for code, text in statuses if code == Exit.BUSY)
        assert "Another apply" in busy and "Nothing was sent" in busy
    with open_store(database_url) as store:
        jobs = [store.job_summary(job) for job in (1, 2) if _has_job(store, job)]
    sent = sum(s.outcomes.get("done", 0) for s in jobs)
    written = _written_rows(database_url)
    assert written == len(lacking), f"{written} rows written for {len(lacking)} ({jobs})"
    assert sent >= len(lacking)
    now = _values(slow_sandbox, "sftp-drop")
    assert all(now[c]["username"] == f"loader-{c}" for c in lacking)


def _has_job(store: object, job_id: int) -> bool:
    try:
        store.get_job(job_id)  # type: ignore[attr-defined]
    except LookupError:
        return False
    return True


def _written_rows(database_url: str) -> int:
    """Audit rows of rows the bulk applies wrote (created or updated; not unchanged)."""
    from sqlalchemy import create_engine, text

    from orgconn.store.connection import resolve_url

    engine = create_engine(resolve_url(database_url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM audit_log WHERE source = 'bulk' AND outcome = 'ok' "
                "AND action IN ('create_customer_values', 'update_customer_values') "
                "AND detail NOT LIKE '%already applied%'")).scalar_one())
    finally:
        engine.dispose()

"""``orgconn snapshot`` on the sandbox: one snapshot per tenant and minute; its exit statuses."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stamina

from orgconn.cli import main
from orgconn.commands import snapshot as command
from orgconn.sandbox import RunningSandbox
from orgconn.store import open_store
from tests.client.fake_prismatic import route_every_client
from tests.commands import odd_tenants

Run = Callable[..., tuple[int, str, str]]
AT = datetime(2026, 5, 4, 6, 0, 12, tzinfo=UTC)


def write_config(folder: Path, tenants: dict[str, tuple[str, str]]) -> Path:
    """A TOML configuration: a store in ``folder`` and ``[tenants.NAME]`` tables (url, token)."""
    lines = [f'database_url = "sqlite:///{folder / "orgconn.db"}"']
    for name, (url, token) in tenants.items():
        lines += [f"[tenants.{name}]", f'url = "{url}"', f'token = "{token}"']
    path = folder / "orgconn.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def demo_config(tmp_path: Path, sandbox: RunningSandbox) -> Path:
    return write_config(tmp_path, {t: (sandbox.stack_url(t), sandbox.token(t))
                                   for t in ("us", "eu")})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The time the command records at: set ``clock[0]``."""
    now = [AT]
    monkeypatch.setattr(command, "now", lambda: now[0])
    return now


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        status = main(["snapshot", *argv])
        captured = capsys.readouterr()
        return status, captured.out, captured.err
    return invoke


def snapshot_times(config: Path, tenant: str) -> list[datetime]:
    with open_store(f"sqlite:///{config.parent / 'orgconn.db'}") as store:
        series = store.snapshot_series(tenant)
    return sorted({t.to_pydatetime() for t in series["taken_at"]})


def test_two_runs_in_the_same_minute_record_one_snapshot_and_the_second_says_so(
        run: Run, demo_config: Path, clock: list[datetime]) -> None:
    status, out, err = run("--config", str(demo_config))
    assert status == 0 and not err
    assert out.count("recorded snapshot") == 2 and "us:" in out and "eu:" in out
    clock[0] = AT + timedelta(seconds=40)
    status, out, err = run("--config", str(demo_config))
    assert status == 0 and not err
    assert out.count("not recorded") == 2 and "already taken at 2026-05-04 06:00" in out
    assert snapshot_times(demo_config, "us") == [AT]
    clock[0] = AT + timedelta(minutes=1)
    assert run("--config", str(demo_config))[0] == 0
    assert snapshot_times(demo_config, "us") == [AT, AT + timedelta(minutes=1)]


def test_the_tenant_option_records_only_the_tenants_named(
        run: Run, demo_config: Path, clock: list[datetime]) -> None:
    status, out, _ = run("--config", str(demo_config), "--tenant", "eu")
    assert status == 0 and out.startswith("eu: recorded snapshot")
    assert snapshot_times(demo_config, "us") == []
    assert snapshot_times(demo_config, "eu") == [AT]


def test_an_unknown_tenant_or_no_tenant_at_all_is_refused_saying_what_to_do(
        run: Run, demo_config: Path, tmp_path: Path) -> None:
    status, out, err = run("--config", str(demo_config), "--tenant", "apac")
    assert status == 2 and not out
    assert "unknown tenant apac" in err and "us, eu" in err
    empty = tmp_path / "empty" / "orgconn.toml"
    empty.parent.mkdir()
    empty.write_text("", encoding="utf-8")
    status, _, err = run("--config", str(empty))
    assert status == 2 and "[tenants.NAME]" in err


@pytest.fixture
def no_retry_waits() -> Iterator[None]:
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def test_an_unreachable_tenant_exits_3_and_the_others_are_still_recorded(
        run: Run, tmp_path: Path, sandbox: RunningSandbox, clock: list[datetime],
        no_retry_waits: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_config(tmp_path, {"down": (f"http://127.0.0.1:{port}", "t"),
                                     "us": (sandbox.stack_url("us"), sandbox.token("us"))})
    status, out, err = run("--config", str(config))
    assert status == 3
    assert err.startswith("down: not recorded: reading the tenant:")
    assert "us: recorded snapshot" in out
    assert snapshot_times(config, "us") == [AT]


@pytest.mark.parametrize("shape", sorted(odd_tenants.SHAPES))
def test_a_tenant_with_nothing_to_cover_is_recorded_and_exits_0_with_a_sentence(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: list[datetime],
        shape: str) -> None:
    build, sentence = odd_tenants.SHAPES[shape]
    route_every_client(monkeypatch, build())
    config = odd_tenants.config(tmp_path)

    status, out, err = run("--config", str(config))

    assert status == 0 and not err
    assert out.startswith("odd: recorded snapshot") and "0.0% complete" in out
    assert f"odd: odd {sentence}: nothing to cover" in out
    assert run("--config", str(config))[1].startswith("odd: not recorded: a snapshot of odd "
                                                      "was already taken")


def test_a_tenant_answering_empty_data_exits_3_and_records_nothing(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: list[datetime]
        ) -> None:
    route_every_client(monkeypatch, odd_tenants.empty_data)
    config = odd_tenants.config(tmp_path)

    status, out, err = run("--config", str(config))

    assert status == 3 and out == ""
    assert err.startswith("odd: not recorded: reading the tenant: The tenant answered ")
    assert snapshot_times(config, "odd") == []


def test_a_snapshot_records_the_blocked_instances_the_client_reads(
        run: Run, demo_config: Path, clock: list[datetime], sandbox: RunningSandbox) -> None:
    from orgconn.client import PrismaticClient
    from orgconn.config import TenantConfig
    from orgconn.services.coverage import coverage_frame

    assert run("--config", str(demo_config), "--tenant", "us")[0] == 0
    with open_store(f"sqlite:///{demo_config.parent / 'orgconn.db'}") as store:
        series = store.snapshot_series("us").set_index("stable_key")
    tenant = TenantConfig(name="us", url=sandbox.stack_url("us"), token=sandbox.token("us"))
    with PrismaticClient(tenant) as client:
        frame = coverage_frame("us", client.coverage_read())
    blocking = frame[frame["blocking"]].groupby("stable_key")
    for key, row in series.iterrows():
        assert row["blocking_gaps"] == blocking.size().get(key, 0)
        assert row["blocked_instances"] == blocking["instances"].sum().get(key, 0)
    assert series["blocked_instances"].sum() > 0

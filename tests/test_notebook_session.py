"""``orgconn.start()``: one session per kernel, on the configured tenants or its own sandbox."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import orgconn
from orgconn.config import ConfigError
from orgconn.notebook import session


@pytest.fixture(autouse=True)
def no_session_left() -> None:
    """Every test ends with the session closed (and its sandbox stopped)."""
    yield
    orgconn.stop()


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        return sock.connect_ex((parts.hostname or "", parts.port or 80)) == 0


def test_without_tenants_start_runs_a_sandbox_of_its_own_says_so_and_stop_ends_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "empty.toml").touch()
    monkeypatch.setenv("ORGCONN_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("ORGCONN_SANDBOX_CUSTOMERS", "5")
    monkeypatch.setenv("ORGCONN_SANDBOX_DIR", str(tmp_path / "dashboard-sandbox"))
    monkeypatch.chdir(tmp_path)

    opened = orgconn.start()

    said = capsys.readouterr().out
    folder = tmp_path / ".orgconn" / "notebook-sandbox"
    assert "no tenant configured — working on the embedded sandbox" in said
    assert str(folder) in said and "stops with this kernel" in said and "tenant us" in said
    assert opened.is_sandbox and opened.tenant == "us" and folder.is_dir()
    assert not (tmp_path / "dashboard-sandbox").exists()  # not the dashboard's folder
    assert opened.runtime.config.database_url == f"sqlite:///{folder / 'orgconn.db'}"
    url = opened.runtime.tenant("us").url
    seeded = orgconn.customers()["external_id"].dropna()  # (and some without an external ID)
    assert len(seeded) == 5 and _answers(url)

    orgconn.stop()

    assert session.current() is None and not _answers(url)
    with pytest.raises(ConfigError, match=r"call orgconn\.start\(\)"):
        orgconn.customers()


def test_start_registers_stop_to_run_when_the_kernel_exits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox):
    registered = []
    monkeypatch.setattr(session.atexit, "register", registered.append)
    monkeypatch.setattr(session, "_atexit_registered", False)
    path = tmp_path / "orgconn.toml"
    path.write_text(f'[tenants.us]\nurl = "{sandbox.stack_url("us")}"\n'
                    f'token = "{sandbox.token("us")}"\n')
    orgconn.start(config=path, quiet=True)
    assert registered == [session.stop]


def test_with_tenants_configured_start_uses_them_and_the_same_calls_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox,
        capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "orgconn.toml"
    path.write_text("".join(
        f'[tenants.{t}]\nurl = "{sandbox.stack_url(t)}"\ntoken = "{sandbox.token(t)}"\n'
        for t in ("us", "eu")) + "protected = true\n")
    monkeypatch.setenv("ORGCONN_CONFIG", str(path))

    opened = orgconn.start("eu")

    said = capsys.readouterr().out
    assert f"tenants us, eu from {path}. Using tenant eu. Writes act as " in said
    assert "Protected (writes need confirm_tenant=): eu." in said
    assert not opened.is_sandbox and opened.runtime._sandbox is None  # nothing started
    assert set(orgconn.coverage()["tenant"]) == {"eu"}
    differences = orgconn.compare()
    assert {"us", "eu", "kind", "stable_key"} <= set(differences.columns)
    assert "crm-sync" in set(differences["stable_key"])  # us only
    assert orgconn.compare_chart(differences).data


def test_start_refuses_a_tenant_that_is_not_configured(sandbox, tmp_path: Path):
    path = tmp_path / "orgconn.toml"
    path.write_text(f'[tenants.us]\nurl = "{sandbox.stack_url("us")}"\n'
                    f'token = "{sandbox.token("us")}"\n')
    with pytest.raises(ConfigError, match="tenant 'nope': not one of us"):
        orgconn.start("nope", config=path)
    assert session.current() is None


def test_several_tenants_and_no_choice_make_each_call_name_its_tenant(
        sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "orgconn.toml"
    path.write_text("".join(
        f'[tenants.{t}]\nurl = "{sandbox.stack_url(t)}"\ntoken = "{sandbox.token(t)}"\n'
        for t in ("us", "eu")))
    orgconn.start(config=path)
    assert "Name a tenant in each call" in capsys.readouterr().out
    with pytest.raises(ConfigError, match=r"say which tenant \(configured: eu, us\)"):
        orgconn.coverage()
    assert set(orgconn.coverage("us")["tenant"]) == {"us"}

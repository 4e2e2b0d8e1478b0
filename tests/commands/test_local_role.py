"""The CLI acts with the configuration's ``[access] local_role``, also when sign-in is configured
for the dashboard: a viewer's ``set`` and ``bulk apply`` and an editor's ``bulk apply`` are
refused, with nothing sent to the tenant and the documented exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from orgconn.cli import main
from orgconn.client import PrismaticClient
from orgconn.commands.exits import Exit
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.store import open_store

SECRET = "canary-role-cli-7Qz"


def _config(tmp_path: Path, box: RunningSandbox, role: str) -> Path:
    path = tmp_path / "orgconn.toml"
    database = json.dumps(f"sqlite:///{tmp_path / 'store.db'}")
    path.write_text(
        f'fingerprint_key = "cli-test-key"\n'
        f'database_url = {database}\n'
        f'[access]\nlocal_role = "{role}"\n'
        # sign-in for the dashboard changes nothing for the CLI
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
        f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n',
        encoding="utf-8")
    return path


def _password(box: RunningSandbox, external_id: str) -> str | None:
    with PrismaticClient(TenantConfig(name="us", url=box.stack_url("us"),
                                      token=box.token("us"))) as client:
        held = client.read_tenant(["sftp-drop"]).customer_values
    found = [v for v in held if v.customer and v.customer.external_id == external_id]
    return found[0].values["password"].secret_value() if found else None


def _bulk_file(tmp_path: Path) -> Path:
    path = tmp_path / "sftp.csv"
    path.write_text(f"external_id,username,password\nmy-external-id,loader,{SECRET}\n",
                    encoding="utf-8")
    return path


def test_a_viewer_set_is_refused_with_status_6_and_nothing_is_written(
        tmp_path: Path, fresh_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox, "viewer")
    monkeypatch.setenv("ORGCONN_LOCAL_ROLE", "admin")  # the old variable no longer counts
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    before = _password(fresh_sandbox, "my-external-id")

    status = main(["set", "--config", str(config), "--tenant", "us", "--connection",
                   "sftp-drop", "--customer", "my-external-id", "password=-", "--yes"])

    err = capsys.readouterr().err
    assert status == Exit.REFUSED
    assert "viewer" in err and "editor" in err and SECRET not in err
    assert _password(fresh_sandbox, "my-external-id") == before != SECRET
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert {(e.outcome.split(":")[0], e.source) for e in store.audit()} <= {("failed", "cli")}


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_bulk_apply_below_operator_is_refused_with_status_6_and_nothing_is_written(
        role: str, tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox, role)
    before = _password(fresh_sandbox, "my-external-id")

    status = main(["bulk", "apply", str(_bulk_file(tmp_path)), "--connection", "sftp-drop",
                   "--overwrite", "--yes", "--tenant", "us", "--config", str(config)])

    err = capsys.readouterr().err
    assert status == Exit.REFUSED
    assert err.startswith("Refused:") and role in err and "operator" in err
    assert _password(fresh_sandbox, "my-external-id") == before != SECRET
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert store.list_jobs() == []


def test_an_operator_bulk_apply_writes(tmp_path: Path, fresh_sandbox: RunningSandbox,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox, "operator")

    status = main(["bulk", "apply", str(_bulk_file(tmp_path)), "--connection", "sftp-drop",
                   "--overwrite", "--yes", "--tenant", "us", "--config", str(config)])

    assert status == 0, capsys.readouterr().err
    assert _password(fresh_sandbox, "my-external-id") == SECRET

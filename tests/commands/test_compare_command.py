"""``orgconn compare`` on the sandbox: formats, filters and every documented exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from orgconn.cli import main
from orgconn.sandbox import RunningSandbox

COLUMNS = ["kind", "stable_key", "customer_external_id", "input", "us", "eu", "customer_name",
           "drift_in"]


def _config(tmp_path: Path, tenants: dict[str, tuple[str, str]]) -> Path:
    """A TOML configuration with ``[tenants.NAME]`` tables of (url, token)."""
    lines = ['fingerprint_key = "cli-test-key"']
    for name, (url, token) in tenants.items():
        lines += [f"[tenants.{name}]", f'url = "{url}"', f'token = "{token}"']
    path = tmp_path / "orgconn.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def demo_config(tmp_path: Path, sandbox: RunningSandbox) -> Path:
    return _config(tmp_path, {t: (sandbox.stack_url(t), sandbox.token(t)) for t in ("us", "eu")})


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["compare", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_demo_tenants_drift_so_the_table_lists_them_and_exits_1(
        demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "--config", str(demo_config), "--tenant", "us", "--tenant",
                            "eu")
    assert status == 1
    crm = next(line for line in out.splitlines() if "connection_missing" in line)
    assert crm.split()[:4] == ["connection_missing", "crm-sync", "present", "missing"]
    summary = out.rstrip().splitlines()[-1]  # the counts per kind close the table
    # seed: crm-sync us only, baseUrl scoped differently, 4 customers us-only and 4 eu-only,
    # sftp-drop and billing-api the designer's default in one tenant each
    for count in ("1 connection_missing", "1 input_scope", "8 customer_missing",
                  "2 default_for_component"):
        assert count in summary
    default = next(line for line in out.splitlines() if line.startswith("default_for_component")
                   and "sftp-drop" in line)
    assert default.split()[:4] == ["default_for_component", "sftp-drop", "on", "off"]
    # the two customers without an external ID cannot be matched: said, never silently
    note = next(line for line in err.splitlines() if line.startswith("note: "))
    assert "having no external ID" in note
    assert "us: 2 (Lakeside Veterinary Clinic, Old Mill Bakery)" in note and "eu: 2" in note


def test_csv_has_one_difference_per_row_with_a_detail_column_per_tenant(
        demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "--config", str(demo_config), "--tenant", "us,eu",
                            "--format", "csv")
    frame = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert status == 1 and list(frame.columns) == COLUMNS
    ids = frame[["kind", "stable_key", "customer_external_id", "input"]]
    assert not ids.duplicated().any()
    row = frame[frame["kind"] == "input_scope"].iloc[0]
    assert (row["stable_key"], row["input"], row["us"], row["eu"]) == (
        "acme-api-key", "baseUrl", "global", "per-customer")
    assert f"{len(frame)} rows" in err
    assert "canary-" not in out and "_svc" not in out  # values only as fingerprints


def test_json_rows_match_the_csv_rows(demo_config: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--config", str(demo_config), "--tenant", "us", "--tenant", "eu"]
    _, csv_out, _ = _run(capsys, *base, "--format", "csv")
    status, json_out, _ = _run(capsys, *base, "--format", "json")
    records = json.loads(json_out)
    assert status == 1
    assert pd.DataFrame(records, columns=COLUMNS).equals(
        pd.read_csv(io.StringIO(csv_out), keep_default_na=False, dtype=str))


def test_filters_keep_only_the_chosen_kinds_and_connections(
        demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--config", str(demo_config), "--tenant", "us,eu", "--format",
                          "json", "--kind", "customer_value", "--connection", "sftp-drop")
    records = json.loads(out)
    assert status == 1 and records
    assert {(r["kind"], r["stable_key"]) for r in records} == {("customer_value", "sftp-drop")}


def test_no_drift_among_the_rows_shown_exits_0(demo_config: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--config", str(demo_config), "--tenant", "us,eu",
                          "--kind", "name")
    assert (status, out) == (0, "0 rows: no differences\n")


def test_two_names_for_the_same_tenant_have_no_drift(
        tmp_path: Path, sandbox: RunningSandbox, capsys: pytest.CaptureFixture[str]) -> None:
    same = (sandbox.stack_url("eu"), sandbox.token("eu"))
    config = _config(tmp_path, {"eu": same, "eu-again": same})
    status, out, _ = _run(capsys, "--config", str(config), "--tenant", "eu,eu-again")
    assert (status, out) == (0, "0 rows: no differences\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["--tenant", "us"], "at least two different tenants"),
    (["--tenant", "us", "--tenant", "us"], "at least two different tenants"),
    (["--tenant", "us,mars"], "unknown tenant mars: configured are us, eu"),
    (["--tenant", "us,eu", "--kind", "colour"], "unknown kind colour"),
])
def test_bad_arguments_exit_2_saying_what_to_fix(demo_config: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 argv: list[str], message: str) -> None:
    status, out, err = _run(capsys, "--config", str(demo_config), *argv)
    assert (status, out) == (2, "")
    assert message in err


def test_a_tenant_that_cannot_be_read_exits_3_naming_it(
        tmp_path: Path, sandbox: RunningSandbox, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, {"us": (sandbox.stack_url("us"), sandbox.token("us")),
                                "eu": (sandbox.stack_url("eu"), "not-a-valid-token")})
    status, out, err = _run(capsys, "--config", str(config), "--tenant", "us,eu")
    assert (status, out) == (3, "")
    assert err.startswith("orgconn compare: reading eu:")
    assert "not-a-valid-token" not in err

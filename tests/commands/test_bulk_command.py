"""``orgconn bulk template|check|apply`` on a fresh sandbox, with every documented exit status."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from orgconn.cli import main
from orgconn.client import PrismaticClient
from orgconn.commands.bulk import YOUNG_COLLECTION_THRESHOLD, bulk_apply_gc
from orgconn.commands.exits import Exit
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from tests.services.bulk import hostile_files

SECRET = "canary-bulk-cli-9Fx"


def _config(tmp_path: Path, box: RunningSandbox, *, protected: bool = False) -> Path:
    path = tmp_path / "orgconn.toml"
    path.write_text(f'fingerprint_key = "cli-test-key"\n'
                    f'database_url = "sqlite:///{tmp_path / "store.db"}"\n'
                    f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n'
                    f"protected = {'true' if protected else 'false'}\n", encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str, str]:
    status = main(["bulk", *argv, "--tenant", "us", "--config", str(config)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _values(box: RunningSandbox) -> dict[str, dict[str, str]]:
    with PrismaticClient(TenantConfig(name="us", url=box.stack_url("us"),
                                      token=box.token("us"))) as client:
        held = client.snapshot(["sftp-drop"]).customer_values
    return {v.customer.external_id or "": {k: i.secret_value() for k, i in v.values.items()}
            for v in held if v.customer}


def _filled(template: Path) -> pd.DataFrame:
    frame = pd.read_csv(template, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.assign(username="loader", password=SECRET)


def test_template_check_and_apply_fill_the_customers_lacking_values(
        tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox)
    template = tmp_path / "sftp.csv"

    status, out, _ = _run(capsys, config, "template", str(template), "--connection", "sftp-drop")
    assert status == 0 and "customers lacking values" in out
    assert "\n  external_id: required · the customer's external ID" in out  # a CSV has no notes
    assert "\n  customer_name: optional · for people only: ignored on upload" in out
    assert ("Left out of the template: 2 customer(s) without an external ID, which a template "
            "row cannot name: Lakeside Veterinary Clinic") in out
    frame = _filled(template)
    for column in frame.columns[2:]:
        assert f"\n  {column} (" in out, f"the columns printed name {column}"
    assert len(frame) > 0 and set(frame["external_id"]).isdisjoint(
        e for e, v in _values(fresh_sandbox).items() if v.get("password"))
    frame.to_csv(template, index=False)

    status, out, _ = _run(capsys, config, "check", str(template), "--connection", "sftp-drop")
    assert status == 0 and f"{len(frame):,} create" in out
    status, out, _ = _run(capsys, config, "apply", str(template), "--connection", "sftp-drop",
                          "--yes")

    assert status == 0, out
    held = _values(fresh_sandbox)
    assert all(held[e]["password"] == SECRET for e in frame["external_id"])
    report = pd.read_csv(tmp_path / "sftp-report.csv", dtype=str, keep_default_na=False)
    assert set(report["outcome"]) == {"done"} and len(report) == len(frame)
    assert SECRET not in out and SECRET not in (tmp_path / "sftp-report.csv").read_text()

    status, out, _ = _run(capsys, config, "apply", str(template), "--connection", "sftp-drop",
                          "--yes")
    assert status == 0 and f"{len(frame):,} unchanged" in out


def test_an_invalid_file_exits_2_lists_problems_by_kind_and_sends_nothing(
        tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox)
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,username,host\nnobody,u,sftp.example.com\n", encoding="utf-8")
    before = _values(fresh_sandbox)

    for step in ("check", "apply"):
        status, out, err = _run(capsys, config, step, str(bad), "--connection", "sftp-drop",
                                "--yes")
        assert status == 2
        assert "unknown external ID (1):" in out and "global input in the file (1):" in out
    assert "Nothing was sent" in err and _values(fresh_sandbox) == before


def test_valid_only_applies_the_good_rows_and_exits_1_naming_the_rows_left_out(
        tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox)
    template = tmp_path / "sftp.csv"
    _run(capsys, config, "template", str(template), "--connection", "sftp-drop")
    frame = _filled(template)
    frame.loc[len(frame)] = {**frame.iloc[0].to_dict(), "external_id": "nobody-by-that-id"}
    frame.to_csv(template, index=False)

    status, out, _ = _run(capsys, config, "apply", str(template), "--connection", "sftp-drop",
                          "--yes", "--valid-only")

    assert status == 1 and "1 invalid row left out" in out
    report = pd.read_csv(tmp_path / "sftp-report.csv", dtype=str, keep_default_na=False)
    assert report.set_index("external_id").loc["nobody-by-that-id", "outcome"] == "skipped"
    assert (report["outcome"] == "done").sum() == len(frame) - 1


def test_a_protected_tenant_needs_its_name_even_with_yes(
        tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox, protected=True)
    template = tmp_path / "sftp.csv"
    _run(capsys, config, "template", str(template), "--connection", "sftp-drop")
    _filled(template).to_csv(template, index=False)
    before = _values(fresh_sandbox)

    status, _, err = _run(capsys, config, "apply", str(template), "--connection", "sftp-drop",
                          "--yes")
    assert status == Exit.REFUSED and "--confirm-tenant" in err
    assert _values(fresh_sandbox) == before

    status, _, err = _run(capsys, config, "apply", str(template), "--connection", "sftp-drop",
                          "--yes", "--confirm-tenant", "eu")
    assert status == Exit.REFUSED and "type its name (us)" in err
    assert _values(fresh_sandbox) == before

    status, out, _ = _run(capsys, config, "apply", str(template), "--connection", "sftp-drop",
                          "--yes", "--confirm-tenant", "us")
    assert status == 0, out


def test_a_template_file_needs_a_known_connection_and_a_csv_or_xlsx_name(
        tmp_path: Path, sandbox: RunningSandbox, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, sandbox)

    status, _, err = _run(capsys, config, "template", str(tmp_path / "t.txt"),
                          "--connection", "sftp-drop")
    assert status == 2 and ".csv or .xlsx" in err
    status, _, err = _run(capsys, config, "template", str(tmp_path / "t.xlsx"),
                          "--connection", "no-such-connection")
    assert status == 2 and "acme-api-key" in err and not (tmp_path / "t.xlsx").exists()


@pytest.mark.parametrize(("build", "words"), [
    (hostile_files.entity_expansion, "declares a document type"),
    (hostile_files.truncated_sheet, "its XML stops or breaks"),
    (hostile_files.bad_shared_string, "names a shared string the workbook does not have"),
    (lambda: hostile_files.wide(rows=3), "column SG (column 501)")])
def test_a_hostile_workbook_exits_2_with_one_clear_problem_and_sends_nothing(
        tmp_path: Path, fresh_sandbox: RunningSandbox, capsys: pytest.CaptureFixture[str],
        build: Callable[[], bytes], words: str) -> None:
    config = _config(tmp_path, fresh_sandbox)
    hostile = tmp_path / "hostile.xlsx"
    hostile.write_bytes(build())
    before = _values(fresh_sandbox)

    for step in ("check", "apply"):
        status, out, err = _run(capsys, config, step, str(hostile), "--connection", "sftp-drop",
                                "--yes")
        assert status == 2 and "The file has 1 problem" in out and words in out
        assert "Traceback" not in out + err
    assert "Nothing was sent" in err and _values(fresh_sandbox) == before


def test_a_file_over_the_configured_size_is_refused_with_exit_2_unread(
        tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox)
    config.write_text(config.read_text() + "[bulk]\nmax_bytes = 100\n", encoding="utf-8")
    big = tmp_path / "big.csv"
    big.write_text("external_id,username\n" + "cust-00002,u\n" * 50, encoding="utf-8")

    status, out, _ = _run(capsys, config, "check", str(big), "--connection", "sftp-drop")

    assert status == 2 and "larger than 0.1 kB, the most accepted" in out


def test_the_cli_tunes_the_garbage_collector_for_an_apply_and_restores_it_even_on_failure(
) -> None:
    threshold = gc.get_threshold()
    with bulk_apply_gc():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, threshold)
    with pytest.raises(RuntimeError), bulk_apply_gc():
        raise RuntimeError("the apply failed")
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, threshold)


def test_a_value_unlike_its_inputs_name_is_warned_in_check_and_apply_and_sent(
        tmp_path: Path, fresh_sandbox: RunningSandbox,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, fresh_sandbox)
    with PrismaticClient(TenantConfig(name="us", url=fresh_sandbox.stack_url("us"),
                                      token=fresh_sandbox.token("us"))) as client:
        held = client.snapshot(["billing-api"]).customer_values
    external_id = next(v.customer.external_id for v in held if v.customer
                       and v.has_value("password") and v.has_value("username"))
    upload = tmp_path / "billing.csv"
    upload.write_text(f"external_id,accountNumber\n{external_id},AC-004211\n", encoding="utf-8")

    for step in ("check", "apply"):
        status, out, _ = _run(capsys, config, step, str(upload), "--connection", "billing-api",
                              "--yes")
        assert status == 0, out
        assert ("warning: row 2: accountNumber: Account number does not look like a number"
                in out)
    with PrismaticClient(TenantConfig(name="us", url=fresh_sandbox.stack_url("us"),
                                      token=fresh_sandbox.token("us"))) as client:
        after = client.snapshot(["billing-api"]).customer_values
    saved = next(v for v in after if v.customer and v.customer.external_id == external_id)
    assert saved.values["accountNumber"].secret_value() == "AC-004211"

"""The notebooks run top to bottom on the sandbox, and are stored without outputs."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import orgconn
from tests.notebooks.conftest import NOTEBOOKS, Executed

NAMES = ["coverage-triage", "values-from-a-dataframe", "rollout-report"]


def _text(executed: Executed, cell_index: int) -> str:
    cell = executed.notebook.cells[cell_index]
    return "".join(o.get("text", "") + json.dumps(o.get("data", {})) for o in cell.outputs)


def _start_cell(executed: Executed) -> int:
    return next(i for i, c in enumerate(executed.notebook.cells)
                if c.cell_type == "code" and "orgconn.start(" in c.source)


def test_the_notebooks_folder_holds_exactly_the_three_notebooks():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_is_committed_without_outputs(name: str):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code), (
        f"{name}.ipynb has outputs: clear them before committing "
        "(Edit > Clear Outputs of All Cells, then save)")


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_runs_on_the_sandbox_and_says_so(executed, name: str):
    run = executed(name)
    said = _text(run, _start_cell(run))
    assert "no tenant configured — working on the embedded sandbox" in said
    assert str(run.workdir / ".orgconn" / "notebook-sandbox") in said
    assert (run.workdir / ".orgconn" / "notebook-sandbox").is_dir()
    assert not any(o.output_type == "error" for c in run.notebook.cells
                   if c.cell_type == "code" for o in c.outputs)


def test_the_sandbox_stops_with_the_kernel(executed):
    run = executed("coverage-triage")
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)", _text(run, _start_cell(run)))[1])
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the sandbox still answers"


def test_coverage_triage_charts_and_exports_the_gaps(executed):
    run = executed("coverage-triage")
    assert "application/vnd.plotly.v1+json" in run.outputs_text()
    gaps = pd.read_csv(run.workdir / "exports" / "coverage-gaps.csv", encoding="utf-8-sig")
    assert len(gaps) > 0 and set(gaps["status"]) <= {"missing", "incomplete", "error"}
    assert {"segment", "missing_inputs", "customer_external_id", "instances", "blocking"} <= set(
        gaps.columns)
    assert re.search(r"\d+ of \d+ gaps block instances", run.outputs_text())


def test_values_notebook_plans_applies_and_reports_through_the_bulk_job(executed):
    run = executed("values-from-a-dataframe")
    text = run.outputs_text()
    assert re.search(r"Dry run on us \(nothing sent\): \d+ create", text)
    assert re.search(r"job \d+ done: \d+ done · 0 failed", text)
    assert "Applying: 100%" in text  # the progress bar
    report = pd.read_csv(run.workdir / "exports" / "signing-secrets-report.csv",
                         encoding="utf-8-sig")
    assert set(report["outcome"]) == {"done", "skipped"}  # the unknown customer: skipped
    assert "cust-does-not-exist" in set(report["external_id"])
    # the second plan, against fresh data: nothing left to write
    assert re.search(r"Dry run on us \(nothing sent\): 0 create · 0 update · \d+ unchanged",
                     text)


def test_no_secret_used_by_the_values_notebook_appears_in_any_output(executed):
    run = executed("values-from-a-dataframe")
    used = pd.read_csv(run.workdir / "exports" / "signing-secrets.csv")["secret"]
    text = run.outputs_text()
    assert len(used) > 1 and all(s.startswith("whsec_") for s in used)
    leaked = [s for s in used if s in text or s[6:14] in text]
    assert not leaked and "whsec_" not in text


def test_rollout_report_has_history_targets_comparison_and_exports(executed):
    run = executed("rollout-report")
    assert run.outputs_text().count("application/vnd.plotly.v1+json") >= 4
    exports = run.workdir / "exports"
    history = pd.read_csv(exports / "rollout-history.csv", encoding="utf-8-sig")
    assert {"coverage_pct", "estimated"} <= set(history.columns)
    assert history["estimated"].any() and not history["estimated"].all()  # today recorded
    targets = pd.read_csv(exports / "rollout-targets.csv", encoding="utf-8-sig")
    assert list(targets["stable_key"]) == ["webhook-signing"]
    differences = pd.read_csv(exports / "tenant-differences.csv", encoding="utf-8-sig")
    assert {"us", "eu", "kind"} <= set(differences.columns) and len(differences) > 0


def test_notebook_exports_stay_out_of_git():
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert "notebooks/exports/" in ignored and ".orgconn/" in ignored


def test_on_a_configured_tenant_the_values_notebook_only_plans_unless_apply_is_set(
        executed, fresh_sandbox):
    def configured() -> int:
        with orgconn.connect("us", config=path) as client:
            return len(client.customer_values(stable_key="webhook-signing"))

    text = (f'[tenants.us]\nurl = "{fresh_sandbox.stack_url("us")}"\n'
            f'token = "{fresh_sandbox.token("us")}"\n')
    path = fresh_sandbox.data_dir / "orgconn.toml"
    path.write_text(text)
    before = configured()

    run = executed("values-from-a-dataframe", text)

    said = run.outputs_text()
    assert "orgconn: tenants us from" in said and "embedded sandbox" not in said
    assert "Set apply=True to write." in said and "Dry run only: set APPLY = True" in said
    assert "Applying" not in said and configured() == before

"""Values from a DataFrame: the bulk upload's plan and apply, with its role check and audit."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import orgconn
from orgconn.errors import OrgconnError
from orgconn.notebook.values import _in_worker, as_upload
from orgconn.services.access import AccessDenied
from orgconn.services.bulk import Progress
from orgconn.store import open_store

SECRETS = ["nb-secret-0001", "nb-secret-0002"]


def _configure(box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str = "operator",
               protected: bool = False) -> str:
    """ORGCONN_CONFIG names a file with tenant us of ``box``; returns the store's URL."""
    store = f"sqlite:///{tmp_path / 'store.db'}"
    (tmp_path / "orgconn.toml").write_text(
        f'database_url = "{store}"\nfingerprint_key = "k"\n[access]\nlocal_role = "{role}"\n'
        f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n'
        f"protected = {str(protected).lower()}\n")
    monkeypatch.setenv("ORGCONN_CONFIG", str(tmp_path / "orgconn.toml"))
    return store


def _values() -> pd.DataFrame:
    """The two us customers lacking acme-api-key values, given keys; one unknown customer."""
    missing = orgconn.values_template("acme-api-key", "us")
    assert len(missing) == 2
    return pd.DataFrame({"external_id": [*missing["external_id"], "nobody"],
                         "apiKey": [*SECRETS, "nb-secret-0003"],
                         "timeoutSeconds": [45.0, None, 10]}, index=["a", "b", "c"])


def _configured(box) -> int:
    with orgconn.connect("us") as client:
        return len(client.customer_values(stable_key="acme-api-key"))


def test_a_dataframe_becomes_the_csv_the_bulk_upload_reads():
    frame = pd.DataFrame({"external_id": ["x", "=cmd"], "flag": [True, False],
                          "port": [22.0, float("nan")]})
    text = as_upload(frame).decode("utf-8-sig")
    assert text.splitlines() == ["external_id,flag,port", "x,true,22", "'=cmd,false,"]
    assert as_upload(frame) == as_upload(frame.copy())  # same frame, same job


def test_planning_sends_nothing_and_names_each_rows_action_and_problem(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _configure(fresh_sandbox, tmp_path, monkeypatch, role="viewer")  # a dry run only reads
    before = _configured(fresh_sandbox)

    plan = orgconn.plan_values(_values(), "acme-api-key", "us")

    assert not plan.applied and plan.totals["create"] == 2 and plan.totals["invalid"] == 1
    rows = plan.plan.set_index("index")
    assert list(rows["action"]) == ["create", "create", "invalid"]
    assert "apiKey (secret set)" in rows.loc["a", "changes"] and "nobody" in rows.loc["c",
                                                                                       "message"]
    assert len(plan.problems) == 1 and _configured(fresh_sandbox) == before
    shown = plan.plan.to_csv() + plan.problems.to_csv() + plan.summary + plan._repr_html_()
    assert not any(s in shown for s in SECRETS)


def test_apply_values_without_apply_is_the_dry_run(fresh_sandbox, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch):
    store = _configure(fresh_sandbox, tmp_path, monkeypatch)
    before = _configured(fresh_sandbox)

    result = orgconn.apply_values(_values(), "acme-api-key", "us", valid_only=True)

    assert not result.applied and result.summary.endswith("Set apply=True to write.")
    assert _configured(fresh_sandbox) == before
    with open_store(store) as opened:
        assert opened.audit() == []


def test_apply_values_writes_as_a_bulk_job_with_one_audit_row_per_customer(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = _configure(fresh_sandbox, tmp_path, monkeypatch)
    before = _configured(fresh_sandbox)
    values = _values()

    result = orgconn.apply_values(values, "acme-api-key", "us", apply=True, valid_only=True,
                                  progress=False)

    assert result.applied and _configured(fresh_sandbox) == before + 2
    report = result.report.set_index("index")
    assert list(report["outcome"]) == ["done", "done", "skipped"]
    with open_store(store) as opened:
        rows = opened.audit()
    assert sorted((r.action, r.source, r.job_id) for r in rows) == [
        ("create_customer_values", "bulk", result.job_id)] * 2
    written = " ".join(r.model_dump_json() for r in rows) + result.report.to_csv()
    assert not any(s in written for s in SECRETS)
    again = orgconn.plan_values(values, "acme-api-key", "us", valid_only=True)
    assert again.totals["unchanged"] == 2 and again.totals["create"] == 0


def test_an_editor_may_plan_values_but_not_apply_them_and_the_refusal_is_audited(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = _configure(fresh_sandbox, tmp_path, monkeypatch, role="editor")
    before = _configured(fresh_sandbox)
    assert orgconn.plan_values(_values(), "acme-api-key", "us").totals["create"] == 2
    with pytest.raises(AccessDenied, match="editor"):
        orgconn.apply_values(_values(), "acme-api-key", "us", apply=True, valid_only=True)
    assert _configured(fresh_sandbox) == before
    with open_store(store) as opened:
        [refused] = opened.audit()
    assert refused.action == "bulk_apply" and refused.outcome.startswith("failed")


def test_a_protected_tenant_needs_its_name_typed_to_apply_values(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _configure(fresh_sandbox, tmp_path, monkeypatch, protected=True)
    before = _configured(fresh_sandbox)
    with pytest.raises(AccessDenied, match="us"):
        orgconn.apply_values(_values(), "acme-api-key", "us", apply=True, valid_only=True)
    assert _configured(fresh_sandbox) == before

    orgconn.apply_values(_values(), "acme-api-key", "us", apply=True, valid_only=True,
                         confirm_tenant="us", progress=False)
    assert _configured(fresh_sandbox) == before + 2


def test_in_a_running_event_loop_the_apply_runs_in_a_worker_and_its_progress_shows_here():
    """A notebook cell runs inside the kernel's loop, where the apply's own loop cannot."""
    shown: list[tuple[int, int]] = []
    workers: list[int] = []

    def apply(on_progress):
        asyncio.run(asyncio.sleep(0))  # would raise in the calling thread: a loop is running
        workers.append(threading.get_ident())
        for created in (1, 2):
            on_progress(Progress(total=2, created=created))
        return "applied"

    async def cell():
        return _in_worker(apply, lambda p: shown.append((threading.get_ident(), p.created)))

    assert asyncio.run(cell()) == "applied"
    here = threading.get_ident()
    assert shown == [(here, 1), (here, 2)] and workers != [here]


def test_an_error_of_the_apply_in_its_worker_is_raised_in_the_cell():
    def apply(on_progress):
        raise AccessDenied("editor may not bulk apply")

    async def cell():
        return _in_worker(apply, lambda p: None)

    with pytest.raises(AccessDenied, match="editor"):
        asyncio.run(cell())


def test_a_template_of_an_unknown_connection_names_the_connections_there(
        sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _configure(sandbox, tmp_path, monkeypatch, role="viewer")
    with pytest.raises(OrgconnError, match=r"nope is not an org-activated connection of us "
                                           r"\(its connections: .*acme-api-key"):
        orgconn.values_template("nope", "us")


def test_interrupting_the_cell_stops_the_apply_at_its_next_progress_report():
    sent: list[int] = []

    def apply(on_progress):
        for row in range(1, 101):
            time.sleep(0.01)
            on_progress(Progress(total=100, created=row))  # raises once interrupted
            sent.append(row)
        return "applied"

    def show(progress: Progress) -> None:
        if progress.created == 3:
            raise KeyboardInterrupt  # what the kernel's interrupt raises in the cell

    async def cell():
        return _in_worker(apply, show)

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(cell())
    assert 3 <= len(sent) < 100

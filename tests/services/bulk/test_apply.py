"""Applying files to a fresh sandbox: writes, audit rows, resuming, refusing, twice = unchanged.

Each test reads what the tenant holds with `PrismaticClient` afterwards: the figures checked
come from the tenant and the store, not from the apply's own answer.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from orgconn.client import AsyncPrismaticClient, Limits, PrismaticClient, RetryPolicy
from orgconn.config import TenantConfig
from orgconn.models import TenantData
from orgconn.sandbox import RunningSandbox
from orgconn.services import bulk
from orgconn.services.access import AccessDenied, Actor, Role
from orgconn.services.bulk import send as bulk_send
from orgconn.store import AuditFilter, BulkJob, BulkOptions, Store, open_store
from tests.edit_support import async_clients

SECRET = "canary-bulk-apply-Wk3"
OPTIONS = BulkOptions(connection="customer-warehouse")
OPERATOR = Actor("ops@example.com", Role.OPERATOR)
KEY = b"bulk-test-key"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def tenant(box: RunningSandbox, *, protected: bool = False) -> TenantConfig:
    return TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"),
                        protected=protected)


def read(box: RunningSandbox) -> TenantData:
    with PrismaticClient(tenant(box)) as client:
        return client.read_tenant(["customer-warehouse"])


def filled_template(box: RunningSandbox) -> tuple[str, bytes, pd.DataFrame]:
    """The customers lacking warehouse values, each given a host, port, user and password."""
    state = read(box)
    frame = bulk.template_frame(state.connections[0], state, missing_only=True)
    frame = frame.assign(host=[f"db{n}.example.com" for n in range(len(frame))], port="5432",
                         database="app", username="loader", password=SECRET)
    return "warehouse.csv", bulk.template_bytes(frame, "csv"), frame


def warehouse_values(box: RunningSandbox) -> dict[str, dict[str, str]]:
    """Each customer's warehouse values as the tenant holds them now."""
    return {v.customer.external_id or "": {k: i.secret_value() for k, i in v.values.items()}
            for v in read(box).customer_values if v.customer}


def ok_audit_rows(store: Store) -> Counter[str]:
    """How many successful writes the audit log holds per customer."""
    return Counter(e.customer_external_id or "" for e in store.audit(
        AuditFilter(source="bulk", outcome="ok"), limit=None))


def test_applying_a_file_writes_every_row_once_with_an_audit_row_and_no_secret_anywhere(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    seen: list[bulk.Progress] = []

    result = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                               store=store, key=KEY, on_progress=seen.append,
                               open_client=async_clients(tenant(fresh_sandbox)))

    written = warehouse_values(fresh_sandbox)
    for row in frame.itertuples():
        assert written[row.external_id]["host"] == row.host
        assert written[row.external_id]["password"] == SECRET
    assert result.job.status == "done" and not result.resumed
    assert result.summary.outcomes["done"] == len(frame)
    assert ok_audit_rows(store) == Counter(frame["external_id"])
    assert [p.finished for p in seen] == list(range(1, len(frame) + 1))
    assert seen[-1].created == len(frame)
    report = bulk.report_frame(store, result.job.id)
    audit = store.audit_frame(AuditFilter(job_id=result.job.id))
    assert set(report["outcome"]) == {"done"} and set(audit["source"]) == {"bulk"}
    for text in (report.to_csv(), audit.to_csv(), bulk.report_csv(report).decode("utf-8-sig")):
        assert SECRET not in text


def test_an_apply_writes_through_the_client_its_caller_opens_sized_for_its_concurrency(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    runtime_opens = async_clients(tenant(fresh_sandbox))
    opened: list[tuple[str, Limits | None, RetryPolicy | None]] = []

    def open_client(name: str, *, limits: Limits | None = None,
                    retry: RetryPolicy | None = None) -> AsyncPrismaticClient:
        opened.append((name, limits, retry))
        return runtime_opens(name, limits=limits, retry=retry)

    result = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                               store=store, key=KEY, open_client=open_client, concurrency=3,
                               retry=RetryPolicy(attempts=2))

    assert result.summary.outcomes["done"] == len(frame)
    ((tenant_name, limits, retry),) = opened  # one client for the whole apply, none of its own
    assert tenant_name == "us" and retry == RetryPolicy(attempts=2)
    assert limits is not None and limits.max_concurrency == limits.max_connections == 3


def test_applying_the_same_file_twice_changes_nothing_the_second_time(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                      store=store, key=KEY, open_client=async_clients(tenant(fresh_sandbox)))
    before = read(fresh_sandbox)

    again = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                              store=store, key=KEY,
                              open_client=async_clients(tenant(fresh_sandbox)))

    assert again.summary.planned["unchanged"] == len(frame)
    assert again.summary.outcomes["skipped"] == len(frame) and again.progress.total == 0
    assert read(fresh_sandbox) == before
    assert ok_audit_rows(store) == Counter(frame["external_id"])


def interrupted_apply(box: RunningSandbox, store: Store, name: str, content: bytes, *,
                      after: int, **knobs: int) -> BulkJob:
    """Apply ``content`` until ``after`` rows are finished, then stop as a closed tab does."""
    def stop(progress: bulk.Progress) -> None:
        if progress.finished == after:
            raise KeyboardInterrupt("the tab was closed")

    with pytest.raises(KeyboardInterrupt):
        bulk.apply_upload(tenant(box), name, content, OPTIONS, actor=OPERATOR, store=store,
                          key=KEY, on_progress=stop, **knobs,
                          open_client=async_clients(tenant(box)))
    job = store.find_job("us", bulk.file_sha256(content), OPTIONS)
    assert job is not None
    return job


def test_an_interrupted_apply_continues_where_it_stopped_and_writes_nothing_twice(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    job = interrupted_apply(fresh_sandbox, store, name, content, after=5)
    assert job.status == "interrupted"
    stopped = store.job_summary(job.id)
    assert stopped.outcomes["done"] == 5 and stopped.outcomes["pending"] == len(frame) - 5

    resumed = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                                store=store, key=KEY,
                                open_client=async_clients(tenant(fresh_sandbox)))

    assert resumed.resumed and resumed.job.id == job.id and resumed.job.status == "done"
    assert resumed.progress.earlier == 5 and resumed.progress.total == len(frame) - 5
    assert resumed.summary.outcomes["done"] == len(frame)
    assert ok_audit_rows(store) == Counter(frame["external_id"])
    assert all(warehouse_values(fresh_sandbox)[e]["password"] == SECRET
               for e in frame["external_id"])


def test_an_apply_interrupted_before_its_job_held_every_row_stores_the_rest_on_resume(
        fresh_sandbox: RunningSandbox, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # rows are stored as the apply reaches them, a block at a time: here blocks of 2
    monkeypatch.setattr(bulk_send, "BATCH", 2)
    name, content, frame = filled_template(fresh_sandbox)
    job = interrupted_apply(fresh_sandbox, store, name, content, after=3, concurrency=1,
                            batch_size=1)
    assert job.status == "interrupted" and job.row_count == len(frame)
    assert len(store.job_rows(job.id)) < len(frame)  # the rest was never stored
    stopped = store.job_summary(job.id)
    assert stopped.outcomes["done"] == 3 and stopped.outcomes["pending"] == len(frame) - 3
    assert "not sent yet" in bulk.describe_summary(stopped)

    resumed = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                                store=store, key=KEY,
                                open_client=async_clients(tenant(fresh_sandbox)))

    assert resumed.resumed and resumed.job.status == "done"
    assert resumed.progress.earlier == 3 and resumed.progress.total == len(frame) - 3
    assert sorted(r.row_number for r in store.job_rows(job.id)) == list(
        range(2, len(frame) + 2))
    assert resumed.summary.outcomes["done"] == len(frame)
    assert ok_audit_rows(store) == Counter(frame["external_id"])


def test_writes_whose_outcome_was_never_recorded_are_found_applied_on_resume(
        fresh_sandbox: RunningSandbox, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    name, content, frame = filled_template(fresh_sandbox)

    def crash(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the server crashed")

    with monkeypatch.context() as patched:
        patched.setattr(store, "mark_rows", crash)
        with pytest.raises(RuntimeError, match="crashed"):
            bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                              store=store, key=KEY,
                              open_client=async_clients(tenant(fresh_sandbox)))
    job = store.find_job("us", bulk.file_sha256(content), OPTIONS)
    assert job is not None and store.job_summary(job.id).outcomes["done"] == 0

    resumed = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                                store=store, key=KEY,
                                open_client=async_clients(tenant(fresh_sandbox)))

    report = bulk.report_frame(store, resumed.job.id)
    found = report[report["message"].str.startswith("already applied")]
    assert len(found) > 0 and set(report["outcome"]) == {"done"}
    assert ok_audit_rows(store) == Counter(frame["external_id"])


def test_a_file_with_problems_sends_nothing_and_keeps_no_job(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    before = read(fresh_sandbox)
    content = b"external_id,host,ssl\nmy-external-id,db.example.com,maybe\n"

    with pytest.raises(bulk.BulkFileError, match=r"1 bad type\. Nothing was sent") as raised:
        bulk.apply_upload(tenant(fresh_sandbox), "bad.csv", content, OPTIONS, actor=OPERATOR,
                          store=store, key=KEY, open_client=async_clients(tenant(fresh_sandbox)))

    assert [i.column for i in raised.value.issues] == ["ssl"]
    assert read(fresh_sandbox) == before and store.list_jobs() == []


def test_valid_only_applies_the_valid_rows_and_reports_the_others_as_left_out(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    content += b"nobody-by-that-id,,h,5432,app,u,x,,\n"
    options = BulkOptions(connection="customer-warehouse", valid_only=True)

    result = bulk.apply_upload(tenant(fresh_sandbox), name, content, options, actor=OPERATOR,
                               store=store, key=KEY,
                               open_client=async_clients(tenant(fresh_sandbox)))

    assert result.summary.outcomes["done"] == len(frame)
    assert result.summary.planned["invalid"] == 1 and result.job.status == "done"
    report = bulk.report_frame(store, result.job.id).set_index("external_id")
    assert report.loc["nobody-by-that-id", "outcome"] == "skipped"
    assert "no customer of us" in report.loc["nobody-by-that-id", "message"]


def test_an_editor_may_not_apply_and_a_protected_tenant_needs_its_name_typed(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    guarded = tenant(fresh_sandbox, protected=True)

    with pytest.raises(AccessDenied, match="operator role"):
        bulk.apply_upload(guarded, name, content, OPTIONS, store=store, key=KEY,
                          actor=Actor("cs@example.com", Role.EDITOR), confirmation="us",
                          open_client=async_clients(guarded))
    with pytest.raises(AccessDenied, match="type its name"):
        bulk.apply_upload(guarded, name, content, OPTIONS, actor=OPERATOR, store=store,
                          key=KEY, confirmation="eu", open_client=async_clients(guarded))
    assert store.list_jobs() == []

    result = bulk.apply_upload(guarded, name, content, OPTIONS, actor=OPERATOR, store=store,
                               key=KEY, confirmation="us", open_client=async_clients(guarded))
    assert result.summary.outcomes["done"] == len(frame)


def test_the_dry_run_reads_the_tenant_and_writes_nothing(sandbox: RunningSandbox) -> None:
    name, content, frame = filled_template(sandbox)
    before = read(sandbox)

    with PrismaticClient(tenant(sandbox)) as client:
        plan = bulk.check_upload(client, name, content, OPTIONS)

    assert plan.totals()["create"] == len(frame) and not plan.issues
    assert read(sandbox) == before


def test_an_apply_leaves_the_garbage_collector_to_the_process_that_runs_it(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, _ = filled_template(fresh_sandbox)
    before = (gc.get_freeze_count(), gc.get_threshold(), gc.isenabled())
    seen: set[tuple[int, tuple[int, int, int], bool]] = set()

    def note_gc(progress: bulk.Progress) -> None:
        seen.add((gc.get_freeze_count(), gc.get_threshold(), gc.isenabled()))

    bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                      store=store, key=KEY, on_progress=note_gc,
                      open_client=async_clients(tenant(fresh_sandbox)))
    assert seen == {before}  # a service shares its process (a server's): it tunes nothing


def test_the_page_reads_a_finished_job_and_finds_no_earlier_job_to_continue(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    name, content, frame = filled_template(fresh_sandbox)
    result = bulk.apply_upload(tenant(fresh_sandbox), name, content, OPTIONS, actor=OPERATOR,
                               store=store, key=KEY,
                               open_client=async_clients(tenant(fresh_sandbox)))

    job, summary = bulk.job_outcome(store, result.job.id)

    assert (job.id, job.status, summary.outcomes["done"]) == (result.job.id, "done", len(frame))
    assert bulk.earlier_job(store, "us", job.file_sha256, OPTIONS) is None

"""Bulk jobs: creation with planned rows, resuming, idempotent outcomes, summaries, threads."""

from __future__ import annotations

import hashlib
import threading

import pytest

from orgconn.secrets import fingerprint
from orgconn.store import (
    ROW_COLUMNS,
    AuditEntry,
    AuditFilter,
    BulkJob,
    BulkOptions,
    ChangedInput,
    NotFoundError,
    PlannedAction,
    PlannedRow,
    RowAlreadyFinishedError,
    RowResult,
    Store,
)
from orgconn.store.records import changed_inputs_from_json, changed_inputs_to_json

SHA = hashlib.sha256(b"external_id,host\nc1,db1\n").hexdigest()
ACTIONS: list[PlannedAction] = ["create", "update", "unchanged", "skip", "invalid"]


def _rows(count: int) -> list[PlannedRow]:
    """Rows 2..count+1 (row 1 is the header), cycling through every planned action."""
    return [PlannedRow(row_number=n + 2, stable_key="crm", customer_external_id=f"c{n}",
                       action=ACTIONS[n % len(ACTIONS)],
                       changed_inputs=(ChangedInput.plain("host"),
                                       ChangedInput.secret_input("password",
                                                                 fingerprint(f"pw{n}", b"k"))))
            for n in range(count)]


def _job(store: Store, rows: list[PlannedRow], options: BulkOptions | None = None,
         sha: str = SHA) -> BulkJob:
    return store.create_job(tenant="acme", actor="cs@example.com", file_name="crm.csv",
                            file_sha256=sha, options=options or BulkOptions(), rows=rows)


def test_a_new_job_holds_its_rows_with_sendable_ones_pending(store: Store) -> None:
    job = _job(store, _rows(10))
    assert (job.status, job.row_count, job.file_name) == ("planned", 10, "crm.csv")
    rows = store.job_rows(job.id)
    assert [r.row_number for r in rows] == list(range(2, 12))
    assert {r.planned_action: r.outcome for r in rows} == {
        "create": "pending", "update": "pending", "unchanged": "skipped", "skip": "skipped",
        "invalid": "skipped"}
    assert rows[0].changed_inputs == _rows(1)[0].changed_inputs
    assert [r.row_number for r in store.pending_rows(job.id)] == [
        r.row_number for r in rows if r.planned_action in ("create", "update")]


def test_a_job_announced_larger_holds_its_rows_as_they_are_added(store: Store) -> None:
    rows = _rows(10)
    job = store.create_job(tenant="acme", actor="cs@example.com", file_name="crm.csv",
                           file_sha256=SHA, options=BulkOptions(), rows=rows[:4], row_count=10)
    assert job.row_count == 10 and len(store.job_rows(job.id)) == 4
    # rows not stored yet are pending: the job is not finished without them
    assert store.job_summary(job.id).outcomes["pending"] == 6 + sum(
        r.action in ("create", "update") for r in rows[:4])
    assert store.finish_job(job.id).status == "interrupted"

    store.add_job_rows(job.id, list(reversed(rows[6:])))
    with pytest.raises(ValueError, match="stored already"):
        store.add_job_rows(job.id, rows[4:5] + rows[2:3])
    assert len(store.job_rows(job.id)) == 8  # a refused addition adds nothing
    store.add_job_rows(job.id, rows[4:6])
    assert [r.row_number for r in store.job_rows(job.id)] == [r.row_number for r in rows]
    whole = _job(store, rows, sha=hashlib.sha256(b"other").hexdigest())
    assert _kept(store, job) == _kept(store, whole)  # as if stored at once
    with pytest.raises(ValueError, match="too many"):
        store.add_job_rows(job.id, [rows[0].model_copy(update={"row_number": 99})])
    assert len(store.job_rows(job.id)) == 10  # a refused addition adds nothing
    with pytest.raises(ValueError, match="smaller"):
        store.create_job(tenant="acme", actor="a", file_name="f.csv", file_sha256=SHA,
                         options=BulkOptions(), rows=rows, row_count=3)


def _kept(store: Store, job: BulkJob) -> list[dict[str, object]]:
    """What a job holds of each row, but its id and times."""
    return [r.model_dump(exclude={"job_id", "updated_at"}) for r in store.job_rows(job.id)]


def test_a_job_whose_rows_repeat_a_number_is_refused_and_not_created(store: Store) -> None:
    rows = _rows(3)
    with pytest.raises(ValueError, match=r"repeated: \[3\]"):
        _job(store, [*rows, rows[1]])
    assert store.list_jobs() == []


def test_an_unfinished_job_is_found_again_for_the_same_file_and_options(store: Store) -> None:
    job = _job(store, _rows(4), BulkOptions(overwrite=True))
    assert store.find_job("acme", SHA, BulkOptions(overwrite=True)) == job
    assert store.find_job("acme", SHA, BulkOptions()) is None
    assert store.find_job("globex", SHA, BulkOptions(overwrite=True)) is None
    assert store.find_job("acme", "0" * 64, BulkOptions(overwrite=True)) is None


def test_a_finished_job_is_not_resumed_but_can_still_be_found(store: Store) -> None:
    job = _job(store, _rows(3))
    for row in store.pending_rows(job.id):
        store.mark_row(job.id, row.row_number, "done")
    assert store.finish_job(job.id).status == "done"
    assert store.find_job("acme", SHA, BulkOptions()) is None
    found = store.find_job("acme", SHA, BulkOptions(), unfinished_only=False)
    assert found is not None and found.id == job.id


def test_resuming_an_interrupted_job_continues_where_it_stopped(store: Store) -> None:
    job = _job(store, _rows(20))
    store.set_job_status(job.id, "running")
    first_pass = store.pending_rows(job.id)
    for row in first_pass[:5]:  # the apply stops after five rows
        store.start_row(job.id, row.row_number)
        store.mark_row(job.id, row.row_number, "done", "updated")
    store.start_row(job.id, first_pass[5].row_number)  # sent, but the outcome never arrived

    assert store.finish_job(job.id).status == "interrupted"
    resumed = store.find_job("acme", SHA, BulkOptions())
    assert resumed is not None and resumed.id == job.id
    remaining = store.pending_rows(job.id)
    assert [r.row_number for r in remaining] == [r.row_number for r in first_pass[5:]]
    assert remaining[0].attempts == 1


def test_failed_rows_are_tried_again_on_resume_unless_told_not_to(store: Store) -> None:
    job = _job(store, _rows(5))
    create, update = (r.row_number for r in store.pending_rows(job.id))
    store.mark_row(job.id, create, "done")
    store.mark_row(job.id, update, "failed", "the tenant answered 503 three times")
    assert store.finish_job(job.id).status == "failed"
    assert [r.row_number for r in store.pending_rows(job.id)] == [update]
    assert store.pending_rows(job.id, retry_failed=False) == []
    assert store.find_job("acme", SHA, BulkOptions()) is not None


def test_marking_a_row_twice_the_same_way_changes_nothing(store: Store) -> None:
    job = _job(store, _rows(1))
    store.start_row(job.id, 2)
    first = store.mark_row(job.id, 2, "done", "created")
    again = store.mark_row(job.id, 2, "done", "created")
    assert first == again
    assert (again.outcome, again.attempts, again.message) == ("done", 1, "created")
    assert store.job_summary(job.id).outcomes["done"] == 1


def test_a_done_row_never_changes_again(store: Store) -> None:
    job = _job(store, _rows(1))
    store.mark_row(job.id, 2, "done", "created")
    with pytest.raises(RowAlreadyFinishedError, match="already done"):
        store.mark_row(job.id, 2, "failed", "late timeout")
    with pytest.raises(RowAlreadyFinishedError):
        store.start_row(job.id, 2)
    assert store.mark_row(job.id, 2, "done", "a later message").message == "created"
    assert store.job_rows(job.id)[0].outcome == "done"


def test_a_failed_row_can_still_succeed_and_counts_its_attempts(store: Store) -> None:
    job = _job(store, _rows(1))
    for attempt in (1, 2):
        assert store.start_row(job.id, 2) == attempt
        store.mark_row(job.id, 2, "failed", f"timeout {attempt}")
    assert store.start_row(job.id, 2) == 3
    row = store.mark_row(job.id, 2, "done", "created")
    assert (row.outcome, row.attempts, row.message) == ("done", 3, "created")


def test_unknown_jobs_and_rows_are_named_in_the_error(store: Store) -> None:
    job = _job(store, _rows(1))
    with pytest.raises(NotFoundError, match="no row 99"):
        store.mark_row(job.id, 99, "done")
    with pytest.raises(NotFoundError, match=f"no bulk job {job.id + 1}"):
        store.get_job(job.id + 1)
    with pytest.raises(NotFoundError):
        store.pending_rows(job.id + 1)


def test_the_summary_counts_rows_by_plan_and_by_outcome(store: Store) -> None:
    job = _job(store, _rows(12))
    pending = store.pending_rows(job.id)
    store.mark_row(job.id, pending[0].row_number, "done")
    store.mark_row(job.id, pending[1].row_number, "failed", "bad value")
    summary = store.job_summary(job.id)
    assert summary.total == 12
    assert summary.planned == {"create": 3, "update": 3, "unchanged": 2, "skip": 2,
                               "invalid": 2}
    assert summary.outcomes == {"pending": 4, "done": 1, "failed": 1, "skipped": 6}
    assert not summary.finished


def test_the_report_frame_has_every_row_and_no_secret(store: Store) -> None:
    job = _job(store, _rows(3))
    store.mark_row(job.id, 2, "done", "created")
    frame = store.job_rows_frame(job.id)
    assert list(frame.columns) == ROW_COLUMNS
    assert frame["row_number"].tolist() == [2, 3, 4]
    assert frame["outcome"].tolist() == ["done", "pending", "skipped"]
    assert frame.loc[0, "changed_inputs"] == f"host, password (secret {fingerprint('pw0', b'k')})"
    assert "pw0" not in frame.to_csv().replace(fingerprint("pw0", b"k"), "")


def test_jobs_are_listed_newest_first_per_tenant(store: Store) -> None:
    older = _job(store, _rows(1))
    newer = _job(store, _rows(1), sha="1" * 64)
    store.create_job(tenant="globex", actor="x@example.com", file_name="g.csv",
                     file_sha256=SHA, options=BulkOptions(), rows=[])
    assert [j.id for j in store.list_jobs("acme")] == [newer.id, older.id]
    assert len(store.list_jobs()) == 3


def test_rows_marked_from_many_threads_each_end_done_exactly_once(store: Store) -> None:
    rows = [PlannedRow(row_number=n, stable_key="crm", customer_external_id=f"c{n}",
                       action="update") for n in range(1, 241)]
    job = _job(store, rows)
    numbers = [r.row_number for r in store.pending_rows(job.id)]
    errors: list[BaseException] = []

    def work(share: list[int]) -> None:
        try:
            for number in share:
                store.start_row(job.id, number)
                store.mark_row(job.id, number, "done", "updated")
                store.mark_row(job.id, number, "done", "updated")  # a retried acknowledgement
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(numbers[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    summary = store.job_summary(job.id)
    assert summary.outcomes["done"] == 240 and summary.finished
    assert {r.attempts for r in store.job_rows(job.id)} == {1}
    assert store.finish_job(job.id).status == "done"


def test_a_batch_of_starts_skips_the_rows_that_must_not_be_sent(store: Store) -> None:
    job = _job(store, _rows(5))  # rows 2 create, 3 update, 4-6 skipped
    store.mark_row(job.id, 2, "done")
    assert store.start_rows(job.id, [2, 3, 4]) == {3: 1}
    assert store.start_rows(job.id, [3]) == {3: 2}
    with pytest.raises(ValueError, match=r"repeated: \[3\]"):
        store.start_rows(job.id, [3, 3])


def test_a_batch_of_outcomes_is_recorded_once_and_repeating_it_changes_nothing(
        store: Store) -> None:
    rows = [PlannedRow(row_number=n, stable_key="crm", customer_external_id=f"c{n}",
                       action="create") for n in range(1, 1201)]
    job = _job(store, rows)
    results = [RowResult(row_number=n, outcome="done" if n % 3 else "failed",
                         message="created" if n % 3 else "bad port") for n in range(1, 1201)]
    assert store.mark_rows(job.id, results) == 1200
    assert store.mark_rows(job.id, results) == 0
    summary = store.job_summary(job.id)
    assert (summary.outcomes["done"], summary.outcomes["failed"]) == (800, 400)
    assert store.job_rows(job.id)[2].message == "bad port"


def test_a_batch_that_would_undo_a_done_row_records_nothing(store: Store) -> None:
    job = _job(store, _rows(2))  # rows 2 (create) and 3 (update) are pending
    store.mark_row(job.id, 2, "done")
    with pytest.raises(RowAlreadyFinishedError, match="row 2"):
        store.mark_rows(job.id, [RowResult(row_number=3, outcome="done"),
                                 RowResult(row_number=2, outcome="failed", message="late")])
    assert [r.outcome for r in store.job_rows(job.id)] == ["done", "pending"]
    with pytest.raises(NotFoundError, match="no row 77"):
        store.mark_rows(job.id, [RowResult(row_number=3, outcome="done"),
                                 RowResult(row_number=77, outcome="done")])
    assert store.job_rows(job.id)[1].outcome == "pending"


def test_outcomes_and_their_audit_entries_are_recorded_together_or_not_at_all(
        store: Store) -> None:
    job = _job(store, _rows(2))

    def audit(row_number: int) -> AuditEntry:
        return AuditEntry(actor="cs@example.com", tenant="acme", action="bulk_apply",
                          stable_key="crm", customer_external_id=f"c{row_number}",
                          outcome="ok", source="bulk", job_id=job.id)

    store.mark_row(job.id, 2, "done")
    with pytest.raises(RowAlreadyFinishedError):
        store.mark_rows(job.id, [RowResult(row_number=3, outcome="done"),
                                 RowResult(row_number=2, outcome="failed")],
                        audit=[audit(3), audit(2)])
    assert store.audit(AuditFilter(job_id=job.id)) == []
    assert store.mark_rows(job.id, [RowResult(row_number=3, outcome="done")],
                           audit=[audit(3)]) == 1
    assert [e.customer_external_id for e in store.audit(AuditFilter(job_id=job.id))] == ["c3"]


def test_a_batch_records_every_one_of_its_audit_entries_with_their_changed_inputs(
        store: Store) -> None:
    rows = _rows(60)
    job = _job(store, rows)
    entries = [AuditEntry(actor="cs@example.com", tenant="acme", action="bulk_apply",
                          stable_key="crm", customer_external_id=r.customer_external_id,
                          changed_inputs=r.changed_inputs, outcome="ok", source="bulk",
                          detail=f"row {r.row_number}", job_id=job.id) for r in rows]

    store.mark_rows(job.id, [RowResult(row_number=r.row_number, outcome="done") for r in rows
                             if r.action in ("create", "update")], audit=entries)

    recorded = store.audit(AuditFilter(job_id=job.id), limit=None)
    assert sorted((e.customer_external_id, e.changed_inputs, e.detail) for e in recorded) == \
        sorted((e.customer_external_id, e.changed_inputs, e.detail) for e in entries)


def test_changed_inputs_are_kept_as_their_model_dump() -> None:
    changed = (ChangedInput.plain("host"), ChangedInput.secret_input("password", "0123456789ab"),
               ChangedInput.secret_input("token", None))
    assert changed_inputs_to_json(changed) == [c.model_dump() for c in changed]
    assert changed_inputs_from_json(changed_inputs_to_json(changed)) == changed

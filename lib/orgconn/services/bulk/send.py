"""Sending a job's rows: batches of writes in flight, outcomes recorded as they come.

`JobRun.send_all` takes the job's rows still to send, counts an attempt for each block of
`BATCH` rows in the store (``start_rows``; a row the job does not hold yet, a `PlanRow`, is
stored first, in the same block: a new job's rows are stored as the apply reaches them, while
the tenant answers the rows before), and keeps ``concurrency`` requests in flight, each writing
up to a batch of rows of one kind, all creates or all updates (a full batch of either kind goes
first; the client's `write_values_batch`, see `orgconn.client.batch`), holding the store's
write locks of its rows' values (`Store.lock_values`: a ``set`` or another job writing the
same customers waits; a row whose locks stay taken over 30 s fails, to be tried again in the
next pass). Under those locks, before sending, the values of the batch's updates are read
again in one request (`ClientMethods.customer_values` by their IDs): a row whose values are no
longer those the plan saw (someone changed them since the file was checked: a ``set``, the web
app) is not sent and fails with `CHANGED_SINCE_PLAN`, audited like any failure and not tried
again, so bulk never silently overwrites a change it did not see; a create refused because
the customer has values now is the same conflict. A batch whose answer is
lost, or that fails as a whole, is never re-sent: each of its rows goes the client's safe way
(read back, then write only what is missing). Outcomes and their audit rows are recorded
together with ``mark_rows`` every `BATCH` rows or `FLUSH_SECONDS`; after each row the progress
callback gets live counts. A row planned to write that the fresh plan finds unchanged was
written by an earlier attempt whose outcome was not recorded: it is done, with its audit row.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from orgconn.client import (
    AsyncPrismaticClient,
    AuthError,
    FieldError,
    HTTPStatusError,
    OrgconnError,
    OutcomeUnknownError,
    PayloadError,
    TransportError,
)
from orgconn.client.batch import WriteKind
from orgconn.services.access import Action, Actor
from orgconn.services.audit import AuditRow, entry
from orgconn.services.bulk.plan import BulkPlan, PlanRow, planned_row, row_changed_inputs
from orgconn.services.values.form import same_values
from orgconn.store import (
    AuditEntry,
    BulkJob,
    BulkRow,
    HeldLocks,
    LockTimeoutError,
    PlannedRow,
    RowResult,
    Store,
)
from orgconn.wording import plural

BATCH = 200  # rows started, and outcomes recorded, per store transaction (~1 ms each)
FLUSH_SECONDS = 0.5
ACTIONS = {"create": Action.CREATE_CUSTOMER_VALUES, "update": Action.UPDATE_CUSTOMER_VALUES}
CHANGED_SINCE_PLAN = ("changed by someone else since the file was checked; check again and "
                      "re-apply")


class ChangedSincePlanError(OrgconnError):
    """A row's values changed after the plan was made: the row was not sent (a conflict)."""


@dataclass(frozen=True)
class Progress:
    """Live counts of an apply: rows to send in this run and what became of them so far."""

    total: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    earlier: int = 0  # rows already finished by an earlier run of the same job

    @property
    def finished(self) -> int:
        """Rows of this run with an outcome (failed ones included)."""
        return self.created + self.updated + self.unchanged + self.failed

    @property
    def fraction(self) -> float:
        """How far this run is, from 0.0 to 1.0."""
        return 1.0 if not self.total else min(1.0, self.finished / self.total)

    def describe(self) -> str:
        """E.g. ``120 of 400 rows · 80 created · 38 updated · 2 unchanged · 0 failed``."""
        return (f"{self.finished:,} of {plural(self.total, 'row')} · {self.created:,} created · "
                f"{self.updated:,} updated · {self.unchanged:,} unchanged · "
                f"{self.failed:,} failed")


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class _Outcome:
    result: RowResult
    kind: str  # created, updated, unchanged, failed
    audit: AuditEntry | None = None
    retryable: bool = False


@dataclass(frozen=True)
class _Item:
    stored: BulkRow | PlannedRow
    attempt: int
    row: PlanRow | None

    @property
    def batchable(self) -> bool:
        return self.row is not None and self.row.action in ("create", "update")

    def request_kind(self, batch_size: int) -> str:
        """``create``/``update`` for a row sent in a batch of its kind, else ``one``."""
        return self.row.action if self.batchable and batch_size > 1 and self.row else "one"


def _release_when_taken(taking: asyncio.Future[HeldLocks]) -> None:
    if not taking.cancelled() and taking.exception() is None:
        taking.result().release()


class JobRun:
    """Sends one job's rows and records their outcomes in batches (see the module)."""

    def __init__(self, client: AsyncPrismaticClient, store: Store, job: BulkJob, actor: Actor,
                 key: bytes, on_progress: ProgressCallback | None, batch_size: int) -> None:
        self.client, self.store, self.job, self.actor, self.key = client, store, job, actor, key
        self.on_progress, self.batch_size = on_progress, batch_size
        self.results: list[RowResult] = []
        self.audit: list[AuditEntry] = []
        self.flushed_at = time.monotonic()
        self.kinds: dict[int, str] = {}
        self.counts: Counter[str] = Counter()
        self.retryable: set[int] = set()
        self.total = self.earlier = 0

    def begin(self, total: int, *, earlier: int) -> None:
        """Set the rows this run has to send and those finished by earlier runs."""
        self.total, self.earlier = total, earlier

    def progress(self) -> Progress:
        """The live counts so far."""
        c = self.counts
        return Progress(self.total, c["created"], c["updated"], c["unchanged"], c["failed"],
                        self.earlier)

    async def send_all(self, rows: list[BulkRow | PlanRow], plan: BulkPlan,
                       concurrency: int) -> None:
        """Send ``rows`` with ``concurrency`` requests in flight, each of up to a batch.

        A `PlanRow` is a row the job does not hold yet: it is stored (`planned_row`) just
        before its block is started.
        """
        planned = {r.row_number: r for r in plan.rows}
        waiting = deque(rows)
        # started rows by the request they go in: a batch is all creates or all updates, so
        # an update among creates waits for other updates instead of costing a request alone
        ready: dict[str, deque[_Item]] = {"create": deque(), "update": deque(), "one": deque()}

        def next_chunk() -> list[_Item]:
            while waiting and all(len(q) < self.batch_size for q in ready.values()):
                block = [waiting.popleft() for _ in range(min(BATCH, len(waiting)))]
                stored = [planned_row(r, self.key) if isinstance(r, PlanRow) else r
                          for r in block]
                self.store.add_job_rows(self.job.id, [r for r in stored
                                                      if isinstance(r, PlannedRow)])
                started = self.store.start_rows(self.job.id, [r.row_number for r in stored])
                for r in stored:
                    if r.row_number in started:
                        item = _Item(r, started[r.row_number], planned.get(r.row_number))
                        ready[item.request_kind(self.batch_size)].append(item)
            queue = max(ready.values(), key=len)
            return [queue.popleft() for _ in range(min(self.batch_size, len(queue)))]

        async def worker() -> None:
            while chunk := next_chunk():
                await self._send_chunk(chunk)

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
        self.flush()  # a row tried again in the next pass must not repeat within a batch

    async def _send_chunk(self, chunk: list[_Item]) -> None:
        """Send ``chunk`` holding its rows' write locks (a row that cannot get them fails, to
        be tried again in the next pass)."""
        values = [(i.stored.stable_key, i.stored.customer_external_id) for i in chunk]
        taking = asyncio.ensure_future(asyncio.to_thread(self.store.lock_values,
                                                         self.job.tenant, values))
        try:
            held = await asyncio.shield(taking)
        except LockTimeoutError as busy:
            for item in chunk:
                self._record(item.stored, self._failed(item, busy))
            return
        except asyncio.CancelledError:  # the thread may still get them: let them go then
            taking.add_done_callback(_release_when_taken)
            raise
        with held:
            await self._send_locked(chunk)

    async def _send_locked(self, chunk: list[_Item]) -> None:
        chunk = await self._unchanged_since_plan(chunk)
        if self.batch_size == 1:
            for item in chunk:
                self._record(item.stored, await self._send(item))
            return
        for item in chunk:
            if not item.batchable:
                self._record(item.stored, await self._send(item))
        for kind in ("create", "update"):
            items = [i for i in chunk if i.batchable and i.row and i.row.action == kind]
            if items:
                await self._send_batch(kind, items)

    async def _unchanged_since_plan(self, chunk: list[_Item]) -> list[_Item]:
        """The items of ``chunk`` to send: each update whose values, read again now (one
        request for the chunk, under its locks), are still those the plan saw. Each other
        update is recorded failed, not sent: as a conflict (`CHANGED_SINCE_PLAN`), or with
        the read's error when it could not be read."""
        updates = {i.row.current.id: i for i in chunk if i.row is not None
                   and i.row.action == "update" and i.row.current is not None}
        if not updates:
            return chunk
        try:
            now = {v.id: v for v in await self.client.customer_values(ids=list(updates),
                                                                      brief=True)}
        except OrgconnError as error:
            for item in updates.values():
                self._record(item.stored, self._failed(item, error))
            return [i for i in chunk if i.stored.row_number not in self._numbers(updates)]
        changed = {values_id: item for values_id, item in updates.items() if item.row
                   and not same_values(item.row.current, now.get(values_id))}
        for item in changed.values():
            self._record(item.stored, self._failed(item, ChangedSincePlanError(
                CHANGED_SINCE_PLAN)))
        return [i for i in chunk if i.stored.row_number not in self._numbers(changed)]

    async def _create_refused(self, item: _Item, refused: PayloadError) -> _Outcome:
        """A create the tenant refused: a conflict when the customer has values now (someone
        created them since the plan found none: they are kept), else the refusal itself."""
        row = item.row
        assert row is not None and row.connection is not None and row.customer is not None
        try:
            found = await self.client.customer_values(stable_key=row.connection.stable_key,
                                                      customer_id=row.customer.id, brief=True)
        except OrgconnError as error:
            return self._failed(item, error)
        return self._failed(item, ChangedSincePlanError(CHANGED_SINCE_PLAN) if found
                            else refused)

    @staticmethod
    def _numbers(items: dict[str, _Item]) -> set[int]:
        return {i.stored.row_number for i in items.values()}

    async def _send_batch(self, kind: WriteKind, items: list[_Item]) -> None:
        rows = [i.row for i in items if i.row is not None]
        try:
            answers = await self.client.write_values_batch(
                kind, rows, overwrite=self.job.options.overwrite)
        except AuthError as error:
            for item in items:
                self._record(item.stored, self._failed(item, error))
            return
        except OrgconnError:  # lost or refused as a whole: each row the client's safe way
            for item in items:
                self._record(item.stored, await self._send(item, read_first=True))
            return
        for item, answer in zip(items, answers, strict=True):
            if answer.written:
                self._record(item.stored, self._written(item, f"{kind}d"))
            elif kind == "create":
                self._record(item.stored, await self._create_refused(item, PayloadError(
                    "createCustomerConfigVariable", [FieldError("__all__", (answer.message,))])))
            else:
                self._record(item.stored, self._failed(item, PayloadError(
                    "updateCustomerConfigVariable", [FieldError("__all__", (answer.message,))])))

    def _entry(self, item: _Item, action: str, error: OrgconnError | None,
               detail: str = "") -> AuditEntry:
        """The audit row of one written row (`services.audit.entry`, stored by `flush`)."""
        stored, row = item.stored, item.row
        fresh = row is not None and row.action != stored.planned_action  # replanned on resume
        changed = row_changed_inputs(row, self.key) if fresh and row else stored.changed_inputs
        where = f"row {stored.row_number} of {self.job.file_name}"
        return entry(self.actor, self.job.tenant, AuditRow(
            ACTIONS.get(action, Action.BULK_APPLY), stored.stable_key,
            stored.customer_external_id, changed, f"{where}{': ' if detail else ''}{detail}"),
            error=error, source="bulk", job_id=self.job.id)

    def _written(self, item: _Item, kind: str, detail: str = "",
                 message: str | None = None) -> _Outcome:
        action = "create" if kind == "created" else "update"
        return _Outcome(RowResult(row_number=item.stored.row_number, outcome="done",
                                  message=message or kind),
                        kind, self._entry(item, action, None, detail))

    def _failed(self, item: _Item, error: OrgconnError) -> _Outcome:
        passing = isinstance(error, OutcomeUnknownError | TransportError | HTTPStatusError
                             | LockTimeoutError)
        action = item.row.action if item.row else item.stored.planned_action
        return _Outcome(RowResult(row_number=item.stored.row_number, outcome="failed",
                                  message=str(error)[:500]), "failed",
                        self._entry(item, action, error),
                        retryable=passing and not isinstance(error, AuthError))

    async def _send(self, item: _Item, *, read_first: bool = False) -> _Outcome:
        """One row the client's way; ``read_first`` after a batch whose fate is unknown."""
        number, row = item.stored.row_number, item.row
        if row is None or row.action == "invalid":
            why = row.message if row else "the row is no longer in the file"
            return _Outcome(RowResult(row_number=number, outcome="failed", message=why[:500]),
                            "failed")
        if row.action in ("unchanged", "skip"):
            # planned to write, now nothing to do: written by an earlier, interrupted attempt
            if item.attempt > 1:
                return self._written(item, "unchanged", "found applied by an earlier attempt",
                                     "already applied (found when the job resumed)")
            return _Outcome(RowResult(row_number=number, outcome="done", message=(
                "nothing to change any more: the tenant already has these values")), "unchanged")
        assert row.connection is not None and row.customer is not None
        values, overwrite = row.values, self.job.options.overwrite
        try:
            if read_first:
                kind = (await self.client.upsert_customer_values(
                    row.connection, row.customer, values, overwrite=overwrite)).action
            elif row.current is None:
                try:
                    await self.client.create_customer_values(row.connection, row.customer,
                                                             values)
                except PayloadError as refused:
                    return await self._create_refused(item, refused)
                kind = "created"
            else:
                await self.client.update_customer_values(row.current, values,
                                                         connection=row.connection,
                                                         overwrite=overwrite)
                kind = "updated"
        except OrgconnError as error:
            return self._failed(item, error)
        if kind == "unchanged" and read_first:  # the batch's answer was lost, its write was not
            done = f"{row.action}d"
            return self._written(item, done, "answer lost, read back as applied",
                                 f"{done} (the answer was lost; read back: applied)")
        if kind == "unchanged":
            return _Outcome(RowResult(row_number=number, outcome="done", message=(
                "nothing to change any more: the tenant already has these values")), "unchanged")
        return self._written(item, kind)

    def _record(self, stored: BulkRow | PlannedRow, outcome: _Outcome) -> None:
        number = stored.row_number
        if number in self.kinds:
            self.counts[self.kinds[number]] -= 1
        self.kinds[number] = outcome.kind
        self.counts[outcome.kind] += 1
        (self.retryable.add if outcome.retryable else self.retryable.discard)(number)
        self.results.append(outcome.result)
        if outcome.audit is not None:
            self.audit.append(outcome.audit)
        if len(self.results) >= BATCH or time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self.flush()
        if self.on_progress is not None:
            self.on_progress(self.progress())

    def flush(self) -> None:
        """Record the buffered outcomes and their audit rows in one transaction."""
        if self.results:
            self.store.mark_rows(self.job.id, self.results, self.audit)
        self.results, self.audit = [], []
        self.flushed_at = time.monotonic()

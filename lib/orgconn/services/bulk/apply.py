"""Checking and applying an uploaded file: concurrent safe writes, and a job that can resume.

`check_upload` is the dry run (read the file, read the tenant, plan). `apply_upload` does it
again against fresh data and then writes, through an async client it opens with
``open_client`` (the runtime's `orgconn.runtime.Runtime.async_client`: services never build a
client) sized for ``concurrency`` requests in flight:

1. `services.audit.allow_batch`: the operator role and, for a protected tenant, the typed
   confirmation (a refusal is one audit row);
2. read and plan the file; while it has problems nothing is sent (`BulkFileError`) unless
   ``options.valid_only`` — then invalid rows are kept in the job as ``skipped``;
3. hold the job's lock (`Store.try_lock_job`): while another apply of the same tenant, file
   and options runs — in this process or any orgconn sharing the store — this one sends
   nothing and raises `JobRunningError`; then find the unfinished job of the same tenant,
   file content (SHA-256) and options, or create one announcing every planned row and
   holding the rows to skip: a second run *continues* that job (and stores the planned rows
   it does not hold yet);
4. send the rows still pending (and failed ones again; a row not stored yet is stored first,
   200 at a time, as the apply reaches it) in batches of ``batch_size`` rows per
   request, at most ``concurrency`` requests in flight, each holding the write locks of its
   rows' values (`Store.lock_values`, so a ``set`` or another job waits) and first reading
   the batch's values again (one request): a row changed since the plan is a conflict, not
   sent (`send.CHANGED_SINCE_PLAN`); with the client's retries and safe writes (a lost
   answer is read back, never blindly re-sent; see `send`); outcomes and their audit rows
   are recorded together, every 200 rows or half second, so an interruption loses at most
   the last few outcomes — those rows stay pending and the next run finds them applied (the
   plan is always made against fresh data);
5. rows that failed for a passing reason (lost answers, 5xx, timeouts) are tried again, up to
   `PASSES` passes, against a fresh read; the job is then finished (done / failed /
   interrupted).

Applying the same file again changes nothing: the new plan finds every row ``unchanged``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from orgconn.client import (
    AsyncPrismaticClient,
    Limits,
    OrgconnError,
    PrismaticClient,
    RetryPolicy,
)
from orgconn.client.batch import BATCH_SIZE
from orgconn.client.methods import ClientMethods
from orgconn.client.plans import Parallel, Plan
from orgconn.config import TenantConfig
from orgconn.models import TenantData
from orgconn.services.access import Action, Actor
from orgconn.services.audit import AuditRow, WriteContext, allow_batch
from orgconn.services.bulk.issues import FileIssue, summary
from orgconn.services.bulk.parse import BulkLimits, ParseResult, file_sha256, read_upload
from orgconn.services.bulk.plan import (
    BulkPlan,
    PlanRow,
    plan_upload,
    planned_row,
    stable_keys_needed,
)
from orgconn.services.bulk.send import JobRun, Progress, ProgressCallback
from orgconn.store import BulkJob, BulkJobSummary, BulkOptions, BulkRow, Store
from orgconn.store.bulk_records import ACTIONS_TO_SEND as TO_SEND
from orgconn.store.bulk_records import FINAL_OUTCOMES

PASSES = 3


class AsyncClientOpener(Protocol):
    """Opens a new async client of the tenant called ``name`` with these pool limits and retry
    policy (`orgconn.runtime.Runtime.async_client`); the caller closes it."""

    def __call__(self, name: str, *, limits: Limits | None = None,
                 retry: RetryPolicy | None = None) -> AsyncPrismaticClient: ...


class BulkFileError(OrgconnError):
    """The file has problems and nothing was sent; ``issues`` lists them all."""

    def __init__(self, issues: Sequence[FileIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__(f"The file has {summary(self.issues)}. Nothing was sent: fix them, or "
                         "choose to apply the valid rows only.")


class JobRunningError(OrgconnError):
    """Another apply of the same job is running (here or in another orgconn sharing the
    store); this one sent nothing."""


@dataclass(frozen=True)
class ApplyResult:
    """How an apply ended: the job (its status), row counts, and whether it resumed a job."""

    job: BulkJob
    summary: BulkJobSummary
    progress: Progress
    resumed: bool


def _rows_to_send(store: Store, job: BulkJob, plan: BulkPlan, key: bytes
                  ) -> list[BulkRow | PlanRow]:
    """What the job still has to send, by row number: its pending and failed rows, and the
    planned rows it does not hold yet (a new job; one interrupted before holding them all,
    whose rows to skip are stored now)."""
    held = {r.row_number: r for r in (store.job_rows(job.id) if job.row_count else [])}
    rows: list[BulkRow | PlanRow] = [r for r in held.values()
                                     if r.outcome not in FINAL_OUTCOMES]
    if len(held) < job.row_count:
        missing = [r for r in plan.rows if r.row_number not in held]
        store.add_job_rows(job.id, [planned_row(r, key) for r in missing
                                    if r.action not in TO_SEND])
        rows += [r for r in missing if r.action in TO_SEND]
    return sorted(rows, key=lambda r: r.row_number)


def _running(store: Store, tenant: str, file_name: str, sha256: str, options: BulkOptions
             ) -> str:
    job = store.find_job(tenant, sha256, options)
    which = f"job {job.id}, started by {job.actor}" if job else "a job being created"
    return (f"Another apply of {file_name} to {tenant} with the same options is running "
            f"({which}). Nothing was sent: wait for it to finish, then run this again — it "
            "continues the job, or finds nothing left to do.")


def tenant_state(methods: ClientMethods, stable_keys: Sequence[str]) -> Plan[TenantData]:
    """Every org-activated connection, the customers (ID, name and external ID only) and the
    values of ``stable_keys``."""
    connections, found = yield Parallel((methods.org_connections(),
                                         methods.read_tenant(list(stable_keys),
                                                          brief=True)))
    return TenantData(connections=tuple(connections), customers=found.customers,
                          customer_values=found.customer_values)


def _empty_plan(file_name: str, content: bytes, options: BulkOptions, parsed: ParseResult
                ) -> BulkPlan:
    return BulkPlan(file_name, file_sha256(content), options, (), parsed.issues)


def check_upload(client: PrismaticClient, file_name: str, content: bytes,
                 options: BulkOptions, *, limits: BulkLimits | None = None) -> BulkPlan:
    """The dry run: read the file and the tenant, and plan every row (nothing is written)."""
    parsed = read_upload(file_name, content, limits)
    if parsed.table is None:
        return _empty_plan(file_name, content, options, parsed)
    keys = stable_keys_needed(parsed.table, options)
    state = client.run(tenant_state(client.methods, keys))
    return plan_upload(parsed.table, state, options, parsed.issues, tenant=client.tenant.name)


def apply_upload(tenant: TenantConfig, file_name: str, content: bytes, options: BulkOptions,
                 *, open_client: AsyncClientOpener, actor: Actor, store: Store, key: bytes,
                 confirmation: str | None = None,
                 on_progress: ProgressCallback | None = None, concurrency: int = 8,
                 limits: BulkLimits | None = None, retry: RetryPolicy | None = None,
                 batch_size: int = BATCH_SIZE) -> ApplyResult:
    """Apply a file to ``tenant`` (see the module for every step); blocks until finished.

    Raises AccessDenied, `BulkFileError` or `JobRunningError` (each: nothing sent), or an
    OrgconnError from reading the tenant (a job already started stays, to be continued).
    Row failures do not raise: they are in the result and the job.
    An exception from ``on_progress`` stops the apply; the job is kept, marked interrupted,
    and a later call with the same file and options continues it. ``key`` fingerprints
    secrets for the store and audit log. ``open_client`` opens the client of ``tenant.name``
    (pass ``runtime.async_client``). Use `apply_upload_async` inside an event loop.
    """
    return asyncio.run(apply_upload_async(
        tenant, file_name, content, options, open_client=open_client, actor=actor, store=store,
        key=key,
        confirmation=confirmation, on_progress=on_progress, concurrency=concurrency,
        limits=limits, retry=retry, batch_size=batch_size))


async def apply_upload_async(tenant: TenantConfig, file_name: str, content: bytes,
                             options: BulkOptions, *, open_client: AsyncClientOpener,
                             actor: Actor, store: Store, key: bytes,
                             confirmation: str | None = None,
                             on_progress: ProgressCallback | None = None, concurrency: int = 8,
                             limits: BulkLimits | None = None, retry: RetryPolicy | None = None,
                             batch_size: int = BATCH_SIZE) -> ApplyResult:
    """`apply_upload` as a coroutine."""
    ctx = WriteContext(actor=actor, tenant=tenant, store=store, fingerprint_key=key,
                       typed_confirmation=confirmation, source="bulk")
    allow_batch(ctx, AuditRow(Action.BULK_APPLY, options.connection or "-",
                              detail=f"apply {file_name}"))
    return await _apply(tenant, file_name, content, options, open_client, actor, store, key,
                        on_progress, concurrency, limits, retry, batch_size)


async def _apply(tenant: TenantConfig, file_name: str, content: bytes, options: BulkOptions,
                 open_client: AsyncClientOpener, actor: Actor, store: Store, key: bytes,
                 on_progress: ProgressCallback | None,
                 concurrency: int, limits: BulkLimits | None, retry: RetryPolicy | None,
                 batch_size: int) -> ApplyResult:
    parsed = read_upload(file_name, content, limits)
    if parsed.table is None:
        raise BulkFileError(parsed.issues)
    table = parsed.table
    pool = Limits(max_connections=concurrency, max_keepalive_connections=concurrency,
                  max_concurrency=concurrency)
    async with open_client(tenant.name, limits=pool, retry=retry) as client:
        async def fresh_plan() -> BulkPlan:
            state = await client.run(tenant_state(client.methods,
                                                  stable_keys_needed(table, options)))
            return plan_upload(table, state, options, parsed.issues, tenant=tenant.name)

        held = store.try_lock_job(tenant.name, table.sha256, options.canonical())
        if held is None:
            raise JobRunningError(_running(store, tenant.name, file_name, table.sha256, options))
        with held:
            plan = await fresh_plan()
            if plan.has_errors and not options.valid_only:
                raise BulkFileError(plan.issues)
            job = store.find_job(tenant.name, table.sha256, options)
            resumed = job is not None
            if job is None:  # the rows to skip now, the others as the apply reaches them
                job = store.create_job(
                    tenant=tenant.name, actor=actor.name, file_name=file_name[:300],
                    file_sha256=table.sha256, options=options, row_count=len(plan.rows),
                    rows=[planned_row(r, key) for r in plan.rows if r.action not in TO_SEND])
            rows = _rows_to_send(store, job, plan, key)
            store.set_job_status(job.id, "running")
            run = JobRun(client, store, job, actor, key, on_progress, batch_size)
            try:
                run.begin(len(rows), earlier=job.row_count - len(rows))
                for attempt in range(PASSES):
                    if attempt:
                        plan = await fresh_plan()
                    await run.send_all(rows, plan, concurrency)
                    rows = [r for r in store.pending_rows(job.id)
                            if r.row_number in run.retryable]
                    if not rows:
                        break
            finally:
                try:
                    run.flush()
                finally:  # even when the store refused the last outcomes: they stay pending
                    job = store.finish_job(job.id)
    return ApplyResult(job, store.job_summary(job.id), run.progress(), resumed)

"""Customers' values from a DataFrame: the bulk upload's dry run and apply, from pandas.

A DataFrame of values is read exactly as an uploaded file (`orgconn.services.bulk`): one row
per customer, an ``external_id`` column, one column per per-customer input (a ``stable_key``
column, or ``connection=``, says which connection), blank cells never change anything. It is
handed to the bulk services as the CSV the upload page would receive, so the validation, the
plan (create / update / unchanged / skip / invalid), the safe batched writes, the resumable
job, the audit rows and the ``[bulk]`` limits are theirs — there is no second copy here.
Applying the same frame again continues its interrupted job, or finds every row unchanged.

`apply_values` writes only when called with ``apply=True``: otherwise it is the dry run, so a
notebook can say ``apply=APPLY`` with ``APPLY = False`` at its top. Writing needs the operator
role (``[access] local_role``) and, on a protected tenant, ``confirm_tenant="NAME"``.
Results hold no secret: a secret input shows as "(secret set)" / "(secret changed)" in the
plan and as a fingerprint in the report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from orgconn.errors import OrgconnError
from orgconn.notebook.session import ConfigSource, acting_runtime, chosen_tenant
from orgconn.services import bulk, export
from orgconn.store import BulkOptions

__all__ = ["ValuesResult", "apply_values", "plan_values", "values_template"]

FILE_NAME = "notebook-values.csv"


@dataclass(frozen=True)
class ValuesResult:
    """A plan (and, once applied, its report) of values from a DataFrame.

    A dry run has ``plan``: one row per DataFrame row (``index`` is the row's DataFrame
    index) with its action, changes and problem, and ``problems``: every problem, by kind
    (``index`` too when it is about one row). An apply has ``report`` instead: each row's
    planned action and outcome (plan and problems are then empty). ``summary`` is one line
    for people, ``totals`` its counts.
    """

    tenant: str
    plan: pd.DataFrame
    problems: pd.DataFrame
    summary: str
    report: pd.DataFrame | None = None
    job_id: int | None = None
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def applied(self) -> bool:
        """Whether the values were sent (False for a dry run)."""
        return self.report is not None

    def _repr_html_(self) -> str:
        shown = self.report if self.report is not None else self.plan
        return f"<p><b>{self.summary}</b></p>{shown.to_html(index=False, max_rows=20)}"


def _cell(value: object) -> str:
    """A DataFrame cell as the text an uploaded file would hold."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    return str(value)


def as_upload(values: pd.DataFrame) -> bytes:
    """``values`` as the CSV file the bulk upload reads (deterministic: same frame, same
    bytes, so that applying it again finds its job)."""
    cells = pd.DataFrame({str(c): [_cell(v) for v in values[c]] for c in values.columns},
                         dtype=object)
    return export.to_csv_bytes(cells)


def _with_index(frame: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with a spreadsheet ``row`` column) with the DataFrame index of each row."""
    index = list(values.index)
    shown = frame.copy()
    shown.insert(0, "index", [index[r - 2] if 2 <= r < len(index) + 2 else None
                              for r in shown["row"].astype("Int64").fillna(0).astype(int)])
    return shown


def _options(connection: str | None, overwrite: bool, valid_only: bool) -> BulkOptions:
    """The bulk options (a job resumes only with the same ones)."""
    return BulkOptions(overwrite=overwrite, valid_only=valid_only, connection=connection)


def _planned(plan: bulk.BulkPlan, values: pd.DataFrame, tenant: str) -> ValuesResult:
    totals = {str(action): n for action, n in plan.totals().items()}
    line = " · ".join(f"{n:,} {action}" for action, n in totals.items())
    problems = f"; {bulk.summary(plan.issues)}" if plan.issues else ""
    return ValuesResult(tenant, _with_index(bulk.plan_frame(plan), values),
                        _with_index(bulk.issues_frame(plan.issues), values),
                        f"Dry run on {tenant} (nothing sent): {line}{problems}", totals=totals)


def values_template(connection: str, tenant: str | None = None, *,
                    missing_only: bool = True, config: ConfigSource = None) -> pd.DataFrame:
    """The customers (``missing_only``: only those lacking complete values) with a column per
    per-customer input of ``connection``, plain values filled in, secrets left blank."""
    with acting_runtime(config) as runtime:
        chosen = chosen_tenant(runtime, tenant)
        client = runtime.client(chosen.name)
        state = client.run(bulk.tenant_state(client.methods, [connection]))
    found = next((c for c in state.connections if c.stable_key == connection), None)
    if found is None:
        known = ", ".join(c.stable_key for c in state.connections) or "none"
        raise OrgconnError(f"{connection} is not an org-activated connection of {chosen.name} "
                           f"(its connections: {known})", tenant=chosen.name)
    return bulk.template_frame(found, state, missing_only=missing_only)


def plan_values(values: pd.DataFrame, connection: str | None = None,
                tenant: str | None = None, *, overwrite: bool = False,
                valid_only: bool = False, config: ConfigSource = None) -> ValuesResult:
    """The dry run of ``values`` (see the module): each row's action, changes and problems.

    ``connection`` is the stable key when ``values`` has no ``stable_key`` column;
    ``overwrite`` replaces values already set (default: only fill inputs without a value).
    Nothing is sent.
    """
    with acting_runtime(config) as runtime:
        chosen = chosen_tenant(runtime, tenant)
        plan = bulk.check_upload(runtime.client(chosen.name), FILE_NAME, as_upload(values),
                                 _options(connection, overwrite, valid_only),
                                 limits=runtime.config.bulk)
    return _planned(plan, values, chosen.name)


def apply_values(values: pd.DataFrame, connection: str | None = None,
                 tenant: str | None = None, *, apply: bool = False, overwrite: bool = False,
                 valid_only: bool = False, confirm_tenant: str | None = None,
                 progress: bool = True, config: ConfigSource = None) -> ValuesResult:
    """Apply ``values`` as a bulk job when ``apply`` is True; otherwise the dry run.

    Acts as the OS user with ``[access] local_role`` (operator or admin needed) through the
    bulk apply's audited gate: raises AccessDenied (audited) for a lower role or a protected
    tenant not confirmed (``confirm_tenant="NAME"``), `BulkFileError` while the rows have
    problems (unless ``valid_only``) — nothing sent in either case. Shows a progress bar
    unless ``progress=False``.
    """
    if not apply:
        planned = plan_values(values, connection, tenant, overwrite=overwrite,
                              valid_only=valid_only, config=config)
        return replace(planned, summary=f"{planned.summary}. Set apply=True to write.")
    options = _options(connection, overwrite, valid_only)
    content = as_upload(values)
    with acting_runtime(config) as runtime:
        chosen = chosen_tenant(runtime, tenant)
        actor, store = runtime.local_actor(), runtime.store()
        bar = _ProgressBar(progress)
        try:
            result = _in_worker(lambda on_progress: bulk.apply_upload(
                chosen, FILE_NAME, content, options, open_client=runtime.async_client,
                actor=actor, store=store, key=runtime.fingerprint_key(),
                confirmation=confirm_tenant, on_progress=on_progress,
                limits=runtime.config.bulk), bar.show)
        finally:
            bar.close()
        report = bulk.report_frame(store, result.job.id)
    resumed = f" (continued job {result.job.id})" if result.resumed else ""
    return ValuesResult(chosen.name, pd.DataFrame(), pd.DataFrame(),
                        f"{bulk.describe_summary(result.summary)}{resumed}",
                        report=_with_index(report, values), job_id=result.job.id,
                        totals={str(k): v for k, v in result.summary.outcomes.items()})


class _ProgressBar:
    """A tqdm bar (text, so that it shows in any notebook and log) fed with `Progress`."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def show(self, progress: bulk.Progress) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=progress.total, unit="row", file=sys.stdout,
                            desc="Applying", ncols=100)
        self.bar.update(progress.finished - self.bar.n)
        self.bar.set_postfix_str(f"{progress.created} created, {progress.updated} updated, "
                                 f"{progress.failed} failed", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class ApplyInterrupted(OrgconnError):
    """The kernel was interrupted during an apply; its job is kept, to continue."""


def _in_worker(run: Callable[[bulk.ProgressCallback], bulk.ApplyResult],
               show: Callable[[bulk.Progress], None]) -> bulk.ApplyResult:
    """Run an apply in a worker thread and show its progress from this one.

    A notebook cell runs inside the kernel's event loop, where the apply's own loop cannot
    start; the progress bar is drawn here so that it lands in the calling cell. Interrupting
    the kernel stops the apply at its next progress report (the job is kept, to continue).
    """
    updates: queue.Queue[bulk.Progress] = queue.Queue()
    stopping = threading.Event()
    outcome: dict[str, object] = {}

    def report(progress: bulk.Progress) -> None:
        if stopping.is_set():  # an ordinary error: the apply marks its job interrupted
            raise ApplyInterrupted("apply interrupted from the notebook: call it again to "
                                   "continue the job")
        updates.put(progress)

    def work() -> None:
        try:
            outcome["result"] = run(report)
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running (a script): no need for a thread
        return run(show)
    worker = threading.Thread(target=work, name="orgconn-apply", daemon=True)
    worker.start()
    try:
        while worker.is_alive() or not updates.empty():
            try:
                show(updates.get(timeout=0.2))
            except queue.Empty:
                continue
    except KeyboardInterrupt:
        stopping.set()
        worker.join()
        raise
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]

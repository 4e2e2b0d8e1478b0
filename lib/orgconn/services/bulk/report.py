"""The report of a bulk job: one line per row with its planned action, outcome and reason.

`earlier_job` finds the job an apply of the same file would continue; `job_outcome` reads a job
and its counts. The report is built from the store (`Store.job_rows_frame`), so it is the same
whether the job ran in this process, another one, or across several interrupted runs. It holds
input names and, for secrets, fingerprints — never a value. Download it with `report_csv`
(formulas neutralised).
"""

from __future__ import annotations

import pandas as pd

from orgconn.services import export
from orgconn.store import BulkJob, BulkJobSummary, BulkOptions, Store
from orgconn.wording import plural

REPORT_COLUMNS = ["row", "stable_key", "external_id", "planned", "outcome", "message",
                  "changed_inputs", "attempts", "updated_at"]
_RENAMED = {"row_number": "row", "customer_external_id": "external_id",
            "planned_action": "planned"}


def report_frame(store: Store, job_id: int) -> pd.DataFrame:
    """Every row of job ``job_id`` with `REPORT_COLUMNS`, by row number."""
    return store.job_rows_frame(job_id).rename(columns=_RENAMED)[REPORT_COLUMNS]


def earlier_job(store: Store, tenant: str, file_sha256: str, options: BulkOptions
                ) -> tuple[BulkJob, BulkJobSummary] | None:
    """The unfinished job of ``tenant`` for the same file content and options, with its counts
    (an apply continues it), or None."""
    job = store.find_job(tenant, file_sha256, options)
    return None if job is None else (job, store.job_summary(job.id))


def job_outcome(store: Store, job_id: int) -> tuple[BulkJob, BulkJobSummary]:
    """Job ``job_id`` and its counts of rows by planned action and by outcome."""
    return store.get_job(job_id), store.job_summary(job_id)


def report_csv(frame: pd.DataFrame) -> bytes:
    """The report as a CSV download (UTF-8 with BOM, times in UTC ISO 8601)."""
    shown = frame.copy()
    shown["updated_at"] = shown["updated_at"].map(lambda t: t.isoformat() if pd.notna(t) else "")
    return export.to_csv_bytes(shown)


def report_file_name(job: BulkJob) -> str:
    """E.g. ``bulk-report-us-job-12.csv``."""
    return f"bulk-report-{job.tenant}-job-{job.id}.csv"


def describe_summary(summary: BulkJobSummary) -> str:
    """One line for people, e.g. ``job 12 done: 4,812 done · 3 failed · 185 skipped``."""
    o = summary.outcomes
    line = (f"job {summary.job_id} {summary.status}: {o.get('done', 0):,} done · "
            f"{o.get('failed', 0):,} failed · {o.get('skipped', 0):,} skipped")
    if o.get("pending"):
        line += f" · {o['pending']:,} not sent yet"
    invalid = summary.planned.get("invalid", 0)
    return line + (f" ({plural(invalid, 'invalid row')} left out)" if invalid else "")

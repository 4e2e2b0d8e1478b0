"""Bulk upload (issue 6): many customers' values from one CSV or XLSX file, safely.

- `template`: a file to fill in per connection (the customers lacking values, or all);
- `parse`: reading CSV/XLSX into text cells (`read_upload`, `BulkLimits`);
- `plan`: the dry run, row by row (`plan_upload`; what "overwrite" means is defined there);
- `issues`: every problem, by kind, with where it is and how to fix it;
- `apply`: `check_upload` and `apply_upload` (resumable jobs); `send`: how rows are written
  (the client's batches, `orgconn.client.batch`; concurrent; safe after lost answers);
- `report`: the per-row report of a job, for the page and the CLI.

Typical use::

    plan = check_upload(client, name, content, BulkOptions(connection="acme-api-key"))
    result = apply_upload(tenant, name, content, plan.options,
                          open_client=runtime.async_client, actor=actor, store=store,
                          key=runtime.fingerprint_key(), on_progress=print)
    frame = report_frame(store, result.job.id)
"""

from orgconn.services.bulk.apply import (
    ApplyResult,
    AsyncClientOpener,
    BulkFileError,
    JobRunningError,
    apply_upload,
    apply_upload_async,
    check_upload,
    tenant_state,
)
from orgconn.services.bulk.issues import FileIssue, FileIssueKind, grouped, issues_frame, summary
from orgconn.services.bulk.parse import BulkLimits, UploadedTable, file_sha256, read_upload
from orgconn.services.bulk.plan import BulkPlan, PlanRow, plan_frame, plan_upload
from orgconn.services.bulk.report import (
    describe_summary,
    earlier_job,
    job_outcome,
    report_csv,
    report_file_name,
    report_frame,
)
from orgconn.services.bulk.send import Progress, ProgressCallback
from orgconn.services.bulk.template import (
    ColumnGuide,
    column_guide,
    describe_columns,
    left_out,
    left_out_of_template,
    template_bytes,
    template_file_name,
    template_frame,
)
from orgconn.store import BulkOptions  # the options of an upload, kept with its job

__all__ = [
    "ApplyResult",
    "AsyncClientOpener",
    "BulkFileError",
    "BulkLimits",
    "BulkOptions",
    "BulkPlan",
    "ColumnGuide",
    "FileIssue",
    "FileIssueKind",
    "JobRunningError",
    "PlanRow",
    "Progress",
    "ProgressCallback",
    "UploadedTable",
    "apply_upload",
    "apply_upload_async",
    "check_upload",
    "column_guide",
    "describe_columns",
    "describe_summary",
    "earlier_job",
    "file_sha256",
    "grouped",
    "issues_frame",
    "job_outcome",
    "left_out",
    "left_out_of_template",
    "plan_frame",
    "plan_upload",
    "read_upload",
    "report_csv",
    "report_file_name",
    "report_frame",
    "summary",
    "template_bytes",
    "template_file_name",
    "template_frame",
    "tenant_state",
]

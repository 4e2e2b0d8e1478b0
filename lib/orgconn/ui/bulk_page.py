"""Parts of the bulk upload page (pages/bulk_upload.py): a file's problems, its plan, and the
report of the job that applied it, and the template of a connection, kept per tenant read.

After an apply the job's report comes first; the same file checked again (which now plans
"unchanged" for every row that was written) follows, folded, so that it never reads as if
nothing had happened.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from orgconn.models import OrgConnection, TenantData
from orgconn.services import bulk
from orgconn.store import PlannedAction, Store
from orgconn.ui import context, tables
from orgconn.wording import plural

ACTIONS: tuple[PlannedAction, ...] = ("create", "update", "unchanged", "skip", "invalid")


def template(name: str, url: str, connection: OrgConnection, snapshot: TenantData, *,
             missing_only: bool) -> tuple[pd.DataFrame, str | None]:
    """`bulk.template_frame` of a connection and the `bulk.left_out` sentence, kept per read of
    tenant ``name`` (`context.derived`, keyed by `context.read_number`: building them took a
    noticeable part of each rerun at 10,000 customers). ``snapshot`` is that read
    (`context.tenant_data`). Shared: do not modify the frame."""
    def build() -> tuple[pd.DataFrame, str | None]:
        frame = bulk.template_frame(connection, snapshot, missing_only=missing_only)
        return frame, bulk.left_out(connection, snapshot, missing_only=missing_only)[1]
    return context.derived(("bulk template", name, url, context.read_number(name, url),
                            connection.stable_key, missing_only), build)


def show_columns(guide: list[bulk.ColumnGuide]) -> None:
    """The template's columns: whether each is required and what it takes (a CSV has no notes)."""
    with st.expander(f"Columns · {sum(g.required for g in guide)} required of {len(guide)}"):
        st.dataframe(pd.DataFrame(
            [{"Column": g.column, "Input": g.label, "Required": "required" if g.required else "",
              "Takes": g.takes} for g in guide]), hide_index=True, width="stretch")


def plan_line(plan: bulk.BulkPlan) -> str:
    """E.g. ``4 unchanged · 1 invalid``: the plan's non-zero counts (``no rows`` if none)."""
    return " · ".join(f"{n:,} {action}" for action, n in plan.totals().items() if n) or "no rows"


def show_issues(plan: bulk.BulkPlan, *, valid_only: bool, applied: bool) -> None:
    """The file's problems: a red banner and one folded table per kind before an apply; after
    one (``applied``), a neutral note and one table (the rows left out were not sent)."""
    if not plan.issues:
        return
    if applied:
        st.info(f"The file has {bulk.summary(plan.issues)}. Those rows were not sent.",
                icon=":material/info:")
        tables.table(bulk.issues_frame(plan.issues), key="bulk.issues", first=["row"])
        return
    st.error(f"The file has {bulk.summary(plan.issues)}. " + (
        "Only the valid rows will be sent." if valid_only and plan.rows else
        "Nothing will be sent until they are fixed (or choose to apply the valid rows only)."))
    for kind, found in bulk.grouped(plan.issues).items():
        with st.expander(f"{kind.value} · {len(found)}", expanded=len(found) <= 20):
            tables.table(bulk.issues_frame(found)[["row", "column", "message"]],
                         key=f"bulk.issues.{kind.name}")


def show_plan(plan: bulk.BulkPlan) -> None:
    """How many rows get each action, and the plan row by row."""
    totals = plan.totals()
    for column, action in zip(st.columns(len(ACTIONS)), ACTIONS, strict=True):
        column.metric(action.capitalize(), f"{totals[action]:,}")
    if plan.warnings:
        count = len(plan.warnings)
        st.warning(f"{plural(count, 'value')} {'does' if count == 1 else 'do'} not look like "
                   "their inputs' names suggest (see the warnings column); they are sent as "
                   "written.", icon=":material/warning:")
    if plan.rows:
        tables.table(bulk.plan_frame(plan), key="bulk.plan", config={
            "row": st.column_config.NumberColumn("Row", format="%d", width="small"),
            "action": st.column_config.TextColumn("Action", width=95)})


def show_job(store: Store, job_id: int) -> None:
    """The outcome of job ``job_id``: its counts, the report download and the report."""
    job, result_summary = bulk.job_outcome(store, job_id)
    say = st.success if job.status == "done" else st.warning
    say(f"{job.file_name}: {bulk.describe_summary(result_summary)}.")
    report = bulk.report_frame(store, job.id)
    st.download_button("Download the report (CSV)", bulk.report_csv(report),
                       bulk.report_file_name(job), "text/csv", key="bulk.report",
                       icon=":material/download:", on_click="ignore")
    tables.table(report, key="bulk.report_table", first=["row", "external_id", "outcome"],
                 config={"row": st.column_config.NumberColumn("Row", format="%d", width="small")})

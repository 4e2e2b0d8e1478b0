"""Records of bulk upload jobs (issue 6): the job, its options, its planned rows and outcomes.

A job is created with every planned row at once. Rows planned as ``create``/``update`` start
``pending``; rows planned ``unchanged``/``skip``/``invalid`` start ``skipped`` (nothing to send).
Outcomes ``done`` and ``skipped`` are final; ``failed`` rows are tried again when a job resumes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, NonNegativeInt, PositiveInt, StringConstraints

from orgconn.store.records import ChangedInput, Detail, Line, Name, Record

PlannedAction = Literal["create", "update", "unchanged", "skip", "invalid"]
PLANNED_ACTIONS: tuple[PlannedAction, ...] = ("create", "update", "unchanged", "skip", "invalid")
ACTIONS_TO_SEND: frozenset[PlannedAction] = frozenset({"create", "update"})

RowOutcome = Literal["pending", "done", "failed", "skipped"]
ROW_OUTCOMES: tuple[RowOutcome, ...] = ("pending", "done", "failed", "skipped")
FINAL_OUTCOMES: frozenset[RowOutcome] = frozenset({"done", "skipped"})

JobStatus = Literal["planned", "running", "done", "failed", "interrupted"]
UNFINISHED_STATUSES: tuple[JobStatus, ...] = ("planned", "running", "failed", "interrupted")

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class BulkOptions(Record):
    """The choices a bulk apply was made with; a job resumes only with the same options."""

    overwrite: bool = False
    valid_only: bool = False
    connection: Name | None = None

    def canonical(self) -> str:
        """The options as canonical JSON, the form they are stored and matched in."""
        return self.model_dump_json()


class PlannedRow(Record):
    """One row of an uploaded file as planned: what will be done to which customer's values."""

    row_number: PositiveInt
    stable_key: Name
    customer_external_id: Name
    action: PlannedAction
    changed_inputs: tuple[ChangedInput, ...] = ()
    message: Detail = ""

    @property
    def planned_action(self) -> PlannedAction:
        """``action``, under the name `BulkRow` gives it."""
        return self.action


class RowResult(Record):
    """The outcome of sending one row, for ``Store.mark_rows`` (short message, no secrets)."""

    row_number: PositiveInt
    outcome: Literal["done", "failed", "skipped"]
    message: Detail = ""


class BulkRow(Record):
    """A planned row as stored, with its outcome so far."""

    job_id: int
    row_number: PositiveInt
    stable_key: str
    customer_external_id: str
    planned_action: PlannedAction
    outcome: RowOutcome
    message: str
    changed_inputs: tuple[ChangedInput, ...]
    attempts: NonNegativeInt
    updated_at: AwareDatetime


class BulkJob(Record):
    """A bulk upload job: who uploaded which file into which tenant, with which options."""

    id: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
    actor: str
    tenant: str
    tenant_identity: str = ""
    file_name: Line
    file_sha256: Sha256
    options: BulkOptions
    status: JobStatus
    row_count: NonNegativeInt


class BulkJobSummary(Record):
    """Counts of a job's rows by planned action and by outcome (every key present, maybe 0)."""

    job_id: int
    status: JobStatus
    total: NonNegativeInt
    planned: dict[PlannedAction, NonNegativeInt] = Field(default_factory=dict)
    outcomes: dict[RowOutcome, NonNegativeInt] = Field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """True when no row is pending or failed: nothing is left to send."""
        return self.outcomes.get("pending", 0) == 0 and self.outcomes.get("failed", 0) == 0

"""orgconn's own persistence: the audit log, coverage history, rollout targets and bulk jobs.

SQLite by default (``~/.orgconn/orgconn.db``); PostgreSQL for a shared deployment when
``ORGCONN_DATABASE_URL`` (or the configured ``database_url``) is a ``postgresql://`` URL.
Open it with ``open_store()``; one ``Store`` may be shared by threads (each call takes a pooled
connection and runs one short transaction). Errors: see ``orgconn.store.errors``.

Nothing here accepts a secret value: changed inputs are names, and secrets only fingerprints
(``ChangedInput.secret_input``).
"""

from __future__ import annotations

import getpass
import logging

from orgconn.store.audit import AUDIT_COLUMNS, AuditChoices, AuditFilter, AuditLog
from orgconn.store.bulk_jobs import ROW_COLUMNS, BulkJobs
from orgconn.store.bulk_progress import BulkProgress
from orgconn.store.bulk_records import (
    BulkJob,
    BulkJobSummary,
    BulkOptions,
    BulkRow,
    JobStatus,
    PlannedAction,
    PlannedRow,
    RowOutcome,
    RowResult,
)
from orgconn.store.connection import ENV_VAR, default_sqlite_path, resolve_url
from orgconn.store.errors import (
    NotFoundError,
    RowAlreadyFinishedError,
    StoreError,
    StoreUnavailableError,
    StoreURLError,
)
from orgconn.store.locks import HeldLocks, LockTimeoutError, WriteLocks, job_key, values_key
from orgconn.store.records import (
    AuditEntry,
    ChangedInput,
    ConnectionCounts,
    CoverageStatus,
    CustomerStatus,
    Fingerprint,
    RolloutTarget,
    Snapshot,
    Source,
    failed_outcome,
)
from orgconn.store.snapshots import CUSTOMER_COLUMNS, SERIES_COLUMNS, CoverageHistory
from orgconn.store.targets import RolloutTargets

log = logging.getLogger("orgconn.store")


class Store(AuditLog, CoverageHistory, RolloutTargets, BulkJobs, BulkProgress, WriteLocks):
    """orgconn's store; build it with ``open_store``. Use as a context manager or ``close()``."""


def open_store(url: str | None = None) -> Store:
    """Opens the store, creating its tables (and the SQLite file's folder) when missing.

    ``url``: ``sqlite:///PATH`` or ``postgresql://USER:PASSWORD@HOST:PORT/DB``; None (or "")
    means ``~/.orgconn/orgconn.db`` (``ORGCONN_DATABASE_URL`` reaches here as the
    configuration's ``database_url``: build the store with `orgconn.runtime`). Raises
    StoreURLError for any other URL and StoreUnavailableError when the database cannot be
    reached; neither message, nor any log line, contains the password.
    """
    store = Store(resolve_url(url))
    try:
        store._create_tables()
    except BaseException:
        store.close()
        raise
    log.info("opened the orgconn store at %s", store.display_url)
    return store


def local_actor() -> str:
    """The OS user's name: the audit actor when nobody is signed in (``"unknown"`` if unset)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


__all__ = [
    "AUDIT_COLUMNS",
    "CUSTOMER_COLUMNS",
    "ENV_VAR",
    "ROW_COLUMNS",
    "SERIES_COLUMNS",
    "AuditChoices",
    "AuditEntry",
    "AuditFilter",
    "BulkJob",
    "BulkJobSummary",
    "BulkOptions",
    "BulkRow",
    "ChangedInput",
    "ConnectionCounts",
    "CoverageStatus",
    "CustomerStatus",
    "Fingerprint",
    "HeldLocks",
    "JobStatus",
    "LockTimeoutError",
    "NotFoundError",
    "PlannedAction",
    "PlannedRow",
    "RolloutTarget",
    "RowAlreadyFinishedError",
    "RowOutcome",
    "RowResult",
    "Snapshot",
    "Source",
    "Store",
    "StoreError",
    "StoreURLError",
    "StoreUnavailableError",
    "default_sqlite_path",
    "failed_outcome",
    "job_key",
    "local_actor",
    "open_store",
    "values_key",
]

"""Hand-made coverage frames and stores for the rollout tests (no server needed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from orgconn.services.coverage import cells_frame
from orgconn.services.coverage_rules import is_blocking
from orgconn.store import ConnectionCounts, Store, open_store

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday


def new_store(folder: Path) -> Store:
    """An empty SQLite store in ``folder``."""
    return open_store(f"sqlite:///{folder / 'orgconn.db'}")


def cell(customer: str, status: str, *, key: str = "crm", tenant: str = "us",
         labels: str = "", configured: datetime | None = None,
         external_id: str | None = None, instances: int | None = None) -> dict[str, Any]:
    """One coverage-frame row: ``customer`` is the customer's ID (and external ID by default);
    ``instances`` all enabled, none failing (None: impact unknown)."""
    return {
        "tenant": tenant, "stable_key": key, "connection": key.upper(),
        "connection_id": f"scv-{key}", "customer_id": customer,
        "customer_external_id": customer if external_id is None else external_id,
        "customer_name": f"Customer {customer}", "labels": labels, "status": status,
        "missing_inputs": "", "last_configured_at": configured,
        "values_id": None if status == "missing" else f"ccv-{key}-{customer}",
        "instances": instances, "enabled_instances": instances, "failing_instances":
        None if instances is None else 0, "blocking": is_blocking(status, instances),
    }


def frame_of(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A coverage frame (``coverage.COLUMNS``, typed as `coverage.coverage_frame` makes it)."""
    return cells_frame(rows)


def counts(key: str, complete: int, missing: int, incomplete: int = 0,
           error: int = 0) -> ConnectionCounts:
    """Per-connection counts for `Store.record_snapshot`."""
    return ConnectionCounts(stable_key=key, name=key.upper(), complete=complete,
                            incomplete=incomplete, missing=missing, error=error)

"""Reports for a notebook: tenants compared, rollout history and targets, safe CSV exports.

Each function composes the dashboard's services (`services.compare`, `services.rollout`,
`services.export`) and returns a DataFrame or a Plotly figure; the rollout history reads the
store of the session (or ``config``).
`record_snapshot` and `set_target` write to orgconn's store only, never to a tenant;
`set_target` needs the admin role and leaves an audit row, as on the Rollout page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orgconn.notebook.session import ConfigSource, acting_runtime, chosen_tenant
from orgconn.runtime import Runtime

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["compare", "compare_chart", "export_csv", "record_snapshot", "rollout_chart",
           "rollout_history", "rollout_targets", "set_target"]


def compare(tenants: list[str] | None = None, *, config: ConfigSource = None) -> pd.DataFrame:
    """Every difference between ``tenants`` (default: all of the session's), one per row:
    definitions by stable key, customers by external ID; customers' values only as
    fingerprints. ValueError for fewer than two tenants."""
    from orgconn.services.compare import compare as comparing

    with acting_runtime(config) as runtime:
        names = tenants or list(runtime.tenants())
        snapshots, everything = {}, {}
        for name in names:
            client = runtime.client(chosen_tenant(runtime, name).name)
            snapshots[name] = client.read_tenant()
            everything[name] = client.all_connections()
        key = runtime.fingerprint_key()
    return comparing.differences(snapshots, key, all_connections=everything)


def compare_chart(differences: pd.DataFrame) -> go.Figure:
    """A heatmap of `compare`'s rows: differences per connection × tenant charged."""
    from orgconn.services.compare import compare as comparing

    return comparing.drift_heatmap(comparing.drift_matrix(differences))


def _coverage_now(runtime: Runtime, tenant: str) -> tuple[pd.DataFrame, pd.Series]:
    """The tenant's coverage frame and its customers' creation times."""
    from orgconn.services.coverage import coverage_frame
    from orgconn.services.rollout.snapshots import customer_created_at

    snapshot = runtime.client(tenant).read_tenant()
    return coverage_frame(tenant, snapshot), customer_created_at(snapshot)


def record_snapshot(tenant: str | None = None, *, config: ConfigSource = None) -> int | None:
    """Record the tenant's coverage now in the store (as loading the dashboard does); returns
    the snapshot's id, None when one was already taken this minute."""
    from orgconn.services.rollout.snapshots import take_snapshot

    with acting_runtime(config) as runtime:
        name = chosen_tenant(runtime, tenant).name
        frame, _ = _coverage_now(runtime, name)
        return take_snapshot(runtime.store(), name, frame, datetime.now(UTC))


def rollout_history(tenant: str | None = None, *, segment: str | None = None,
                    config: ConfigSource = None) -> pd.DataFrame:
    """Coverage over time per connection: recorded snapshots, and before them weekly points
    estimated from today's values (``estimated`` True); ``segment``: one customer label."""
    from orgconn.services.rollout.rollout import tenant_series

    with acting_runtime(config) as runtime:
        name = chosen_tenant(runtime, tenant).name
        frame, created_at = _coverage_now(runtime, name)
        return tenant_series(runtime.store(), name, frame, created_at, datetime.now(UTC),
                             segment)


def rollout_chart(history: pd.DataFrame, measure: str = "coverage_pct") -> go.Figure:
    """`rollout_history` as lines per connection (estimates dashed and shaded);
    ``measure`` is ``coverage_pct`` (complete) or ``configured_pct`` (have values)."""
    from orgconn.services.rollout.rollout_charts import coverage_chart

    return coverage_chart(history, measure)


def rollout_targets(tenant: str | None = None, *, config: ConfigSource = None) -> pd.DataFrame:
    """Each rollout target of the tenant with its progress, projection and verdict."""
    from orgconn.services.rollout.rollout_progress import progress_frame, progress_toward

    history = rollout_history(tenant, config=config)
    with acting_runtime(config) as runtime:
        name = chosen_tenant(runtime, tenant).name
        targets = runtime.store().rollout_targets(tenant=name)
    return progress_frame([progress_toward(history, t) for t in targets])


def set_target(stable_key: str, target_pct: float, by: date, tenant: str | None = None, *,
               config: ConfigSource = None) -> pd.DataFrame:
    """Set the coverage target of one connection (admins; audited, as on the Rollout page)
    and return the tenant's targets. AccessDenied below admin, InvalidTargetError for a
    percentage outside (0, 100] or a past date."""
    from orgconn.services.rollout.rollout_progress import set_target as setting

    with acting_runtime(config) as runtime:
        chosen = chosen_tenant(runtime, tenant)
        setting(runtime.store(), runtime.local_actor(), chosen, stable_key, target_pct, by,
                datetime.now(UTC).date())
    return rollout_targets(chosen.name, config=config)


def export_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a CSV safe to open in a spreadsheet (formulas neutralised, UTF-8
    with BOM) and return its path."""
    from orgconn.services.export import to_csv_bytes

    target = Path(path)
    target.write_bytes(to_csv_bytes(frame))
    return target

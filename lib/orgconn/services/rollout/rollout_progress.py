"""Rollout targets: progress toward "X % by date" per tenant and connection, with the trend.

The trend is a least-squares line through the coverage % points of the last `TREND_WEEKS`
weeks (at least the last two points, so a sparse history still gets a trend); estimated points
take part when they are all there is, and `TargetProgress.fit_uses_estimates` says so. The
projected date is where that line reaches the target; none when coverage is not rising or would
take more than `HORIZON_DAYS`. Admins set targets (`set_target`, one audited write).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from orgconn.config import TenantConfig
from orgconn.errors import OrgconnError
from orgconn.services.access import Action, Actor
from orgconn.services.audit import AuditRow, WriteContext, audited_write
from orgconn.store import RolloutTarget, Store

TREND_WEEKS = 4
HORIZON_DAYS = 3 * 365
TREND_COLUMNS = ["tenant", "stable_key", "taken_at", "trend_pct"]


class InvalidTargetError(OrgconnError):
    """A rollout target was refused: the message says which part to change."""


@dataclass(frozen=True)
class TargetProgress:
    """Where one connection of one tenant stands against its target, and where it is heading.

    ``slope_per_week`` is in percentage points per week and ``fitted_now`` the trend's value at
    ``as_of`` (both None without a trend); ``projected_date`` is None when already reached,
    not rising, or beyond the horizon.
    """

    tenant: str
    stable_key: str
    target_pct: float
    target_date: date
    current_pct: float | None
    as_of: datetime | None
    slope_per_week: float | None
    fitted_now: float | None
    fit_start: datetime | None
    fit_points: int
    fit_uses_estimates: bool
    projected_date: date | None

    @property
    def reached(self) -> bool:
        """Whether coverage is already at or above the target."""
        return self.current_pct is not None and self.current_pct >= self.target_pct

    @property
    def on_track(self) -> bool | None:
        """Reached, or projected to reach the target by its date; None without a trend."""
        if self.reached:
            return True
        if self.slope_per_week is None:
            return None
        return self.projected_date is not None and self.projected_date <= self.target_date

    def sentence(self) -> str:
        """The verdict in words, e.g. "Target 80% by 2026-06-01: at +2.0 points a week it is
        reached on 2026-05-04, on track."."""
        goal = f"{self.target_pct:g}% by {self.target_date:%Y-%m-%d}"
        if self.current_pct is None:
            return f"Target {goal}: no coverage recorded yet."
        if self.reached:
            return f"Target {goal}: reached ({self.current_pct:.1f}% now)."
        if self.slope_per_week is None:
            return f"Target {goal}: {self.current_pct:.1f}% now; too few points for a trend."
        basis = " (trend partly estimated)" if self.fit_uses_estimates else ""
        if self.projected_date is None:
            return (f"Target {goal}: {self.current_pct:.1f}% now and not rising enough "
                    f"({self.slope_per_week:+.1f} points a week){basis}: off track.")
        verdict = "on track" if self.on_track else "late"
        return (f"Target {goal}: at {self.slope_per_week:+.1f} points a week it is reached on "
                f"{self.projected_date:%Y-%m-%d}, {verdict}{basis}.")


def progress_toward(series: pd.DataFrame, target: RolloutTarget,
                    weeks: int = TREND_WEEKS) -> TargetProgress:
    """Progress of ``target``'s tenant and connection from its coverage series.

    ``series`` may hold any tenants and connections (recorded and estimated points, see
    `services.rollout`); only the target's are used.
    """
    rows = series[(series["tenant"] == target.tenant) & (series["stable_key"] == target.stable_key)]
    points = rows.dropna(subset=["coverage_pct"]).sort_values("taken_at")
    empty = TargetProgress(target.tenant, target.stable_key, target.target_pct,
                           target.target_date, None, None, None, None, None, 0, False, None)
    if points.empty:
        return empty
    last = points.iloc[-1]
    as_of = pd.Timestamp(last["taken_at"]).to_pydatetime()
    current = float(last["coverage_pct"])
    window = points[points["taken_at"] >= last["taken_at"] - pd.Timedelta(weeks=weeks)]
    if len(window) < 2:
        window = points.tail(2)
    days = ((window["taken_at"] - last["taken_at"]).dt.total_seconds() / 86400).to_numpy()
    base = TargetProgress(target.tenant, target.stable_key, target.target_pct,
                          target.target_date, current, as_of, None, None, None, len(window),
                          bool(window["estimated"].any()), None)
    if len(np.unique(days)) < 2:
        return base
    slope, fitted_now = np.polyfit(days, window["coverage_pct"].to_numpy(dtype=float), 1)
    projected = None
    if current < target.target_pct and slope > 1e-9:
        ahead = (target.target_pct - fitted_now) / slope
        if ahead <= HORIZON_DAYS:
            projected = (as_of + timedelta(days=max(ahead, 0.0))).date()
    fit_start = pd.Timestamp(window["taken_at"].iloc[0]).to_pydatetime()
    return TargetProgress(target.tenant, target.stable_key, target.target_pct,
                          target.target_date, current, as_of, round(float(slope) * 7, 2),
                          float(fitted_now), fit_start, len(window), base.fit_uses_estimates,
                          projected)


def trend_frame(progress: TargetProgress) -> pd.DataFrame:
    """The trend line from the fit's first point to the target date (or the projected date,
    if later), weekly, clipped to 0-100 %; empty without a trend."""
    if progress.slope_per_week is None or progress.as_of is None or progress.fit_start is None:
        return pd.DataFrame(columns=TREND_COLUMNS)
    end_day = max(progress.target_date, progress.projected_date or progress.target_date)
    end = max(datetime.combine(end_day, time(), tzinfo=UTC), progress.as_of)
    times = pd.date_range(progress.fit_start, end, freq="7D").union(
        pd.DatetimeIndex([progress.fit_start, progress.as_of, end]))
    days = (times - pd.Timestamp(progress.as_of)).total_seconds().to_numpy() / 86400
    values = np.clip((progress.fitted_now or 0.0) + progress.slope_per_week / 7 * days, 0, 100)
    return pd.DataFrame({"tenant": progress.tenant, "stable_key": progress.stable_key,
                         "taken_at": times, "trend_pct": values.round(1)})


def progress_frame(progresses: Iterable[TargetProgress]) -> pd.DataFrame:
    """One row per target with its progress and verdict (for the table and its CSV)."""
    rows = [{**asdict(p), "on_track": p.on_track, "verdict": p.sentence()} for p in progresses]
    columns = [*TargetProgress.__dataclass_fields__, "on_track", "verdict"]
    return pd.DataFrame(rows, columns=columns).drop(columns=["fitted_now", "fit_start"])


def targets_of(store: Store, stable_key: str, tenants: Iterable[str]) -> list[RolloutTarget]:
    """The rollout targets set for connection ``stable_key`` in ``tenants``, by tenant."""
    chosen = set(tenants)
    return [t for t in store.rollout_targets(stable_key=stable_key) if t.tenant in chosen]


def set_target(store: Store, actor: Actor, tenant: TenantConfig, stable_key: str,
               target_pct: float, target_date: date, today: date) -> RolloutTarget:
    """Sets the rollout target of one connection in one tenant (admins only); one audit row.

    Raises AccessDenied for a role below admin, InvalidTargetError for a percentage outside
    (0, 100] or a date before ``today`` (both recorded). Replaces any earlier target of that
    connection. A protected tenant needs no typed name: a target changes nothing in the tenant.
    """
    ctx = WriteContext(actor=actor, tenant=tenant, store=store, fingerprint_key=b"")

    def write(row: AuditRow) -> RolloutTarget:
        if not 0 < target_pct <= 100:
            raise InvalidTargetError(
                f"Target coverage must be more than 0% and at most 100% (got {target_pct:g}%).")
        if target_date < today:
            raise InvalidTargetError(f"Target date {target_date:%Y-%m-%d} is in the past: pick "
                                     f"{today:%Y-%m-%d} or later.")
        return store.set_rollout_target(tenant.name, stable_key, float(target_pct), target_date,
                                        actor.name)

    row = AuditRow(Action.SET_ROLLOUT_TARGET, stable_key,
                   detail=f"target {target_pct:g}% by {target_date}")
    return audited_write(ctx, row, write, in_tenant=False)

"""Rollout targets: the trend over the last weeks, the projected date, and who may set them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from orgconn.config import TenantConfig
from orgconn.errors import AccessDenied
from orgconn.services.access import Actor, Role
from orgconn.services.rollout.rollout import SERIES_COLUMNS
from orgconn.services.rollout.rollout_charts import target_chart
from orgconn.services.rollout.rollout_progress import (
    InvalidTargetError,
    progress_frame,
    progress_toward,
    set_target,
    targets_of,
    trend_frame,
)
from orgconn.store import RolloutTarget, Store
from tests.services.rollout.rollout_builders import T0, new_store

DAY = timedelta(days=1)
ADMIN = Actor(name="ada@acme.example", role=Role.ADMIN, signed_in=True)
VIEWER = Actor(name="val@acme.example", role=Role.VIEWER, signed_in=True)
# a protected tenant: a target is written to orgconn's store only, so no typed name is asked
US = TenantConfig(name="us", url="http://127.0.0.1:9", token="not-used", protected=True)


def series_of(points: list[tuple[int, float]], *, estimated_before: int = -10_000
              ) -> pd.DataFrame:
    """A one-connection series of (day offset from T0, % complete) on 200 customers."""
    rows = []
    for day, pct in points:
        complete = round(pct * 2)
        rows.append({"tenant": "us", "stable_key": "crm", "connection": "CRM",
                     "taken_at": pd.Timestamp(T0 + day * DAY), "complete": complete,
                     "incomplete": 0, "missing": 200 - complete, "error": 0, "total": 200,
                     "coverage_pct": pct, "configured_pct": pct,
                     "estimated": day < estimated_before})
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def target(pct: float, days_ahead: int) -> RolloutTarget:
    return RolloutTarget(tenant="us", stable_key="crm", target_pct=pct,
                         target_date=(T0 + days_ahead * DAY).date(), set_by="ada",
                         set_at=T0)


RISING = series_of([(0, 10.0), (7, 20.0), (14, 30.0)])  # 10 points a week


def test_a_steady_rise_is_projected_to_reach_the_target_on_the_day_the_line_crosses_it() -> None:
    progress = progress_toward(RISING, target(60, 60))
    assert progress.slope_per_week == pytest.approx(10.0)
    crossing = (60 - 30) / (10 / 7)  # days after the last point
    assert progress.projected_date == (T0 + (14 + crossing) * DAY).date()
    assert progress.on_track is True
    assert "on track" in progress.sentence()


def test_a_target_date_before_the_projected_date_is_late() -> None:
    progress = progress_toward(RISING, target(60, 20))
    assert progress.projected_date is not None
    assert progress.projected_date > progress.target_date
    assert progress.on_track is False
    assert "late" in progress.sentence()


def test_flat_coverage_gets_no_projected_date_and_is_off_track() -> None:
    progress = progress_toward(series_of([(0, 40.0), (7, 40.0), (14, 39.0)]), target(60, 90))
    assert progress.projected_date is None
    assert progress.on_track is False
    assert "off track" in progress.sentence()


def test_a_reached_target_is_on_track_whatever_the_trend() -> None:
    progress = progress_toward(series_of([(0, 90.0), (7, 85.0)]), target(80, 30))
    assert progress.reached and progress.on_track is True
    assert "reached" in progress.sentence()


def test_a_single_point_has_no_trend_and_nothing_recorded_has_no_current_value() -> None:
    single = progress_toward(series_of([(0, 30.0)]), target(60, 30))
    assert (single.current_pct, single.slope_per_week, single.on_track) == (30.0, None, None)
    nothing = progress_toward(series_of([]), target(60, 30))
    assert nothing.current_pct is None and "no coverage recorded" in nothing.sentence()


def test_the_trend_follows_the_last_weeks_only_and_says_when_estimates_took_part() -> None:
    history = series_of([(0, 50.0), (37, 5.0), (44, 12.0), (51, 19.0), (58, 26.0)],
                        estimated_before=38)
    progress = progress_toward(history, target(60, 200))
    assert progress.slope_per_week == pytest.approx(7.0)  # the old 50% point is left out
    assert progress.fit_points == 4 and progress.fit_uses_estimates is True
    recent = progress_toward(history, target(60, 200), weeks=2)
    assert recent.fit_uses_estimates is False and recent.fit_points == 3


def test_the_trend_line_runs_from_the_fit_to_the_target_date_and_never_above_100() -> None:
    progress = progress_toward(RISING, target(99, 120))
    trend = trend_frame(progress)
    assert trend["taken_at"].iloc[0] == T0
    assert trend["taken_at"].iloc[-1].date() == progress.target_date
    at_last_point = trend.loc[trend["taken_at"] == T0 + 14 * DAY, "trend_pct"].iloc[0]
    assert at_last_point == pytest.approx(30.0, abs=0.1)
    assert trend["trend_pct"].max() == 100.0
    assert trend_frame(progress_toward(series_of([(0, 5.0)]), target(50, 9))).empty


def test_the_target_chart_shows_coverage_the_extended_trend_and_the_target() -> None:
    progress = progress_toward(RISING, target(60, 60))
    figure = target_chart(RISING, progress, trend_frame(progress))
    by_name = {t.name: t for t in figure.data}
    assert list(by_name["coverage"].y) == RISING["coverage_pct"].tolist()
    assert pd.Timestamp(by_name["trend"].x[-1]).date() == progress.target_date
    star = next(t for name, t in by_name.items() if name.startswith("target"))
    assert list(star.y) == [60]
    table = progress_frame([progress])
    assert table.loc[0, "projected_date"] == progress.projected_date


def test_the_target_chart_keeps_its_sentence_whole_and_its_axis_labels_inside_the_image(
) -> None:
    late = progress_toward(series_of([(0, 40.0), (7, 45.0), (14, 50.0)],
                                     estimated_before=8), target(95, 30))
    figure = target_chart(RISING, late, trend_frame(late))

    title = figure.layout.title
    assert title.text.replace("<br>", " ") == late.sentence()  # wrapped, every word kept
    assert max(len(line) for line in title.text.split("<br>")) <= 90
    assert title.automargin is True  # the margin grows to hold it, instead of clipping it
    assert figure.layout.yaxis.title.text == "% of customers: complete"
    assert figure.layout.yaxis.automargin is True and figure.layout.xaxis.automargin is True
    assert figure.layout.legend.yref == "container"  # below the tick labels, not over them


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with new_store(tmp_path) as opened:
        yield opened


def test_only_an_admin_sets_a_target_and_it_is_audited(store: Store) -> None:
    today = date(2026, 3, 2)
    with pytest.raises(AccessDenied, match="admin"):
        set_target(store, VIEWER, US, "crm", 80, today + 30 * DAY, today)
    assert store.rollout_targets() == []
    saved = set_target(store, ADMIN, US, "crm", 80, today + 30 * DAY, today)
    assert store.rollout_target("us", "crm") == saved
    assert saved.set_by == ADMIN.name
    entry, refused = store.audit()  # newest first: the refusal is recorded too
    assert (entry.actor, entry.action, entry.tenant, entry.stable_key, entry.outcome) == (
        ADMIN.name, "set_rollout_target", "us", "crm", "ok")
    assert (refused.actor, refused.action) == (VIEWER.name, "set_rollout_target")
    assert refused.outcome.startswith("failed: ") and "admin" in refused.outcome
    assert "80% by 2026-04-01" in entry.detail


@pytest.mark.parametrize(("pct", "days", "fix"), [
    (0, 30, "more than 0%"), (120, 30, "at most 100%"), (80, -1, "in the past")])
def test_an_impossible_target_is_refused_saying_what_to_change(
        store: Store, pct: float, days: int, fix: str) -> None:
    today = date(2026, 3, 2)
    with pytest.raises(InvalidTargetError, match=fix):
        set_target(store, ADMIN, US, "crm", pct, today + days * DAY, today)
    assert store.rollout_targets() == []


def test_the_targets_shown_are_those_of_the_connection_in_the_chosen_tenants(
        store: Store) -> None:
    today = date(2026, 3, 2)
    eu = US.model_copy(update={"name": "eu"})
    for tenant, key in ((US, "crm"), (eu, "crm"), (US, "erp")):
        set_target(store, ADMIN, tenant, key, 80, today + 30 * DAY, today)
    assert [(t.tenant, t.stable_key) for t in targets_of(store, "crm", ["us"])] == [("us", "crm")]
    assert len(targets_of(store, "crm", ["us", "eu"])) == 2

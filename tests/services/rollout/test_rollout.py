"""The rollout series from synthetic snapshots (gaps, connections added midway), the estimate
from lastConfiguredAt, segments and newly configured customers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from orgconn.services.rollout import rollout
from orgconn.services.rollout.rollout_charts import (
    chart_config,
    chart_png,
    coverage_chart,
    png_available,
    segment_chart,
    status_area_chart,
)
from orgconn.services.rollout.snapshots import take_snapshot
from orgconn.store import CustomerStatus, Store
from tests.services.rollout.rollout_builders import T0, cell, counts, frame_of, new_store

DAY = timedelta(days=1)


def _utc(value: object) -> pd.Timestamp:
    """A time as Plotly keeps it (naive UTC, or aware) as an aware UTC timestamp."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with new_store(tmp_path) as opened:
        yield opened


def test_each_day_is_shown_by_its_last_snapshot_and_a_day_without_one_stays_a_gap(
        store: Store) -> None:
    store.record_snapshot("us", T0, [counts("crm", complete=1, missing=3)])
    store.record_snapshot("us", T0 + timedelta(hours=6), [counts("crm", complete=2, missing=2)])
    store.record_snapshot("us", T0 + 2 * DAY, [counts("crm", complete=3, missing=1)])
    series = rollout.recorded_series(store.snapshot_series("us"))
    assert series["taken_at"].tolist() == [T0 + timedelta(hours=6), T0 + 2 * DAY]
    assert series["coverage_pct"].tolist() == [50.0, 75.0]
    assert not series["estimated"].any()


def test_a_connection_added_midway_starts_midway_and_the_others_keep_their_history(
        store: Store) -> None:
    store.record_snapshot("us", T0, [counts("crm", 1, 1)])
    store.record_snapshot("us", T0 + DAY, [counts("crm", 1, 1), counts("erp", 0, 4)])
    store.record_snapshot("us", T0 + 2 * DAY, [counts("crm", 2, 0), counts("erp", 1, 3)])
    series = rollout.recorded_series(store.snapshot_series("us"))
    by_key = {key: rows["taken_at"].tolist() for key, rows in series.groupby("stable_key")}
    assert by_key == {"crm": [T0, T0 + DAY, T0 + 2 * DAY], "erp": [T0 + DAY, T0 + 2 * DAY]}
    erp = series[series["stable_key"] == "erp"]
    assert erp["coverage_pct"].tolist() == [0.0, 25.0]


def test_the_chart_does_not_join_points_across_a_long_gap(store: Store) -> None:
    for day in (0, 1, 2, 20):  # nothing recorded for 18 days
        store.record_snapshot("us", T0 + day * DAY, [counts("crm", day, 20 - day)])
    series = rollout.recorded_series(store.snapshot_series("us"))
    (line,) = [t for t in coverage_chart(series).data if t.name == "CRM"]
    values = list(line.y)
    assert sum(1 for v in values if v is None or math.isnan(v)) == 1  # one break, in the gap
    broken = next(i for i, v in enumerate(values) if v is None or math.isnan(v))
    assert _utc(line.x[broken - 1]) == T0 + 2 * DAY
    assert _utc(line.x[broken + 1]) == T0 + 20 * DAY


ESTIMATE_FRAME = frame_of([
    cell("a", "complete", configured=T0 - 20 * DAY),
    cell("b", "error", configured=T0 - 9 * DAY),
    cell("c", "missing"),
    cell("d", "complete", configured=T0 - 2 * DAY),  # created after most points
    cell("x", "missing", key="new"),  # a connection nobody has configured yet
])
CREATED = pd.Series(pd.to_datetime([T0 - 60 * DAY, T0 - 60 * DAY, T0 - 60 * DAY, T0 - 4 * DAY],
                                   utc=True), index=["a", "b", "c", "d"])


def test_before_any_snapshot_coverage_is_estimated_weekly_from_last_configured_and_created_at(
) -> None:
    estimate = rollout.estimated_series(ESTIMATE_FRAME, CREATED, T0)
    assert estimate["estimated"].all()
    assert set(estimate["stable_key"]) == {"crm"}  # no configured values: nothing to estimate
    points = estimate.set_index("taken_at")
    first_configured = pd.Timestamp(T0 - 20 * DAY)
    first_monday = first_configured.normalize() - first_configured.weekday() * DAY
    assert points.index[0] == first_monday and points.index[-1] == T0
    for at, row in points.iterrows():
        existing = CREATED[at >= CREATED].index
        assert row["total"] == len(existing)
        assert row["complete"] == sum(1 for c, when in (("a", -20), ("d", -2))
                                      if c in existing and T0 + when * DAY <= at)
        assert row["error"] == (1 if at >= T0 - 9 * DAY else 0)
    today = points.loc[T0]  # the last point is today's coverage
    assert (today["complete"], today["error"], today["missing"]) == (2, 1, 1)


def test_the_estimate_stops_where_the_recorded_history_of_that_connection_begins(
        store: Store) -> None:
    take_snapshot(store, "us", ESTIMATE_FRAME, T0 - 5 * DAY)
    series = rollout.tenant_series(store, "us", ESTIMATE_FRAME, CREATED, T0)
    crm = series[series["stable_key"] == "crm"]
    recorded = crm[~crm["estimated"]]
    assert recorded["taken_at"].tolist() == [T0 - 5 * DAY]
    assert crm.loc[crm["estimated"], "taken_at"].max() < T0 - 5 * DAY
    assert len(crm[crm["estimated"]]) >= 2
    new = series[series["stable_key"] == "new"]  # recorded only: nobody configured it
    assert not new["estimated"].any() and new["coverage_pct"].tolist() == [0.0]


def test_a_segment_series_counts_only_customers_with_that_label(store: Store) -> None:
    frame = frame_of([cell("a", "complete", labels="tier:enterprise"),
                      cell("b", "missing", labels="tier:enterprise;beta"),
                      cell("c", "complete", labels="tier:starter")])
    take_snapshot(store, "us", frame, T0)
    store.record_snapshot("us", T0 + DAY, [counts("crm", 2, 1)])  # no per-customer detail
    series = rollout.recorded_for_tenant(store, "us", {"crm": "CRM"}, "tier:enterprise")
    assert series["taken_at"].tolist() == [T0]
    assert (series["complete"].iloc[0], series["total"].iloc[0]) == (1, 2)
    assert series["connection"].iloc[0] == "CRM"


def test_the_segment_breakdown_gives_each_label_its_coverage_and_dimension() -> None:
    frame = frame_of([cell("a", "complete", labels="tier:enterprise;beta"),
                      cell("b", "missing", labels="tier:enterprise"),
                      cell("c", "complete", labels="tier:starter"),
                      cell("d", "complete")])
    breakdown = rollout.segment_breakdown(frame).set_index("segment")
    assert breakdown.loc["tier:enterprise", ["customers", "complete", "coverage_pct"]].tolist() \
        == [2, 1, 50.0]
    assert breakdown.loc["beta", "dimension"] == "label"
    assert breakdown.loc["tier:starter", "dimension"] == "tier"
    assert len(breakdown) == 3  # customer d has no label


def test_the_segment_chart_groups_one_bar_per_tenant_in_each_segment() -> None:
    frame = frame_of([cell("a", "complete", labels="tier:enterprise;beta"),
                      cell("b", "missing", labels="tier:enterprise"),
                      cell("c", "complete", labels="tier:starter")])
    eu = frame_of([cell("e", "missing", labels="tier:starter", tenant="eu")])
    breakdown = rollout.segment_breakdown(pd.concat([frame, eu], ignore_index=True))
    figure = segment_chart(breakdown)
    assert figure.layout.barmode == "group"
    us_bars, eu_bars = figure.data
    assert (us_bars.name, eu_bars.name) == ("us", "eu")
    assert list(us_bars.x) == ["beta", "tier:enterprise", "tier:starter"]  # by dimension
    assert list(us_bars.y) == [100.0, 50.0, 100.0]
    assert list(us_bars.text) == ["100%", "50%", "100%"]
    assert list(eu_bars.x) == ["tier:starter"] and list(eu_bars.y) == [0.0]
    assert [list(row) for row in us_bars.customdata][1] == [2, 1, "tier"]
    assert us_bars.marker.color != eu_bars.marker.color


def test_newly_configured_compares_with_the_snapshot_taken_before_the_period(
        store: Store) -> None:
    then = frame_of([cell("a", "complete"), cell("b", "missing"), cell("c", "missing")])
    take_snapshot(store, "us", then, T0 - 10 * DAY)
    now = frame_of([cell("a", "complete", configured=T0 - DAY),  # reconfigured: not new
                    cell("b", "incomplete", configured=T0 - 3 * DAY),
                    cell("c", "missing"), cell("d", "complete", configured=T0 - 2 * DAY)])
    baseline = rollout.baseline_customers(store, "us", T0 - 7 * DAY)
    new = rollout.newly_configured(now, {"us": baseline}, T0, 7)
    assert sorted(new["customer_external_id"]) == ["b", "d"]
    assert new["basis"].str.startswith("no values in the snapshot of").all()


def test_without_an_old_enough_snapshot_newly_configured_is_estimated_from_last_configured(
        store: Store) -> None:
    take_snapshot(store, "us", frame_of([cell("a", "complete")]), T0 - 3 * DAY)
    assert rollout.baseline_customers(store, "us", T0 - 7 * DAY) is None
    now = frame_of([cell("a", "complete", configured=T0 - 40 * DAY),
                    cell("b", "complete", configured=T0 - 20 * DAY),
                    cell("c", "error", configured=T0 - DAY)])
    in_30 = rollout.newly_configured(now, {"us": None}, T0, 30)
    in_7 = rollout.newly_configured(now, {}, T0, 7)
    assert sorted(in_30["customer_external_id"]) == ["b", "c"]
    assert in_7["customer_external_id"].tolist() == ["c"]
    assert (in_7["basis"] == rollout.ESTIMATE_BASIS).all()


def test_the_status_chart_stacks_each_status_and_shades_the_estimated_period(
        store: Store) -> None:
    take_snapshot(store, "us", ESTIMATE_FRAME, T0)
    series = rollout.tenant_series(store, "us", ESTIMATE_FRAME, CREATED, T0 + DAY)
    crm = series[series["stable_key"] == "crm"]
    figure = status_area_chart(crm)
    stacked = {t.name: list(t.y) for t in figure.data}
    assert set(stacked) == {"complete", "incomplete", "missing", "error"}
    assert stacked["complete"] == crm.sort_values("taken_at")["complete"].tolist()
    shaded = [s for s in figure.layout.shapes if s.type == "rect"]
    assert len(shaded) == 1
    assert _utc(shaded[0].x1) == T0  # the shading ends at the first snapshot


def test_statuses_recorded_for_customers_keep_their_labels_as_tuples(store: Store) -> None:
    store.record_snapshot("us", T0, [counts("crm", 1, 0)], [CustomerStatus(
        external_id="a", stable_key="crm", status="complete", labels=("beta",))])
    history = store.customer_status_history("us", "crm")
    assert rollout.segment_snapshot_series(history, "beta")["complete"].tolist() == [1]
    assert rollout.segment_snapshot_series(history, "tier:x").empty


def test_every_chart_keeps_the_modebar_camera_that_downloads_it_as_png() -> None:
    config = chart_config("rollout-coverage")
    assert config["displayModeBar"] is True
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "rollout-coverage",
                                              "scale": 2}
    assert "toImage" not in config.get("modeBarButtonsToRemove", [])


@pytest.mark.skipif(not png_available(), reason="server-side PNG needs kaleido and Chromium")
def test_a_chart_renders_to_png_on_the_server_with_the_installed_chromium(store: Store) -> None:
    take_snapshot(store, "us", ESTIMATE_FRAME, T0)
    series = rollout.tenant_series(store, "us", ESTIMATE_FRAME, CREATED, T0 + DAY)
    png = chart_png(coverage_chart(series), width=600, height=300)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1200, 600)  # scale 2


def test_panel_charts_push_their_margins_for_axis_labels_and_keep_the_legend_below(
        store: Store) -> None:
    take_snapshot(store, "us", ESTIMATE_FRAME, T0)
    series = rollout.tenant_series(store, "us", ESTIMATE_FRAME, CREATED, T0 + DAY)
    for figure in (coverage_chart(series), status_area_chart(series[
            series["stable_key"] == "crm"])):
        layout = figure.layout
        assert layout.yaxis.title.text and layout.yaxis.automargin is True
        assert all(figure.layout[axis].automargin is True
                   for axis in layout if axis.startswith(("xaxis", "yaxis")))
        assert layout.margin.l >= 60 and layout.legend.yref == "container"


def test_the_baseline_looks_past_snapshots_that_hold_only_counts(store: Store) -> None:
    take_snapshot(store, "us", frame_of([cell("a", "complete"), cell("b", "missing")]), T0)
    store.record_snapshot("us", T0 + DAY, [counts("crm", 2, 0)])  # counts only
    baseline = rollout.baseline_customers(store, "us", T0 + 2 * DAY, "crm")
    assert baseline is not None
    assert baseline.set_index("external_id")["status"].to_dict() == {"a": "complete",
                                                                     "b": "missing"}
    assert rollout.baseline_customers(store, "us", T0) is None  # nothing before T0

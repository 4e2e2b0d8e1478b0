"""Blocked instances over time: snapshots record them from the coverage frame, the rollout
series carries them, and the chart draws only the points that know them (never a made-up 0)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from orgconn.services.rollout import rollout
from orgconn.services.rollout.rollout_charts import blocked_chart
from orgconn.services.rollout.snapshots import connection_counts, take_snapshot
from orgconn.store import ConnectionCounts, Store
from tests.services.rollout.rollout_builders import T0, cell, frame_of, new_store

DAY = timedelta(days=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with new_store(tmp_path) as opened:
        yield opened


def test_a_snapshot_counts_the_blocking_gaps_and_the_instances_they_block() -> None:
    frame = frame_of([cell("a", "missing", instances=3), cell("b", "incomplete", instances=1),
                      cell("c", "missing", instances=0), cell("d", "complete", instances=4),
                      cell("e", "missing", key="erp", instances=None),
                      cell("f", "missing", key="erp", instances=2)])
    by_key = {c.stable_key: c for c in connection_counts(frame)}
    assert (by_key["crm"].blocking_gaps, by_key["crm"].blocked_instances) == (2, 4)
    assert (by_key["erp"].blocking_gaps, by_key["erp"].blocked_instances) == (None, None)


def test_the_series_carries_blocked_instances_and_old_snapshots_none(store: Store) -> None:
    store.record_snapshot("us", T0, [ConnectionCounts(stable_key="crm", missing=2)])
    take_snapshot(store, "us", frame_of([cell("a", "missing", instances=3),
                                         cell("b", "complete", instances=1)]), T0 + DAY)
    series = rollout.recorded_series(store.snapshot_series("us"))
    assert pd.isna(series["blocked_instances"].iloc[0]), "recorded before the figure existed"
    assert (series["blocking_gaps"].iloc[1], series["blocked_instances"].iloc[1]) == (1, 3)


def test_estimated_points_never_carry_blocked_instances(store: Store) -> None:
    frame = frame_of([cell("a", "complete", configured=T0 - 30 * DAY, instances=2),
                      cell("b", "missing", instances=5)])
    created = pd.Series(pd.NaT, index=pd.Index(["a", "b"], name="customer_id"), dtype=object)
    series = rollout.tenant_series(store, "us", frame, created, T0)
    assert series["estimated"].all() and series["blocked_instances"].isna().all()


def test_the_chart_draws_a_line_per_connection_from_the_known_points_only(store: Store) -> None:
    store.record_snapshot("us", T0, [ConnectionCounts(stable_key="crm", missing=2)])
    for day, blocked in ((1, 7), (2, 4)):
        store.record_snapshot("us", T0 + day * DAY, [ConnectionCounts(
            stable_key="crm", name="CRM", missing=2, blocking_gaps=2, blocked_instances=blocked)])
    store.record_snapshot("eu", T0 + DAY, [ConnectionCounts(
        stable_key="crm", name="CRM", missing=1, blocking_gaps=0, blocked_instances=0)])
    series = pd.concat([rollout.recorded_series(store.snapshot_series(t)) for t in ("us", "eu")],
                       ignore_index=True)
    figure = blocked_chart(series)
    lines = {(trace.xaxis, tuple(trace.y)) for trace in figure.data}
    assert lines == {("x", (7.0, 4.0)), ("x2", (0.0,))}
    assert [a.text for a in figure.layout.annotations] == ["us", "eu"]

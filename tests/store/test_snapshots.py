"""Coverage snapshots: one a tenant a minute (also under concurrent writers), series, targets."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pydantic
import pytest

from orgconn.store import (
    CUSTOMER_COLUMNS,
    SERIES_COLUMNS,
    ConnectionCounts,
    CustomerStatus,
    Store,
    open_store,
)

DAY0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _counts(stable_key: str, complete: int, missing: int, error: int = 0) -> ConnectionCounts:
    return ConnectionCounts(stable_key=stable_key, name=stable_key.upper(), complete=complete,
                            incomplete=1, missing=missing, error=error)


def test_a_second_snapshot_in_the_same_minute_is_not_recorded(store: Store) -> None:
    first = store.record_snapshot("acme", DAY0 + timedelta(seconds=5), [_counts("crm", 3, 7)])
    again = store.record_snapshot("acme", DAY0 + timedelta(seconds=55), [_counts("crm", 4, 6)])
    assert first is not None and again is None
    series = store.snapshot_series("acme")
    assert series["complete"].tolist() == [3]


def test_the_next_minute_and_another_tenant_each_get_their_own_snapshot(store: Store) -> None:
    ids = [store.record_snapshot("acme", DAY0, [_counts("crm", 1, 1)]),
           store.record_snapshot("acme", DAY0 + timedelta(minutes=1), [_counts("crm", 2, 0)]),
           store.record_snapshot("globex", DAY0, [_counts("crm", 0, 2)])]
    assert None not in ids and len(set(ids)) == 3


def test_the_minute_is_taken_in_utc_whatever_the_time_zone(store: Store) -> None:
    berlin = DAY0.astimezone(ZoneInfo("Europe/Berlin"))
    assert store.record_snapshot("acme", DAY0, [_counts("crm", 1, 1)]) is not None
    assert store.record_snapshot("acme", berlin + timedelta(seconds=30),
                                 [_counts("crm", 1, 1)]) is None


@pytest.mark.parametrize("writers", [2, 6])
def test_concurrent_writers_in_one_minute_record_exactly_one_snapshot(
        store_url: str, writers: int) -> None:
    stores = [open_store(store_url) for _ in range(writers)]  # separate engines, like processes
    customers = [CustomerStatus(external_id=f"c{n}", stable_key="crm", status="complete")
                 for n in range(200)]
    results: list[int | None] = []
    try:
        for minute in range(3):
            barrier = threading.Barrier(writers)
            found: list[int | None] = [None] * writers

            def write(index: int, minute: int = minute, barrier: threading.Barrier = barrier,
                      found: list[int | None] = found) -> None:
                barrier.wait()
                found[index] = stores[index].record_snapshot(
                    "acme", DAY0 + timedelta(minutes=minute, seconds=index),
                    [_counts("crm", 200, 0)], customers)

            threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sum(result is not None for result in found) == 1, found
            results.extend(found)
        series = stores[0].snapshot_series("acme")
        assert len(series) == 3
        kept = [r for r in results if r is not None]
        assert all(len(stores[0].snapshot_customers(i)) == 200 for i in kept)
    finally:
        for opened in stores:
            opened.close()


def test_the_series_keeps_gaps_and_starts_a_connection_where_it_was_added(store: Store) -> None:
    days = [0, 1, 2, 10, 11]  # nothing recorded on days 3-9
    for day in days:
        counts = [_counts("crm", complete=day, missing=20 - day)]
        if day >= 10:
            counts.append(_counts("billing", complete=day - 9, missing=5, error=1))
        store.record_snapshot("acme", DAY0 + timedelta(days=day), counts)
    store.record_snapshot("globex", DAY0, [_counts("crm", 9, 9)])

    series = store.snapshot_series("acme")
    assert list(series.columns) == SERIES_COLUMNS
    crm = series[series["stable_key"] == "crm"]
    billing = series[series["stable_key"] == "billing"]
    assert [(t - DAY0).days for t in crm["taken_at"]] == days
    assert [(t - DAY0).days for t in billing["taken_at"]] == [10, 11]
    assert crm["complete"].tolist() == days
    assert (crm["total"] == crm["complete"] + crm["incomplete"] + crm["missing"]
            + crm["error"]).all()
    assert billing["total"].tolist() == [8, 9]
    assert series["taken_at"].is_monotonic_increasing
    assert set(series["tenant"]) == {"acme"}


def test_the_series_filters_by_connection_tenant_and_time(store: Store) -> None:
    for day in range(4):
        store.record_snapshot("acme", DAY0 + timedelta(days=day),
                              [_counts("crm", day, 4), _counts("billing", 1, 1)])
    store.record_snapshot("globex", DAY0, [_counts("crm", 5, 5)])
    crm = store.snapshot_series(stable_key="crm")
    assert sorted(set(crm["tenant"])) == ["acme", "globex"]
    assert set(crm["stable_key"]) == {"crm"}
    window = store.snapshot_series("acme", "crm", since=DAY0 + timedelta(days=1),
                                   until=DAY0 + timedelta(days=3))
    assert window["complete"].tolist() == [1, 2]


def test_an_empty_series_has_the_columns(store: Store) -> None:
    series = store.snapshot_series("nobody")
    assert series.empty and list(series.columns) == SERIES_COLUMNS


def test_the_latest_snapshot_and_its_customers(store: Store) -> None:
    assert store.latest_snapshot("acme") is None
    store.record_snapshot("acme", DAY0, [_counts("crm", 1, 1)])
    customers = [
        CustomerStatus(external_id="c1", stable_key="crm", status="complete",
                       labels=("enterprise", "emea"), customer_name="Initech"),
        CustomerStatus(external_id="c2", stable_key="crm", status="missing"),
        CustomerStatus(external_id="c1", stable_key="billing", status="error"),
    ]
    newest = store.record_snapshot("acme", DAY0 + timedelta(hours=1),
                                   [_counts("crm", 1, 1), _counts("billing", 0, 1, 1)], customers)
    latest = store.latest_snapshot("acme")
    assert latest is not None and latest.id == newest
    assert latest.taken_at == DAY0 + timedelta(hours=1)
    assert [c.stable_key for c in latest.connections] == ["billing", "crm"]
    assert latest.connections[1] == _counts("crm", 1, 1)

    assert newest is not None
    frame = store.snapshot_customers(newest)
    assert list(frame.columns) == CUSTOMER_COLUMNS
    assert frame[["stable_key", "external_id", "status"]].values.tolist() == [
        ["billing", "c1", "error"], ["crm", "c1", "complete"], ["crm", "c2", "missing"]]
    crm = store.snapshot_customers(newest, stable_key="crm")
    assert crm["labels"].tolist() == [("enterprise", "emea"), ()]
    assert crm["customer_name"].tolist()[0] == "Initech"


def test_a_customer_status_history_follows_one_connection_over_time(store: Store) -> None:
    for day, status in enumerate(["missing", "incomplete", "complete"]):
        store.record_snapshot("acme", DAY0 + timedelta(days=day), [_counts("crm", 0, 1)], [
            CustomerStatus(external_id="c1", stable_key="crm", status=status),
            CustomerStatus(external_id="c1", stable_key="billing", status="missing")])
    history = store.customer_status_history("acme", "crm", since=DAY0 + timedelta(days=1))
    assert history["status"].tolist() == ["incomplete", "complete"]
    assert set(history["stable_key"]) == {"crm"}


def test_a_snapshot_listing_a_connection_twice_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="repeated: crm"):
        store.record_snapshot("acme", DAY0, [_counts("crm", 1, 1), _counts("crm", 2, 2)])
    assert store.latest_snapshot("acme") is None


def test_a_naive_snapshot_time_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.record_snapshot("acme", datetime(2026, 1, 5, 8, 0), [])


def test_a_rollout_target_is_set_replaced_listed_and_cleared(store: Store) -> None:
    assert store.rollout_target("acme", "crm") is None
    store.set_rollout_target("acme", "crm", 80, date(2026, 6, 30), "lead@example.com")
    replaced = store.set_rollout_target("acme", "crm", 95.5, date(2026, 9, 30), "vp@example.com")
    store.set_rollout_target("globex", "crm", 50, date(2026, 7, 1), "lead@example.com")
    found = store.rollout_target("acme", "crm")
    assert found == replaced
    assert (found.target_pct, found.target_date, found.set_by) == (
        95.5, date(2026, 9, 30), "vp@example.com")
    assert [(t.tenant, t.stable_key) for t in store.rollout_targets()] == [
        ("acme", "crm"), ("globex", "crm")]
    assert [t.tenant for t in store.rollout_targets("globex")] == ["globex"]
    assert store.clear_rollout_target("acme", "crm") is True
    assert store.clear_rollout_target("acme", "crm") is False
    assert store.rollout_target("acme", "crm") is None


@pytest.mark.parametrize("pct", [0, -5, 100.5])
def test_a_target_outside_0_to_100_percent_is_refused(store: Store, pct: float) -> None:
    with pytest.raises(pydantic.ValidationError, match="target_pct"):
        store.set_rollout_target("acme", "crm", pct, date(2026, 6, 30), "lead@example.com")
    assert store.rollout_targets() == []

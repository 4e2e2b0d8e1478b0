"""Recording coverage snapshots from coverage frames: counts, customer statuses, one a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from orgconn.models import Customer, TenantData
from orgconn.services.rollout import snapshots
from orgconn.services.rollout.snapshots import customer_created_at, take_snapshot
from orgconn.store import Store
from tests.services.rollout.rollout_builders import T0, cell, frame_of, new_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with new_store(tmp_path) as opened:
        yield opened


FRAME = frame_of([
    cell("c1", "complete", labels="tier:enterprise;region:emea"),
    cell("c2", "missing", labels="tier:starter"),
    cell("c3", "error"),
    cell("c1", "incomplete", key="erp"),
    cell("c2", "complete", key="erp", external_id=""),
    cell("c9", "complete", tenant="eu"),
])


def test_a_snapshot_counts_each_status_per_connection_of_its_tenant_only(store: Store) -> None:
    snapshot_id = take_snapshot(store, "us", FRAME, T0)
    assert snapshot_id is not None
    recorded = {c.stable_key: c for c in store.latest_snapshot("us").connections}
    assert set(recorded) == {"crm", "erp"}
    assert (recorded["crm"].complete, recorded["crm"].missing, recorded["crm"].error) == (1, 1, 1)
    assert (recorded["erp"].complete, recorded["erp"].incomplete) == (1, 1)
    assert recorded["crm"].name == "CRM"
    assert store.latest_snapshot("eu") is None


def test_each_customer_status_is_kept_with_its_labels_and_an_id_when_it_has_no_external_id(
        store: Store) -> None:
    snapshot_id = take_snapshot(store, "us", FRAME, T0)
    customers = store.snapshot_customers(snapshot_id)
    c1 = customers[(customers["stable_key"] == "crm") & (customers["external_id"] == "c1")]
    assert c1["labels"].iloc[0] == ("tier:enterprise", "region:emea")
    assert c1["status"].iloc[0] == "complete"
    erp = customers[customers["stable_key"] == "erp"].set_index("external_id")["status"]
    assert erp.to_dict() == {"c1": "incomplete", "c2": "complete"}  # c2 kept under its ID


def test_a_second_snapshot_in_the_same_minute_records_nothing(store: Store) -> None:
    first = take_snapshot(store, "us", FRAME, T0)
    changed = FRAME.assign(status=FRAME["status"].where(FRAME["customer_id"] != "c2", "complete"))
    again = take_snapshot(store, "us", changed, T0 + timedelta(seconds=20))
    later = take_snapshot(store, "us", changed, T0 + timedelta(minutes=1))
    assert first is not None and again is None and later is not None
    series = store.snapshot_series("us", stable_key="crm")
    assert series["complete"].tolist() == [1, 2]


def test_customers_creation_times_are_indexed_by_customer_id_with_unknown_as_missing() -> None:
    snapshot = TenantData(connections=(), customer_values=(), customers=(
        Customer(id="a", name="A", created_at=T0), Customer(id="b", name="B")))
    created = customer_created_at(snapshot)
    assert created["a"] == T0
    assert created.isna().tolist() == [False, True]


def test_a_large_tenant_keeps_customer_statuses_in_its_first_snapshot_of_each_day_only(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "DETAIL_CELLS", len(FRAME) - 2)  # "us" has one cell more
    ids = [take_snapshot(store, "us", FRAME, T0 + delay) for delay in
           (timedelta(0), timedelta(hours=3), timedelta(days=1))]
    detailed = [not store.snapshot_customers(i).empty for i in ids if i is not None]
    assert detailed == [True, False, True]
    counted = [store.snapshot(i).connections for i in ids if i is not None]
    assert all(len(c) == 2 for c in counted)  # the counts are in every snapshot

"""Coverage with instance impact: counts per cell, blocking gaps, their order, the blocking
filter and "impact unknown" (never 0) — on hand-made tenants and against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from orgconn.client import PrismaticClient
from orgconn.models import CoverageRead, InstanceCount, InstanceImpact
from orgconn.services import coverage_rules as rules
from orgconn.services.coverage import (
    IMPACT_COLUMNS,
    CoverageFilter,
    apply_filter,
    connection_summary,
    coverage_frame,
    gap_export,
    gaps_by_impact,
    impact_summary,
)
from tests.client.test_client_on_sandbox import tenant_of
from tests.services.test_coverage import API, SFTP, SNAPSHOT

# c0: API complete, 2 instances · c1: API incomplete, 3 (1 enabled, 1 failing) · c2: API error,
# 1 · c3: API missing, none. SFTP: c0 complete, c1 error with 5 instances, c2/c3 missing, c2
# with 1. Customers without an entry have no instances.
IMPACT = InstanceImpact(counts={
    API.id: {"c0": InstanceCount(2, 2, 0), "c1": InstanceCount(3, 1, 1),
             "c2": InstanceCount(1, 1, 0)},
    SFTP.id: {"c1": InstanceCount(5, 4, 2), "c2": InstanceCount(1, 0, 0)},
})


@pytest.fixture
def frame() -> pd.DataFrame:
    return coverage_frame("us", CoverageRead.of_tenant_data(SNAPSHOT, IMPACT))


def _cell(frame: pd.DataFrame, key: str, customer: str) -> pd.Series:
    return frame[(frame["stable_key"] == key) & (frame["customer_id"] == customer)].iloc[0]


def test_every_cell_carries_the_instances_that_use_the_connection(frame: pd.DataFrame) -> None:
    c1 = _cell(frame, "acme-api-key", "c1")
    assert (c1["instances"], c1["enabled_instances"], c1["failing_instances"]) == (3, 1, 1)
    c3 = _cell(frame, "acme-api-key", "c3")
    assert (c3["instances"], c3["enabled_instances"], c3["failing_instances"]) == (0, 0, 0)


def test_a_gap_with_instances_is_blocking_and_a_complete_cell_never_is(
        frame: pd.DataFrame) -> None:
    blocking = {(r.stable_key, r.customer_id) for r in frame[frame["blocking"]].itertuples()}
    assert blocking == {("acme-api-key", "c1"), ("acme-api-key", "c2"),
                        ("sftp-upload", "c1"), ("sftp-upload", "c2")}
    assert not _cell(frame, "acme-api-key", "c0")["blocking"], "complete, with 2 instances"
    assert not _cell(frame, "acme-api-key", "c3")["blocking"], "missing, without instances"


def test_without_an_impact_read_every_count_is_unknown_never_zero() -> None:
    frame = coverage_frame("us", SNAPSHOT)
    assert frame[list(IMPACT_COLUMNS)].isna().all().all()
    assert not frame["blocking"].any()
    summary = impact_summary(frame).iloc[0]
    assert pd.isna(summary["blocked_customers"]) and pd.isna(summary["blocked_instances"])


def test_a_connection_whose_instances_were_not_read_is_unknown_the_others_known() -> None:
    partial = InstanceImpact(counts={API.id: IMPACT.counts[API.id]})
    frame = coverage_frame("us", CoverageRead.of_tenant_data(SNAPSHOT, partial))
    assert frame.loc[frame["stable_key"] == "sftp-upload", "instances"].isna().all()
    assert (frame.loc[frame["stable_key"] == "acme-api-key", "instances"].notna()).all()
    assert pd.isna(impact_summary(frame).iloc[0]["blocked_instances"]), "some gaps unknown"


def test_gaps_are_ordered_blocking_first_most_instances_first_then_unknown_then_none() -> None:
    partial = InstanceImpact(counts={API.id: IMPACT.counts[API.id]})
    frame = coverage_frame("us", CoverageRead.of_tenant_data(SNAPSHOT, partial))
    order = [(r.stable_key, r.customer_id) for r in gaps_by_impact(frame).itertuples()]
    assert order == [("acme-api-key", "c1"), ("acme-api-key", "c2"),  # 3 then 1 instances
                     ("sftp-upload", "c1"), ("sftp-upload", "c2"), ("sftp-upload", "c3"),
                     ("acme-api-key", "c3")]  # unknown impact, then no instance


def test_blocking_only_keeps_the_blocking_gaps(frame: pd.DataFrame) -> None:
    shown = apply_filter(frame, CoverageFilter(blocking_only=True))
    assert len(shown) == 4 and shown["blocking"].all()
    narrower = apply_filter(frame, CoverageFilter(blocking_only=True, stable_keys=("sftp-upload",)))
    assert set(narrower["customer_id"]) == {"c1", "c2"}


def test_the_gaps_export_has_the_impact_columns_most_blocking_first(
        frame: pd.DataFrame) -> None:
    export = gap_export(frame)
    assert list(export.columns[-3:]) == ["instances", "enabled_instances", "failing_instances"]
    assert list(export["instances"])[:4] == [5, 3, 1, 1]
    assert "canary" not in export.to_csv()


def test_blocked_customers_and_instances_per_tenant(frame: pd.DataFrame) -> None:
    summary = impact_summary(frame).iloc[0]
    assert (summary["blocked_customers"], summary["blocked_instances"]) == (2, 3 + 1 + 5 + 1)


def test_the_pure_rules_and_the_frame_give_the_same_figures(frame: pd.DataFrame) -> None:
    read = CoverageRead.of_tenant_data(SNAPSHOT, IMPACT)
    cells = rules.coverage_cells("us", read)
    counts = rules.connection_counts(cells)
    table = connection_summary(frame)
    for row, count in zip(table.itertuples(), counts, strict=True):
        assert (row.stable_key, row.complete, row.incomplete, row.missing, row.error,
                row.percent_complete) == (count.stable_key, count.complete, count.incomplete,
                                          count.missing, count.error, count.percent_complete)
    figures = rules.tenant_counts("us", read, cells)
    assert (figures.blocked_customers, figures.blocked_instances) == (2, 10)
    assert [(c.stable_key, c.customer_id) for c in rules.gaps_by_impact(cells)] == [
        (r.stable_key, r.customer_id) for r in gaps_by_impact(frame).itertuples()]


@pytest.fixture(scope="module")
def us(sandbox: Any) -> Iterator[PrismaticClient]:
    with PrismaticClient(tenant_of(sandbox)) as client:
        yield client


def test_the_lean_read_gives_the_cells_of_the_full_snapshot_and_the_instance_read(
        us: PrismaticClient) -> None:
    lean = coverage_frame("us", us.coverage_read())
    full = coverage_frame("us", CoverageRead.of_tenant_data(us.read_tenant(), us.instance_impact()))
    columns = ["stable_key", "customer_id", "status", "missing_inputs", "values_id",
               *IMPACT_COLUMNS, "blocking"]
    pd.testing.assert_frame_equal(lean[columns], full[columns])
    assert lean["blocking"].any() and (~lean["blocking"] & (lean["status"] != "complete")).any()
    blocked = lean[lean["blocking"]]
    assert (blocked["failing_instances"] > 0).any(), "the seed has gaps blocking failed ones"


def test_the_lean_read_carries_each_customers_creation_time_as_the_full_read_does(
        us: PrismaticClient) -> None:
    from orgconn.services.rollout.snapshots import customer_created_at

    lean, full = us.coverage_read(), us.read_tenant()
    assert all(c.created_at for c in lean.customers)
    pd.testing.assert_series_equal(customer_created_at(lean).sort_index(),
                                   customer_created_at(full).sort_index())


def test_the_lean_read_asks_in_pages_and_holds_no_value(us: PrismaticClient) -> None:
    before = us.stats.requests
    read = us.coverage_read()
    sent = us.stats.requests - before
    customers = len(read.customers)
    assert customers > 20 and sent < customers / 2, "pages, not a query per customer"
    assert all(set(v._fields) == {"id", "connection_id", "customer_id", "status",
                                  "last_configured_at", "filled"} for v in read.values[:5])

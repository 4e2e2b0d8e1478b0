"""Blocked instances in coverage snapshots: recorded when known, unknown (never 0) otherwise,
and an older store (version 2) gains the columns on opening, its old rows without a figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from orgconn.store import ConnectionCounts, Store, open_store
from orgconn.store.schema import SCHEMA_VERSION

DAY0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_blocking_figures_are_kept_and_unknown_ones_stay_unknown(store: Store) -> None:
    store.record_snapshot("us", DAY0, [
        ConnectionCounts(stable_key="crm", missing=3, blocking_gaps=2, blocked_instances=5),
        ConnectionCounts(stable_key="erp", missing=1)])
    series = store.snapshot_series("us").set_index("stable_key")
    assert (series.loc["crm", "blocking_gaps"], series.loc["crm", "blocked_instances"]) == (2, 5)
    assert pd.isna(series.loc["erp", "blocked_instances"])
    assert str(series["blocked_instances"].dtype) == "Int64"


V2_SNAPSHOT_CONNECTION = """CREATE TABLE snapshot_connection (
    snapshot_id INTEGER NOT NULL REFERENCES coverage_snapshot (id) ON DELETE CASCADE,
    stable_key VARCHAR(300) NOT NULL, name VARCHAR(300) NOT NULL, complete INTEGER NOT NULL,
    incomplete INTEGER NOT NULL, missing INTEGER NOT NULL, error INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, stable_key))"""


def test_a_version_2_store_gains_the_columns_and_its_old_rows_show_no_figure(
        store_url: str) -> None:
    with open_store(store_url) as store:
        store.record_snapshot("us", DAY0, [ConnectionCounts(stable_key="crm", missing=4)])
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:  # back to version 2: the table as it was then
        rows = connection.execute(sa.text(
            "SELECT snapshot_id, stable_key, name, complete, incomplete, missing, error "
            "FROM snapshot_connection")).all()
        connection.execute(sa.text("DROP TABLE snapshot_connection"))
        connection.execute(sa.text(V2_SNAPSHOT_CONNECTION))
        for row in rows:
            connection.execute(sa.text(
                "INSERT INTO snapshot_connection VALUES (:a, :b, :c, :d, :e, :f, :g)"),
                dict(zip("abcdefg", row, strict=True)))
        connection.execute(sa.text("UPDATE schema_version SET version = 2"))
    with open_store(store_url) as store:
        store.record_snapshot("us", DAY0 + timedelta(days=1), [ConnectionCounts(
            stable_key="crm", missing=1, blocking_gaps=1, blocked_instances=2)])
        series = store.snapshot_series("us")
    assert list(series["missing"]) == [4, 1], "nothing lost"
    assert pd.isna(series["blocked_instances"].iloc[0]) and series["blocked_instances"].iloc[1] == 2
    with engine.begin() as connection:
        assert connection.execute(sa.text(
            "SELECT version FROM schema_version")).scalar_one() == SCHEMA_VERSION
    engine.dispose()

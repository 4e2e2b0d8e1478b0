"""On the sandbox: values written for a customer show in the next snapshot and on the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import coverage_frame
from orgconn.services.rollout import rollout
from orgconn.services.rollout.rollout_charts import coverage_chart
from orgconn.services.rollout.snapshots import customer_created_at, take_snapshot
from tests.edit_support import sandbox_client
from tests.services.rollout.rollout_builders import new_store


def test_values_written_for_a_customer_appear_in_the_next_snapshot_and_on_the_chart(
        fresh_sandbox: RunningSandbox, tmp_path: Path) -> None:
    first = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with sandbox_client(fresh_sandbox) as client, new_store(tmp_path) as store:
        before = coverage_frame("us", client.read_tenant())
        assert take_snapshot(store, "us", before, first) is not None
        crm = before[before["stable_key"] == "crm-sync"]
        missing = crm[crm["status"] == "missing"].iloc[0]
        connection = client.connection("crm-sync")
        assert connection is not None
        client.upsert_customer_values(connection, str(missing["customer_id"]),
                                      {"accessToken": "canary-rollout-token"})

        snapshot = client.read_tenant()
        after = coverage_frame("us", snapshot)
        assert take_snapshot(store, "us", after, first + timedelta(minutes=1)) is not None
        assert len(store.snapshot_series("us", stable_key="crm-sync")) == 2
        series = rollout.tenant_series(store, "us", after, customer_created_at(snapshot),
                                       first + timedelta(minutes=2))

    recorded = series[(series["stable_key"] == "crm-sync") & ~series["estimated"]]
    assert len(recorded) == 1  # the same day: the day's last snapshot stands for it
    was = int((crm["status"] == "complete").sum())
    assert recorded["complete"].iloc[0] == was + 1
    assert recorded["coverage_pct"].iloc[0] == round(100 * (was + 1) / len(crm), 1)
    line = next(t for t in coverage_chart(series).data if t.name == "HubSpot CRM sync")
    assert line.y[-1] == recorded["coverage_pct"].iloc[0]
    assert "canary" not in series.to_csv()

"""Records know their tenant: two stacks that both call a tenant "us" keep separate audit logs,
bulk jobs, coverage histories and rollout targets in one store, and a version-1 store is
migrated with nothing lost, its rows adopted by the tenant that carries their alias."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from orgconn.store import (
    AuditEntry,
    AuditFilter,
    BulkOptions,
    ConnectionCounts,
    CustomerStatus,
    PlannedRow,
    Store,
    open_store,
)
from orgconn.store.connection import create_store_engine, resolve_url
from orgconn.store.schema import SCHEMA_VERSION
from tests.store import schema_v1

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REAL = "T-real@https://app.prismatic.io"
SANDBOX = "sandbox:us"
SHA = "a" * 64


def _entry(outcome: str = "ok") -> AuditEntry:
    return AuditEntry(at=AT, actor="cs@example.com", tenant="us", action="update_customer_values",
                      stable_key="crm", customer_external_id="c-1", outcome=outcome,
                      source="page")


def _opened(url: str, identity: str) -> Store:
    store = open_store(url)
    store.identify_tenants(["us"], lambda alias: identity)
    return store


def _write_everything(store: Store, complete: int) -> None:
    store.append_audit(_entry())
    store.create_job(tenant="us", actor="ops", file_name="f.csv", file_sha256=SHA,
                     options=BulkOptions(), rows=[PlannedRow(
                         row_number=1, stable_key="crm", customer_external_id="c-1",
                         action="create")])
    store.record_snapshot("us", AT, [ConnectionCounts(stable_key="crm", complete=complete)],
                          [CustomerStatus(external_id="c-1", stable_key="crm", status="complete")])
    store.set_rollout_target("us", "crm", complete / 2, date(2026, 6, 1), "admin")


def test_two_stacks_called_us_keep_separate_histories_in_one_store(store_url: str) -> None:
    with _opened(store_url, REAL) as real, _opened(store_url, SANDBOX) as sandbox:
        _write_everything(real, complete=120)
        _write_everything(sandbox, complete=8)  # the same minute: both snapshots are kept

        for store, complete, identity in ((real, 120, REAL), (sandbox, 8, SANDBOX)):
            [row] = store.audit(AuditFilter(tenant="us"))
            assert row.tenant_identity == identity and store.audit_count() == 1
            assert len(store.audit_frame()) == 1 and store.audit_choices().tenants == ("us",)
            [job] = store.list_jobs("us")
            assert job.tenant_identity == identity and store.list_jobs() == [job]
            assert store.find_job("us", SHA, BulkOptions()) == job
            series = store.snapshot_series("us", "crm")
            assert series["complete"].tolist() == [complete]
            assert store.snapshot_series()["complete"].tolist() == [complete]
            latest = store.latest_snapshot("us")
            assert latest is not None and latest.tenant_identity == identity
            assert len(store.customer_status_history("us", "crm")) == 1
            [target] = store.rollout_targets()
            assert (target.target_pct, target.tenant_identity) == (complete / 2, identity)

        assert real.clear_rollout_target("us", "crm")
        assert real.rollout_targets() == [] and len(sandbox.rollout_targets()) == 1


def test_a_store_not_told_its_tenants_reads_every_row_by_alias(store_url: str) -> None:
    with _opened(store_url, REAL) as real, _opened(store_url, SANDBOX) as sandbox:
        _write_everything(real, complete=120)
        _write_everything(sandbox, complete=8)
    with open_store(store_url) as plain:
        assert plain.audit_count(AuditFilter(tenant="us")) == 2
        assert sorted(plain.snapshot_series("us")["complete"]) == [8, 120]


def _version_1_store(url: str) -> None:
    """A store as orgconn wrote it before identities: one row of each kind, alias "us"."""
    engine = create_store_engine(resolve_url(url))
    v1 = schema_v1
    with engine.begin() as connection:
        v1.metadata.create_all(connection)
        connection.execute(sa.insert(v1.schema_version).values(
            component="orgconn", version=1, updated_at=AT))
        connection.execute(sa.insert(v1.audit_log).values(
            at=AT, actor="old", tenant="us", action="update_customer_values", stable_key="crm",
            customer_external_id="c-1", changed_inputs=[], outcome="ok", source="page",
            detail=""))
        connection.execute(sa.insert(v1.coverage_snapshot).values(
            id=7, tenant="us", taken_at=AT, minute=int(AT.timestamp() // 60)))
        connection.execute(sa.insert(v1.snapshot_connection).values(
            snapshot_id=7, stable_key="crm", name="CRM", complete=3, incomplete=1, missing=0,
            error=0))
        connection.execute(sa.insert(v1.snapshot_customer).values(
            snapshot_id=7, stable_key="crm", external_id="c-1", status="complete", labels=[]))
        connection.execute(sa.insert(v1.rollout_target).values(
            tenant="us", stable_key="crm", target_pct=80.0, target_date=date(2026, 6, 1),
            set_by="admin", set_at=AT))
        connection.execute(sa.insert(v1.bulk_job).values(
            id=3, created_at=AT, updated_at=AT, actor="ops", tenant="us", file_name="f.csv",
            file_sha256=SHA, options=BulkOptions().canonical(), status="failed", row_count=1))
        connection.execute(sa.insert(v1.bulk_row).values(
            job_id=3, row_number=1, stable_key="crm", customer_external_id="c-1",
            planned_action="create", outcome="pending", message="", changed_inputs=[],
            attempts=0, updated_at=AT))
        connection.execute(sa.insert(v1.audit_log).values(
            at=AT, actor="old", tenant="eu", action="update_customer_values", stable_key="crm",
            changed_inputs=[], outcome="ok", source="page", detail=""))
    engine.dispose()


@pytest.mark.parametrize("alias_identity", [REAL, SANDBOX])
def test_a_version_1_store_is_migrated_and_its_rows_adopted_by_the_alias(
        store_url: str, alias_identity: str) -> None:
    _version_1_store(store_url)
    with open_store(store_url) as plain:  # migrates; nothing is lost, nothing adopted yet
        assert plain.audit_count() == 2 and len(plain.list_jobs()) == 1
        assert {e.tenant_identity for e in plain.audit()} == {""}

    with _opened(store_url, alias_identity) as adopted:
        assert [e.actor for e in adopted.audit()] == ["old"]  # "eu" is not a tenant here
        assert adopted.audit()[0].tenant_identity == alias_identity
        [job] = adopted.list_jobs("us")
        assert (job.id, job.tenant_identity) == (3, alias_identity)
        assert adopted.find_job("us", SHA, BulkOptions()) == job
        assert adopted.job_summary(3).outcomes["pending"] == 1
        snapshot = adopted.latest_snapshot("us")
        assert snapshot is not None and snapshot.id == 7
        assert snapshot.connections[0].complete == 3
        assert snapshot.connections[0].blocked_instances is None  # version 3: no figure, not 0
        assert adopted.snapshot_customers(7)["external_id"].tolist() == ["c-1"]
        [target] = adopted.rollout_targets("us")
        assert (target.target_pct, target.tenant_identity) == (80.0, alias_identity)
        adopted.record_snapshot("us", AT, [ConnectionCounts(stable_key="crm", complete=4)])

    other = SANDBOX if alias_identity == REAL else REAL
    with _opened(store_url, other) as stranger:  # the adopted rows are no longer anyone's "us"
        assert stranger.audit() == [] and stranger.list_jobs() == []
        assert stranger.latest_snapshot("us") is None and stranger.rollout_targets() == []

    engine = create_store_engine(resolve_url(store_url))
    with engine.connect() as connection:
        version = connection.execute(sa.text(
            "SELECT version FROM schema_version WHERE component = 'orgconn'")).scalar_one()
    engine.dispose()
    assert version == SCHEMA_VERSION == 3

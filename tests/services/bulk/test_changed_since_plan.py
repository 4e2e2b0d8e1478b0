"""A change landing between the plan and a batch's send survives: its row is a conflict.

The sandbox is changed through the client (as the web app or another tool would, outside the
store's locks) just before the first batch is sent, after the apply planned against the values
it read first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orgconn.client import PrismaticClient
from orgconn.sandbox import RunningSandbox
from orgconn.services import bulk
from orgconn.services.bulk import send as bulk_send
from orgconn.store import AuditFilter, BulkOptions, Store, open_store
from tests.edit_support import async_clients
from tests.services.bulk.test_apply import (
    KEY,
    OPERATOR,
    SECRET,
    filled_template,
    read,
    tenant,
    warehouse_values,
)

OVERWRITE = BulkOptions(connection="customer-warehouse", overwrite=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def change_before_the_first_batch(monkeypatch: pytest.MonkeyPatch,
                                  change: Callable[[], None]) -> list[bool]:
    """Run ``change`` (through its own client) once, just before the first batch is sent,
    under its locks; the list it returns holds True once it ran."""
    original = bulk_send.JobRun._send_locked
    ran: list[bool] = []

    async def changed_first(run: bulk_send.JobRun, chunk: list[bulk_send._Item]) -> None:
        if not ran:
            await asyncio.to_thread(change)
            ran.append(True)
        await original(run, chunk)

    monkeypatch.setattr(bulk_send.JobRun, "_send_locked", changed_first)
    return ran


def test_a_value_changed_after_the_plan_is_kept_and_its_row_is_reported_as_a_conflict(
        fresh_sandbox: RunningSandbox, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    state = read(fresh_sandbox)
    having = sorted(v.customer.external_id for v in state.customer_values
                    if v.customer and v.customer.external_id)[:4]
    assert len(having) == 4
    victim = having[1]
    content = ("external_id,host\n" + "".join(f"{e},bulk-{e}.example.com\n" for e in having)
               ).encode()
    def change_victim() -> None:
        with PrismaticClient(tenant(fresh_sandbox)) as client:
            connection = client.connection("customer-warehouse")
            current = next(v for v in client.customer_values(stable_key="customer-warehouse")
                           if v.customer and v.customer.external_id == victim)
            assert connection is not None
            client.update_customer_values(current, {"host": "theirs.example.com"},
                                          connection=connection)

    changed = change_before_the_first_batch(monkeypatch, change_victim)
    result = bulk.apply_upload(tenant(fresh_sandbox), "hosts.csv", content, OVERWRITE,
                               actor=OPERATOR, store=store, key=KEY,
                               open_client=async_clients(tenant(fresh_sandbox)))

    hosts = {e: v["host"] for e, v in warehouse_values(fresh_sandbox).items()}
    assert changed == [True] and hosts[victim] == "theirs.example.com"
    assert all(hosts[e] == f"bulk-{e}.example.com" for e in having if e != victim)
    report = bulk.report_frame(store, result.job.id).set_index("external_id")
    assert report.loc[victim, "outcome"] == "failed"
    assert "changed by someone else since the file was checked" in report.loc[victim, "message"]
    assert (report.drop(victim)["outcome"] == "done").all()
    assert result.summary.outcomes["failed"] == 1 and result.progress.failed == 1
    failed = store.audit(AuditFilter(source="bulk", outcome="failed"), limit=None)
    assert [e.customer_external_id for e in failed] == [victim]


def test_values_created_by_someone_else_after_the_plan_are_kept_and_the_create_is_a_conflict(
        fresh_sandbox: RunningSandbox, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _, content, frame = filled_template(fresh_sandbox)
    victim = str(frame["external_id"].iloc[1])
    theirs = {"host": "theirs.example.com", "port": "6543", "database": "theirs",
              "username": "them", "password": "canary-theirs-Zq8"}
    def create_victims_values() -> None:
        with PrismaticClient(tenant(fresh_sandbox)) as client:
            connection = client.connection("customer-warehouse")
            customer = client.customer(victim)
            assert connection is not None and customer is not None
            client.create_customer_values(connection, customer, theirs)

    created = change_before_the_first_batch(monkeypatch, create_victims_values)
    result = bulk.apply_upload(tenant(fresh_sandbox), "warehouse.csv", content,
                               BulkOptions(connection="customer-warehouse"), actor=OPERATOR,
                               store=store, key=KEY,
                               open_client=async_clients(tenant(fresh_sandbox)))

    now = warehouse_values(fresh_sandbox)
    assert created == [True] and now[victim]["host"] == "theirs.example.com"
    assert now[victim]["password"] == theirs["password"]
    report = bulk.report_frame(store, result.job.id).set_index("external_id")
    assert report.loc[victim, "outcome"] == "failed"
    assert "changed by someone else since the file was checked" in report.loc[victim, "message"]
    assert (report.drop(victim)["outcome"] == "done").all() and len(report) == len(frame)
    assert all(now[e]["password"] == SECRET for e in frame["external_id"] if e != victim)

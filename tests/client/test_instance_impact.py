"""`instance_impact`: instances per connection and customer, in pages, against the sandbox; and
"impact unknown" (None, never 0) where a tenant cannot answer."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from collections import Counter
from typing import Any

import httpx
import pytest

from orgconn.client import AsyncPrismaticClient, PrismaticClient
from orgconn.models import InstanceCount
from orgconn.sandbox.tenants import tenant_path
from tests.client.test_client_on_sandbox import tenant_of

CANNOT_QUERY = {"errors": [{"message": "Cannot query field 'instances' on type "
                                       "'ScopedConfigVariable'."}]}


def global_id(kind: str, raw: str) -> str:
    return base64.b64encode(f"{kind}:{raw}".encode()).decode()


def counts_in_the_database(sandbox: Any) -> dict[tuple[str, str], InstanceCount]:
    """What the sandbox's tables say, per (connection ID, customer ID)."""
    with sqlite3.connect(tenant_path(sandbox.data_dir, "us")) as conn:
        rows = conn.execute(
            "SELECT i.scv_id, i.customer_id, COUNT(*), SUM(i.enabled), SUM(i.in_failed_state) "
            "FROM connection_instances i JOIN scoped_config_variables s ON s.id = i.scv_id "
            "WHERE s.variable_scope = 'CUSTOMER' AND s.managed_by = 'ORG' "
            "GROUP BY i.scv_id, i.customer_id").fetchall()
    conn.close()
    return {(global_id("ScopedConfigVariable", scv), global_id("Customer", customer)):
            InstanceCount(count, enabled, failing)
            for scv, customer, count, enabled, failing in rows}


@pytest.fixture(scope="module")
def us(sandbox: Any) -> Any:
    with PrismaticClient(tenant_of(sandbox)) as client:
        yield client


def test_instance_counts_per_connection_and_customer_are_those_of_the_sandbox(us, sandbox):
    impact = us.instance_impact()
    assert impact is not None
    read = {(connection_id, customer_id): count
            for connection_id, per_customer in impact.counts.items()
            for customer_id, count in per_customer.items()}
    assert read == counts_in_the_database(sandbox)
    assert any(count.failing for count in read.values())
    assert any(count.enabled < count.instances for count in read.values())


def test_customers_without_values_have_their_instances_counted(us):
    snapshot = us.read_tenant()
    impact = us.instance_impact(snapshot.connections)
    configured = {(v.connection_id, v.customer.id) for v in snapshot.customer_values
                  if v.customer is not None}
    gaps_with_instances = [
        (c.id, customer.id) for c in snapshot.connections for customer in snapshot.customers
        if (c.id, customer.id) not in configured and impact.of(c.id, customer.id).instances]
    assert gaps_with_instances


def test_a_connection_that_was_not_read_is_unknown_and_a_customer_without_instances_is_zero(us):
    connections = {c.stable_key: c for c in us.org_connections()}
    impact = us.instance_impact([connections["crm-sync"]])
    customer = us.customers()[0]
    assert impact.of(connections["crm-sync"].id, customer.id) == InstanceCount(0, 0, 0)
    assert impact.of(connections["acme-api-key"].id, customer.id) is None


def test_instances_are_read_in_pages_not_customer_by_customer(sandbox):
    with PrismaticClient(tenant_of(sandbox)) as client:
        connections = client.org_connections()
        before = client.stats.requests
        impact = client.instance_impact(connections)
        sent = client.stats.requests - before
        customers = len(client.customers())
    assert impact is not None
    instances = sum(c.instances for per in impact.counts.values() for c in per.values())
    assert sent <= len(connections) + instances // 100 + 1
    assert sent < customers


def test_the_async_client_reads_the_same_counts(us, sandbox):
    async def read() -> Any:
        async with AsyncPrismaticClient(tenant_of(sandbox)) as client:
            return await client.instance_impact()

    assert asyncio.run(read()) == us.instance_impact()


def test_a_tenant_whose_schema_lacks_instances_gives_unknown_not_zero(fake, client):
    fake.add_connection()
    fake.script("ConnectionInstances", httpx.Response(400, json=CANNOT_QUERY))
    assert client.instance_impact() is None


def test_an_error_reported_for_the_instances_field_gives_unknown(fake, client):
    fake.add_connection()
    fake.script("ConnectionInstances", httpx.Response(200, json={
        "data": {"scopedConfigVariable": None},
        "errors": [{"message": "Internal error", "path": ["scopedConfigVariable", "instances"]}]}))
    assert client.instance_impact() is None


def test_an_instance_without_its_customer_gives_unknown(fake, client):
    fake.add_connection()
    nodes = [{"id": "SW5zdGFuY2U6MQ==", "enabled": True, "inFailedState": False,
              "customer": None}]
    fake.script("ConnectionInstances", httpx.Response(200, json={"data": {
        "scopedConfigVariable": {"id": "x", "instances": {
            "totalCount": 1, "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": nodes}}}}))
    assert client.instance_impact() is None


def test_counts_add_up_enabled_and_failing_instances_of_each_customer(fake, client):
    connection = fake.add_connection()
    nodes = [{"id": f"i{n}", "enabled": n != 2, "inFailedState": n == 1 or None,
              "customer": {"id": "c1" if n < 3 else "c2"}} for n in range(4)]
    fake.script("ConnectionInstances", httpx.Response(200, json={"data": {
        "scopedConfigVariable": {"id": connection["id"], "instances": {
            "totalCount": 4, "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": nodes}}}}))
    impact = client.instance_impact()
    assert impact.counts == {connection["id"]: {"c1": InstanceCount(3, 2, 1),
                                                "c2": InstanceCount(1, 1, 0)}}
    assert Counter(fake.sent("ConnectionInstances")[0]) == Counter(
        {"connectionId": connection["id"], "first": 100})

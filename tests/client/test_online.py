"""Opt-in checks against a real Prismatic tenant (``pytest --run-online``), read-only.

Needs ``PRISMATIC_URL`` and ``PRISM_REFRESH_TOKEN`` (or ``PRISM_ACCESS_TOKEN``; optional
``PRISMATIC_TENANT_ID``), as the prism CLI uses them. Besides reading with every query of the
client, it compares the live schema (introspection) with the reference for every field and
argument orgconn's operations use: a drift there breaks orgconn before any test of ours would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import graphql
import pytest

from orgconn.client import PrismaticClient
from orgconn.client.documents import Call, Operation, operations
from orgconn.config import import_prism_profiles
from tests.client.schema_fields import used_fields

pytestmark = pytest.mark.online


@pytest.fixture(scope="module")
def live() -> Iterator[PrismaticClient]:
    if not os.environ.get("PRISMATIC_URL"):
        pytest.skip("set PRISMATIC_URL and PRISM_REFRESH_TOKEN to run the online tests")
    tenants = import_prism_profiles(Path(os.devnull), env=os.environ)
    if "prism-env" not in tenants:
        pytest.skip("set PRISM_REFRESH_TOKEN or PRISM_ACCESS_TOKEN beside PRISMATIC_URL")
    with PrismaticClient(tenants["prism-env"]) as client:
        yield client


def test_the_token_reaches_an_org_and_tenant(live):
    who = live.whoami()
    assert who.org_name and who.tenant_id


def test_every_query_of_the_client_answers_on_the_live_tenant(live):
    connections = live.org_connections()
    assert all(c.is_org_activated_customer for c in connections)
    assert len(live.all_connections()) >= len(connections)
    customers = live.customers()
    assert all(c.id for c in customers)
    if connections:
        first = connections[0]
        assert live.connection(first.stable_key) is not None
        values = live.customer_values(connection_id=first.id, with_instance_count=True)
        assert all(v.connection_id == first.id and not v.is_test for v in values)
        live.test_credentials(first)
        if values:
            assert live.customer_values_by_id(values[0].id) is not None
            assert live.instances_using(values[0]).total == values[0].instance_count
    assert isinstance(live.components(), list)


def test_the_live_schema_matches_the_reference_for_every_field_orgconn_uses(live,
                                                                            reference_schema):
    introspection = Operation("IntrospectionQuery", graphql.get_introspection_query(), False)
    live_schema = graphql.build_client_schema(live.transport.execute(Call(introspection)))
    reference = graphql.build_schema(reference_schema.read_text())
    drift = []
    for name, operation in operations().items():
        document = graphql.parse(operation.document)
        errors = graphql.validate(live_schema, document)
        drift += [f"{name}: {e.message}" for e in errors]
        drift += [f"{name}: {parent}.{field} is {kind} in the reference, not live"
                  for parent, field, kind in used_fields(reference, document)
                  - used_fields(live_schema, document)]
    assert drift == []


GAP_INSTANCES = Operation("OnlineGapInstances", """
query OnlineGapInstances($connection: ID!, $customer: ID!) {
  scopedConfigVariable(id: $connection) {
    integrations(first: 100) { nodes { name } }
    instances(customer: $customer, first: 100) { nodes { id } }
  }
  customer(id: $customer) { instances(first: 100) { nodes { id integration { name } } } }
}""", False)


def test_instances_of_a_customer_without_values_are_listed_as_the_sandbox_assumes(live):
    """The README's sandbox section: ``ScopedConfigVariable.instances(customer:)`` lists the
    customer's instances whose integration uses the connection, even without values."""
    snapshot = live.read_tenant()
    assert live.instance_impact(snapshot.connections) is not None
    configured = {(v.connection_id, v.customer.id) for v in snapshot.customer_values
                  if v.customer is not None}
    gaps = [(c.id, customer.id) for c in snapshot.connections for customer in snapshot.customers
            if (c.id, customer.id) not in configured][:50]  # a bounded number of requests
    compared = 0
    for connection_id, customer_id in gaps:
        data = live.transport.execute(Call(GAP_INSTANCES, {"connection": connection_id,
                                                           "customer": customer_id}))
        scv, customer = data["scopedConfigVariable"], data["customer"]
        names = {n["name"] for n in scv["integrations"]["nodes"]}
        expected = {n["id"] for n in customer["instances"]["nodes"]
                    if n["integration"]["name"] in names}
        assert {n["id"] for n in scv["instances"]["nodes"]} == expected, (connection_id,
                                                                         customer_id)
        compared += bool(expected)
    if not compared:
        pytest.skip("no customer lacking values has an instance that uses the connection")

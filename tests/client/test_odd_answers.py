"""A tenant answering ``{"data": {}}`` (or nothing usable) is an error with a sentence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orgconn.client import GraphQLError, OrgconnError, PrismaticClient
from tests.client.conftest import FAST, make_tenant
from tests.client.fake_prismatic import FakePrismatic

READS: dict[str, Callable[[PrismaticClient], Any]] = {
    "whoami": lambda c: c.whoami(),
    "org_connections": lambda c: c.org_connections(),
    "customers": lambda c: c.customers(),
    "customer_values": lambda c: c.customer_values(),
    "snapshot": lambda c: c.read_tenant(),
    "connection": lambda c: c.connection("acme-api-key"),
    "connection_by_id": lambda c: c.connection_by_id("scv-1"),
    "customer_values_by_id": lambda c: c.customer_values_by_id("ccv-1"),
    "test_credentials": lambda c: c.test_credentials("scv-1"),
    "instances_using": lambda c: c.instances_using("ccv-1"),
    "components": lambda c: c.components(),
    "instance_impact": lambda c: c.instance_impact(),
}


@pytest.mark.parametrize("read", sorted(READS))
def test_an_answer_with_empty_data_is_an_error_saying_the_url_may_be_wrong(read: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {}})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http, \
            PrismaticClient(make_tenant(), http=http, retry=FAST) as client, \
            pytest.raises(OrgconnError) as caught:
        READS[read](client)

    assert isinstance(caught.value, GraphQLError)
    assert "The tenant answered " in str(caught.value)
    assert "which Prismatic's API always sends: the url may not point at a Prismatic stack" in (
        str(caught.value))


def test_a_page_that_loses_its_connection_midway_is_an_error_too() -> None:
    fake = FakePrismatic()
    for n in range(150):
        fake.add_customer(f"C{n}", f"c{n}")
    fake.script("Customers", httpx.Response(200, json={"data": {"customers": {
        "totalCount": 150, "nodes": [{"id": "x", "name": "X", "externalId": "x"}],
        "pageInfo": {"hasNextPage": True, "endCursor": "bm90LWFuLW9mZnNldA=="}}}}),
        httpx.Response(200, json={"data": {"customers": None}}))

    with httpx.Client(transport=httpx.MockTransport(fake.handler)) as http, \
            PrismaticClient(make_tenant(), http=http, retry=FAST) as client, \
            pytest.raises(GraphQLError, match="answered Customers without customers"):
        client.customers()


def test_an_empty_tenant_is_not_an_odd_answer() -> None:
    with httpx.Client(transport=httpx.MockTransport(FakePrismatic().handler)) as http, \
            PrismaticClient(make_tenant(), http=http, retry=FAST) as client:
        snapshot = client.read_tenant()

    assert (snapshot.connections, snapshot.customers, snapshot.customer_values) == ((), (), ())

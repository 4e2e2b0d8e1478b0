"""Paging: every item once, remaining pages fetched concurrently, and a bound on concurrency."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx

from orgconn.client import AsyncPrismaticClient, Limits, PageRead, PrismaticClient, reads
from tests.client.conftest import FAST, make_tenant
from tests.client.fake_prismatic import FakePrismatic, page


def fake_with_customers(count: int) -> FakePrismatic:
    fake = FakePrismatic()
    for i in range(count):
        fake.add_customer(f"Customer {i:04d}", f"ext-{i:04d}")
    return fake


def test_every_customer_is_read_once_in_pages_of_100_sorted(client, fake):
    for i in range(250):
        fake.add_customer(f"Customer {i:03d}", f"ext-{i:03d}")
    customers = client.customers()
    assert [c.external_id for c in customers] == [f"ext-{i:03d}" for i in range(250)]
    sent = fake.sent("Customers")
    assert len(sent) == 3 and all(v["first"] == 100 for v in sent)
    query = "".join(json.loads(fake.requests[0].content)["query"].split())
    assert "sortBy:[{field:CREATED_AT,direction:ASC}]" in query
    assert "isSystem:false" in query


def test_after_the_first_page_the_others_are_requested_concurrently():
    fake = fake_with_customers(1000)
    in_flight = peak = 0
    lock = threading.Lock()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return fake.handler(request)

    http = httpx.Client(transport=httpx.MockTransport(slow))
    client = PrismaticClient(make_tenant(), http=http, retry=FAST, limits=Limits(max_concurrency=4))
    assert len(client.customers()) == 1000
    assert peak == 4  # bounded, and actually concurrent
    assert client.stats.requests == 10


def test_opaque_cursors_are_followed_one_page_after_another():
    fake = fake_with_customers(230)
    sent: list[str | None] = []

    def opaque(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        sent.append(variables.get("after"))
        start = int(variables.get("after") or 0)
        chunk = page(fake.customers[start:], {"first": variables["first"]})
        end = start + len(chunk["nodes"])
        chunk["pageInfo"]["endCursor"] = str(end)
        return httpx.Response(200, json={"data": {"customers": chunk}})

    http = httpx.Client(transport=httpx.MockTransport(opaque))
    client = PrismaticClient(make_tenant(), http=http, retry=FAST)
    customers = client.customers()
    assert len({c.id for c in customers}) == len(customers) == 230
    assert sent == [None, "100", "200"]


def test_a_server_that_caps_pages_below_100_still_yields_every_item():
    fake = fake_with_customers(130)

    def capped(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(200, json={"data": {"customers": page(
            fake.customers, body["variables"], cap=30)}})

    http = httpx.Client(transport=httpx.MockTransport(capped))
    client = PrismaticClient(make_tenant(), http=http, retry=FAST)
    assert [c.external_id for c in client.customers()] == [f"ext-{i:04d}" for i in range(130)]


def test_the_async_client_pages_concurrently_and_runs_streams_side_by_side():
    fake = fake_with_customers(450)
    scv = fake.add_connection()
    for customer in fake.customers[:320]:
        fake.add_values(scv, customer, {"apiKey": "k", "region": "eu"})
    in_flight = peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return fake.handler(request)

    async def main() -> tuple[int, int, int]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
            client = AsyncPrismaticClient(make_tenant(), http=http, retry=FAST,
                                          limits=Limits(max_concurrency=3))
            snapshot = await client.snapshot()
            return (len(snapshot.customers), len(snapshot.customer_values),
                    client.stats.requests)

    customers, values, requests = asyncio.run(main())
    assert (customers, values) == (450, 320)
    assert peak == 3
    assert requests == 5 + 4 + 1  # customers, values, connections: pages of 100


def test_a_paged_read_reports_each_page_as_it_arrives_with_page_n_of_m():
    fake = fake_with_customers(250)
    heard: list[PageRead] = []
    client = PrismaticClient(make_tenant(), http=httpx.Client(
        transport=httpx.MockTransport(fake.handler)), retry=FAST)

    assert len(client.snapshot(on_page=heard.append).customers) == 250

    customers = [r for r in heard if r.what == "customers"]
    assert [(r.page, r.pages, r.total) for r in customers] == [(1, 3, 250), (2, 3, 250),
                                                               (3, 3, 250)]
    assert sorted(r.items for r in customers) == [100, 200, 250]
    assert customers[-1].fraction == 1.0
    assert customers[-1].describe() == "customers: page 3 of 3 (250 of 250)"
    assert {r.what for r in heard} == {"connections", "customers", "values"}


def test_opaque_cursors_report_each_page_as_it_is_followed():
    fake = fake_with_customers(230)

    def opaque(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        start = int(variables.get("after") or 0)
        chunk = page(fake.customers[start:], {"first": variables["first"]})
        chunk["pageInfo"]["endCursor"] = str(start + len(chunk["nodes"]))
        chunk["totalCount"] = len(fake.customers)
        return httpx.Response(200, json={"data": {"customers": chunk}})

    heard: list[PageRead] = []
    client = PrismaticClient(make_tenant(), http=httpx.Client(
        transport=httpx.MockTransport(opaque)), retry=FAST)
    assert len(client.run(reads.customers(on_page=heard.append))) == 230
    assert [(r.page, r.pages, r.items) for r in heard] == [(1, 3, 100), (2, 3, 200),
                                                          (3, 3, 230)]


def test_the_async_client_reports_pages_too():
    fake = fake_with_customers(250)
    heard: list[PageRead] = []

    async def read() -> int:
        async with AsyncPrismaticClient(make_tenant(), http=httpx.AsyncClient(
                transport=httpx.MockTransport(fake.handler)), retry=FAST) as client:
            return len((await client.snapshot(on_page=heard.append)).customers)

    assert asyncio.run(read()) == 250
    assert sorted(r.page for r in heard if r.what == "customers") == [1, 2, 3]

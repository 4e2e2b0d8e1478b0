"""How many requests and seconds coverage costs at 10,000 customers, against a naive lookup.

    .venv/bin/python benchmarks/coverage.py [--customers 10000] [--naive-sample 500]
                                            [--latency-ms 0]

Runs the sandbox in a subprocess (``start_sandbox_process``: its own GIL; tenant ``us``, six
org-activated connections) with its data kept under benchmarks/results/ (seeded once;
``--reset`` reseeds), then prints, in one run:

- **floor**: the pages coverage needs (connections, customers, customers' values: pages of
  100) fetched bare with httpx — same documents, same concurrency as the client (6), no models;
- **orgconn**: ``PrismaticClient.snapshot()`` + ``coverage_frame`` (what the page and
  ``orgconn coverage`` do);
- **naive**: what Prismatic's example script does per customer — list the customers, then one
  ``customerConfigVariables(customer: ID)`` query per customer, one after the other. Timed on
  the first ``--naive-sample`` customers and extrapolated to all of them (the output says so);
- **page**: the dashboard's coverage page (AppTest from app.py) rendered from a warm cache:
  the median of ``--renders`` reruns, and a rerun after typing a search.

On loopback a request costs the sandbox's work and little else, so small per-customer queries
are cheap; ``--latency-ms 50`` makes the sandbox answer each request 50 ms later, like a stack
across a network, where the number of requests is what costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from orgconn.client import PrismaticClient
from orgconn.client.documents import operation
from orgconn.client.plans import dig, offset_cursor
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox, SandboxSettings, start_sandbox_process
from orgconn.services.coverage import coverage_frame

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PAGE_SIZE = 100
CONCURRENCY = 6  # the client's default Limits.max_concurrency
# (operation, variables, path of its connection in the answer): the pages coverage reads
STREAMS = (("OrgConnections", {}, "scopedConfigVariables"),
           ("Customers", {}, "customers"),
           ("CustomerValues", {}, "customerConfigVariables"))


class Bare:
    """Raw GraphQL posts over one keep-alive httpx client, counted."""

    def __init__(self, box: RunningSandbox) -> None:
        self.url = box.api_url("us")
        self.http = httpx.Client(headers={"Authorization": f"Bearer {box.token('us')}"},
                                 timeout=60, limits=httpx.Limits(max_connections=CONCURRENCY))
        self.requests = 0
        self._lock = threading.Lock()

    def post(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The ``data`` of operation ``name`` (its document as the client sends it)."""
        with self._lock:
            self.requests += 1
        answer = self.http.post(self.url, json={"query": operation(name).document,
                                                "variables": variables}).json()
        if answer.get("errors"):
            raise RuntimeError(f"{name}: {answer['errors']}")
        data: dict[str, Any] = answer["data"]
        return data


def floor(box: RunningSandbox) -> tuple[int, float]:
    """Every page of the three streams, first pages then the rest, 6 requests at a time."""
    bare = Bare(box)
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        firsts = list(pool.map(lambda s: bare.post(s[0], {**s[1], "first": PAGE_SIZE}),
                               STREAMS))
        rest = [(name, {**variables, "first": PAGE_SIZE, "after": offset_cursor(start - 1)})
                for (name, variables, path), first in zip(STREAMS, firsts, strict=True)
                for start in range(PAGE_SIZE, int(dig(first, path)["totalCount"]), PAGE_SIZE)]
        list(pool.map(lambda call: bare.post(*call), rest))
    return bare.requests, time.perf_counter() - started


def orgconn(box: RunningSandbox) -> tuple[int, float, int, int]:
    """The client's snapshot and the coverage frame: requests, seconds, cells, connections."""
    tenant = TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"))
    with PrismaticClient(tenant) as client:
        started = time.perf_counter()
        snapshot = client.snapshot()
        frame = coverage_frame("us", snapshot)
        seconds = time.perf_counter() - started
        return client.stats.requests, seconds, len(frame), frame["stable_key"].nunique()


def naive(box: RunningSandbox, sample: int) -> tuple[int, float, int, float]:
    """Customers, then one values query per customer for the first ``sample`` of them.

    Returns (requests, seconds) extrapolated to every customer, and those measured.
    """
    bare = Bare(box)
    started = time.perf_counter()
    bare.post("OrgConnections", {"first": PAGE_SIZE})
    customers: list[dict[str, Any]] = []
    after = None
    while True:  # page by page, as a script does
        page = bare.post("Customers", {"first": PAGE_SIZE, "after": after})["customers"]
        customers += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    listing = time.perf_counter() - started
    for customer in customers[:sample]:
        bare.post("CustomerValues", {"customerId": customer["id"], "first": PAGE_SIZE})
    measured_requests, measured = bare.requests, time.perf_counter() - started
    per_customer = (measured - listing) / min(sample, len(customers))
    total_requests = measured_requests - min(sample, len(customers)) + len(customers)
    return total_requests, listing + per_customer * len(customers), measured_requests, measured


def page_render(box: RunningSandbox, renders: int) -> tuple[float, float, float]:
    """The coverage page in AppTest: (cold first run, warm median, rerun after a search)."""
    import streamlit.testing.v1.app_test as app_test  # app.py renders the coverage page

    folder = Path(tempfile.mkdtemp(prefix="orgconn-bench-"))
    config = folder / "orgconn.toml"
    config.write_text(f'[tenants.us]\nurl = "{box.stack_url("us")}"\n'
                      f'token = "{box.token("us")}"\n', encoding="utf-8")
    os.environ.update(ORGCONN_CONFIG=str(config),
                      ORGCONN_DATABASE_URL=f"sqlite:///{folder / 'store.db'}")
    at = app_test.AppTest.from_file(ROOT / "app.py", default_timeout=600)

    def timed(run: Callable[[], object]) -> float:
        started = time.perf_counter()
        run()
        if at.exception or not at.metric:
            raise RuntimeError(f"the page did not render: {at.exception or at.error}")
        return time.perf_counter() - started

    cold = timed(at.run)
    warm = statistics.median(timed(at.run) for _ in range(renders))
    search = timed(lambda: at.text_input(key="coverage.search").input("cust-01").run())
    return cold, warm, search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="delay each sandbox answer by N ms (a network's round trip)")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    settings = SandboxSettings(port=0, customers=args.customers, tenants=("us",),
                               data_dir=RESULTS / f"coverage-{args.customers}", reset=args.reset,
                               latency_ms=args.latency_ms)
    started = time.perf_counter()
    with start_sandbox_process(settings) as box:
        print(f"sandbox ready in {time.perf_counter() - started:.1f} s ({args.customers:,} "
              f"customers in tenant us, data in {settings.data_dir})", flush=True)
        floor_requests, floor_seconds = floor(box)
        ours, our_seconds, cells, connections = orgconn(box)
        naive_requests, naive_seconds, sampled, sampled_seconds = naive(box, args.naive_sample)
        cold, warm, search = page_render(box, args.renders)
    print(f"\ncoverage of {args.customers:,} customers × {connections} connections "
          f"({cells:,} cells); the sandbox runs in a subprocess on this machine, answering "
          f"after {args.latency_ms} ms of added latency\n")
    print(f"{'':34}{'requests':>10}{'seconds':>10}")
    print(f"{'floor: same pages, bare httpx':34}{floor_requests:>10,}{floor_seconds:>10.1f}")
    print(f"{'orgconn: snapshot + coverage':34}{ours:>10,}{our_seconds:>10.1f}")
    print(f"{'naive: one query per customer':34}{naive_requests:>10,}{naive_seconds:>10.1f}"
          f"   extrapolated from the first {args.naive_sample:,} customers "
          f"(measured {sampled:,} requests in {sampled_seconds:.1f} s)")
    print(f"\norgconn: {ours / floor_requests:.2f}× the floor's requests, "
          f"{our_seconds / floor_seconds:.2f}× its time; the naive lookup sends "
          f"{naive_requests / ours:.0f}× orgconn's requests and takes "
          f"{naive_seconds / our_seconds:.0f}× its time")
    print(f"coverage page (AppTest from app.py): warm cache {warm:.2f} s (median of "
          f"{args.renders}), after a search {search:.2f} s, first render with the fetch "
          f"{cold:.1f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

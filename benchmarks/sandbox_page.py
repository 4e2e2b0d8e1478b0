"""How fast the sandbox serves a page of 100 customers' values with inputs and customers.

    .venv/bin/python benchmarks/sandbox_page.py [--customers 10000] [--rounds 30]

Runs the sandbox in a subprocess (``start_sandbox_process``: its own GIL) with a data folder
kept under benchmarks/results/ (seeded once; ``--reset`` reseeds), then times, over HTTP with
keep-alive, pages of 100 org-activated CCVs (id, status, lastConfiguredAt, customer, inputs,
scopedConfigVariable { stableKey }) at the start, middle and end of the list, sorted and
unsorted. Prints the median and 95th percentile in milliseconds; then the CPU time one page
costs the server (GraphQL execution + SQL, in this process, no HTTP), which stays meaningful
on a busy machine where wall-clock figures include waiting for a core.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

from orgconn.sandbox import SandboxSettings, start_sandbox_process
from orgconn.sandbox.app import SandboxApp
from orgconn.sandbox.tenants import open_tenants

PAGE = """
query Page($after: String, $sort: [CustomerConfigVariableOrder]) {
  customerConfigVariables(first: 100, after: $after, sortBy: $sort, isTest: false,
      scopedConfigVariable_ManagedBy: "org", scopedConfigVariable_VariableScope: "customer") {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id status lastConfiguredAt isInUse
      customer { id name externalId labels }
      scopedConfigVariable { id stableKey }
      inputs { nodes { name value hasValue meta } }
    }
  }
}
"""
RESULTS = Path(__file__).resolve().parent / "results"


def cursor_at(offset: int) -> str | None:
    """The cursor after which a page starts at ``offset``."""
    import base64

    return base64.b64encode(f"arrayconnection:{offset - 1}".encode()).decode() if offset else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    data_dir = RESULTS / f"sandbox-{args.customers}"
    settings = SandboxSettings(port=0, customers=args.customers, data_dir=data_dir,
                               reset=args.reset, tenants=("us",))
    started = time.perf_counter()
    with start_sandbox_process(settings) as sandbox, httpx.Client(
            headers={"Authorization": f"Bearer {sandbox.token('us')}"}, timeout=30) as client:
        print(f"sandbox ready in {time.perf_counter() - started:.1f} s "
              f"({args.customers} customers, data in {data_dir})")

        def page(offset: int, sort: bool) -> tuple[float, int]:
            variables = {"after": cursor_at(offset),
                         "sort": [{"field": "CREATED_AT", "direction": "ASC"}] if sort else None}
            t0 = time.perf_counter()
            response = client.post(sandbox.api_url("us"), json={"query": PAGE,
                                                                 "variables": variables})
            elapsed = (time.perf_counter() - t0) * 1000
            body = response.json()
            assert "errors" not in body, body
            return elapsed, body["data"]["customerConfigVariables"]["totalCount"]

        _, total = page(0, True)
        for _ in range(3):
            page(0, True)  # warm up
        for label, offset in (("first page", 0), ("middle page", total // 2),
                              ("last page", max(0, total - 100))):
            for sort in (True, False):
                times = sorted(page(offset, sort)[0] for _ in range(args.rounds))
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                print(f"{label:12} {'sorted' if sort else 'unsorted':9} of {total} values: "
                      f"median {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms")
    server_cpu(settings, total, args.rounds)


def server_cpu(settings: SandboxSettings, total: int, rounds: int) -> None:
    """CPU milliseconds the server spends on one page (execution and SQL, no HTTP)."""
    databases, _ = open_tenants(settings.model_copy(update={"reset": False}),
                                settings.data_dir or RESULTS)
    app = SandboxApp(settings, databases)
    for offset in (0, total // 2):
        variables = {"after": cursor_at(offset),
                     "sort": [{"field": "CREATED_AT", "direction": "ASC"}]}
        app.execute("us", PAGE, variables)
        cpu = []
        for _ in range(rounds):
            started = time.process_time()
            result = app.execute("us", PAGE, variables)
            cpu.append((time.process_time() - started) * 1000)
            assert result.errors is None, result.errors
        print(f"server CPU per page at offset {offset:>6}: median "
              f"{statistics.median(cpu):5.1f} ms")
    for db in databases.values():
        db.close()


if __name__ == "__main__":
    main()

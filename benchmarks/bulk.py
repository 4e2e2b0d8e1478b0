"""Bulk upload against Prismatic's own three-queries-per-customer process, on one sandbox.

    .venv/bin/python benchmarks/bulk.py [--customers 5300] [--rows 5000] [--sample 200]
                                        [--concurrency 8] [--batch-size 50] [--latency-ms 0,20]

Starts a sandbox in a subprocess (its own GIL; fresh data in a temporary folder, tenant
``us``, ``--customers`` customers), then measures, in this one run:

- **baseline**: the process on Prismatic's page, one customer after another — query the
  connection by stable key, query the customer by external ID, create its values — over one
  keep-alive HTTP connection. It takes ~3 requests per customer, so it is *time-boxed*: it runs
  on ``--sample`` customers that lack values (not those of the bulk file) and the time for
  ``--rows`` customers is extrapolated from them (said so in the output);
- **bulk**: `orgconn.services.bulk.apply_upload`, with the CLI's GC tuning
  (`orgconn.commands.bulk.bulk_apply_gc`), of a CSV of ``--rows`` customers for ``crm-sync``
  (access token and portal ID; overwrite on, so the few that have values are updated) — end to
  end: parse, read the tenant, plan, create the job, write with at most ``--concurrency`` requests
  in flight, record every outcome and audit row in a temporary SQLite store.

Prints both, the speed-up, wall and CPU time per row (client and sandbox), and the sandbox's time
to answer ``GET /healthz``. It does so once per ``--latency-ms`` value (default ``0,20``): the
sandbox delays every API answer by that much, standing in for the network between orgconn and a
Prismatic stack (a loopback sandbox answers in under a millisecond; a real stack is tens of
milliseconds away). At 0 ms both sides are bound by CPU on the same machine, so the figure
says how much less work bulk does; with latency it also says how much waiting it overlaps.
It ends with one line per latency giving every condition (customers, rows, added latency,
concurrency, rows per request), both times, the ratio and whether the issue's 10x is met.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import pandas as pd

from orgconn.client import PrismaticClient
from orgconn.client.batch import BATCH_SIZE
from orgconn.commands.bulk import bulk_apply_gc
from orgconn.config import OrgconnConfig, TenantConfig
from orgconn.runtime import Runtime
from orgconn.sandbox import RunningSandbox, SandboxSettings, start_sandbox_process
from orgconn.services import bulk
from orgconn.services.access import Actor, Role
from orgconn.store import BulkOptions, open_store

STABLE_KEY = "crm-sync"
TARGET = 10.0  # issue 6: at least 10x faster than the page's process
CONNECTION_QUERY = """query { scopedConfigVariables(stableKey: "%s") {
  nodes { id key stableKey connection { inputs { nodes { id key } } } } } }"""
CUSTOMER_QUERY = """query ($externalId: String) { customers(externalId: $externalId) {
  nodes { id name } } }"""
CREATE = """mutation ($input: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $input) {
    customerConfigVariable { id } errors { field messages } } }"""


def baseline(box: RunningSandbox, external_ids: list[str]) -> None:
    """The page's process, one customer after another (time it with a `Clock`)."""
    api = box.api_url("us")
    with httpx.Client(headers={"Authorization": f"Bearer {box.token('us')}"},
                      timeout=30) as http:
        def post(query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
            body = http.post(api, json={"query": query, "variables": variables}).json()
            assert "errors" not in body, body
            return dict(body["data"])

        for n, external_id in enumerate(external_ids):
            scv = post(CONNECTION_QUERY % STABLE_KEY)["scopedConfigVariables"]
            customer = post(CUSTOMER_QUERY, {"externalId": external_id})["customers"]
            answer = post(CREATE, {"input": {
                "scopedConfigVariable": scv["nodes"][0]["id"],  # type: ignore[index]
                "customer": customer["nodes"][0]["id"],  # type: ignore[index]
                "inputs": [{"name": "accessToken", "type": "value",
                            "value": f"canary-baseline-{n}"}]}})
            assert not answer["createCustomerConfigVariable"]["errors"]  # type: ignore[index]


def children_cpu() -> float:
    """CPU seconds used so far by this process's children (the sandbox), from /proc."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # ppid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Clock:
    """Wall time, this process's CPU and the sandbox's CPU over a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu, self.server = (time.perf_counter(), time.process_time(),
                                            children_cpu())
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.server = children_cpu() - self.server

    def per(self, count: int) -> str:
        """E.g. ``7.5 ms wall, 1.1 ms client CPU, 4.2 ms server CPU``, per item."""
        return (f"{self.wall / count * 1000:.2f} ms wall, {self.cpu / count * 1000:.2f} ms "
                f"client CPU, {self.server / count * 1000:.2f} ms server CPU")


def healthz_ms(box: RunningSandbox, rounds: int = 20) -> float:
    """Median milliseconds for the sandbox to answer GET /healthz on a kept-alive connection."""
    with httpx.Client(timeout=10) as http:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            http.get(f"{box.base_url}/healthz")
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=5300)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"rows per request (default {BATCH_SIZE}, as the page and CLI)")
    parser.add_argument("--latency-ms", default="0,20",
                        help="comma-separated added latencies, one sandbox each (default 0,20)")
    args = parser.parse_args()
    summary = []
    for latency in (int(v) for v in args.latency_ms.split(",")):
        with tempfile.TemporaryDirectory(prefix="orgconn-bench-") as folder:
            settings = SandboxSettings(port=0, tenants=("us",), customers=args.customers,
                                       data_dir=Path(folder) / "sandbox", latency_ms=latency)
            started = time.perf_counter()
            with start_sandbox_process(settings) as box:
                print(f"\n== added latency {latency} ms: sandbox of {args.customers:,} customers "
                      f"ready in {time.perf_counter() - started:.1f} s; GET /healthz answers in "
                      f"{healthz_ms(box):.1f} ms (median)")
                baseline_s, bulk_s = run(box, args, Path(folder))
        ratio = baseline_s / bulk_s
        summary.append(
            f"{args.rows:,} rows, {args.customers:,} customers, added latency {latency} ms, "
            f"concurrency {args.concurrency}, {args.batch_size} rows per request: baseline "
            f"{baseline_s:.1f} s, bulk {bulk_s:.1f} s -> {ratio:.1f}x "
            f"({'meets' if ratio >= TARGET else 'misses'} the issue's {TARGET:g}x)")
    print("\n== summary (both measured in the same run, on the same sandbox, per latency)")
    print("\n".join(summary))


def run(box: RunningSandbox, args: argparse.Namespace, folder: Path) -> tuple[float, float]:
    """Measure the baseline sample and the bulk apply on ``box``; print both and return them
    (seconds for ``--rows`` customers: the baseline extrapolated, the bulk apply measured)."""
    tenant = TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"))
    with PrismaticClient(tenant) as client:
        state = client.read_tenant([STABLE_KEY])
    ids = [c.external_id for c in state.customers if c.external_id]
    if len(ids) < args.rows + args.sample:
        raise SystemExit(f"--customers must leave {args.sample} customers beside the "
                         f"{args.rows} rows (the tenant has {len(ids)})")
    rows, rest = ids[:args.rows], ids[args.rows:]
    have = {v.customer.external_id for v in state.customer_values if v.customer}
    sample = [e for e in rest if e not in have][:args.sample]

    with Clock() as base:
        baseline(box, sample)
    projected = base.wall / len(sample) * args.rows
    print(f"baseline (Prismatic's 3 queries per customer, sequential), measured on "
          f"{len(sample)} customers: {base.per(len(sample))} per customer; extrapolated to "
          f"{args.rows:,} customers: {projected:,.1f} s")

    frame = pd.DataFrame({"external_id": rows,
                          "accessToken": [f"canary-bench-{n}" for n in range(args.rows)],
                          "portalId": [str(100_000 + n) for n in range(args.rows)]})
    content = bulk.template_bytes(frame, "csv")
    options = BulkOptions(connection=STABLE_KEY, overwrite=True)
    with (open_store(f"sqlite:///{folder / 'store.db'}") as store, bulk_apply_gc(),
          Clock() as applied):  # the GC tuned as the CLI tunes it
        result = bulk.apply_upload(tenant, "bench.csv", content, options,
                                   open_client=Runtime(OrgconnConfig(
                                       tenants={"us": tenant})).async_client,
                                   actor=Actor("benchmark", Role.OPERATOR), store=store,
                                   key=b"benchmark", concurrency=args.concurrency,
                                   batch_size=args.batch_size)
    elapsed, progress = applied.wall, result.progress
    print(f"bulk apply of {args.rows:,} rows (concurrency {args.concurrency}, "
          f"{args.batch_size} rows per request, end to end): "
          f"{elapsed:.1f} s; per row {applied.per(args.rows)}; "
          f"{progress.created:,} created, {progress.updated:,} updated, "
          f"{progress.failed:,} failed; {bulk.describe_summary(result.summary)}")
    print(f"speed-up: {projected / elapsed:.1f}x (baseline extrapolated from a sample)")
    return projected, elapsed


if __name__ == "__main__":
    main()

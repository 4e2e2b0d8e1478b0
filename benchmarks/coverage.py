"""What coverage costs — time, requests, peak memory — at 10,000 customers, against bare and
naive fetches of the same data.

    .venv/bin/python benchmarks/coverage.py [--customers 10000] [--naive-sample 500]
                                            [--latency-ms 0] [--renders 5] [--repeats 3]

Runs the sandbox in a subprocess (``start_sandbox_process``: its own GIL; tenant ``us``, six
org-activated connections) with its data kept under benchmarks/results/ (seeded once;
``--reset`` reseeds), then prints, in one run:

- **orgconn coverage** and **orgconn coverage --no-impact**: the command itself
  (``--format csv`` to /dev/null), each in a fresh Python process of its own, ``--repeats``
  times alternating after one warm-up run (medians, so a busy machine skews both alike): wall
  seconds from the interpreter's start (imports included), peak RSS (its own ``VmHWM``) and
  the sandbox's CPU seconds meanwhile (less swayed by other work), see ``measure``;
- **floor**: the pages coverage with impact reads (connections, customers, customers' values,
  each connection's instances: pages of 100, the client's documents) fetched bare with httpx —
  same concurrency as the client (6), no models;
- **page by page**: the same pages bare, one after the other following ``endCursor``, as a
  script does;
- **naive**: what Prismatic's example script does per customer — list the customers, then one
  ``customerConfigVariables(customer: ID)`` query per customer, one after the other. Timed on
  the first ``--naive-sample`` customers and extrapolated to all of them (the output says so);
- **page**: the dashboard's coverage page (AppTest from app.py) rendered from a warm cache:
  the median of ``--renders`` reruns, and a rerun after typing a search.

On loopback a request costs the sandbox's work and little else; ``--latency-ms 20`` makes the
sandbox answer each request 20 ms later, like a stack across a network, where the number of
requests and their concurrency is what costs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from measure import child_script, children, coverage_arguments, coverage_sandbox, cpu_seconds

from orgconn.client.documents import operation
from orgconn.client.plans import dig, offset_cursor
from orgconn.sandbox import RunningSandbox, start_sandbox_process

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 100
CONCURRENCY = 6  # the client's default Limits.max_concurrency
# (operation, variables, path of its connection in the answer): the pages coverage reads
STREAMS = (("OrgConnections", {}, "scopedConfigVariables"),
           ("Customers", {"brief": True}, "customers"),
           ("CoverageValues", {}, "customerConfigVariables"))
INSTANCES = ("ConnectionInstances", "scopedConfigVariable.instances")
# the command in a fresh interpreter: its peak RSS on stderr, its output to /dev/null
CHILD = child_script("""
import json
from orgconn.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "peak_mb": peak_mb()}), file=sys.stderr)
""")


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


def _streams(bare: Bare) -> list[tuple[str, dict[str, Any], str]]:
    """Every stream of coverage with impact: the three of `STREAMS`, and one per connection."""
    connections = bare.post("OrgConnections", {"first": PAGE_SIZE})
    ids = [c["id"] for c in dig(connections, "scopedConfigVariables")["nodes"]
           if c["variableScope"] == "CUSTOMER" and c["managedBy"] == "ORG"]
    bare.requests = 0
    return [*STREAMS, *((INSTANCES[0], {"connectionId": i}, INSTANCES[1]) for i in ids)]


def floor(box: RunningSandbox) -> tuple[int, float]:
    """Every page of every stream, first pages then the rest, 6 requests at a time."""
    bare = Bare(box)
    streams = _streams(bare)
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        firsts = list(pool.map(lambda s: bare.post(s[0], {**s[1], "first": PAGE_SIZE}),
                               streams))
        rest = [(name, {**variables, "first": PAGE_SIZE, "after": offset_cursor(start - 1)})
                for (name, variables, path), first in zip(streams, firsts, strict=True)
                for start in range(PAGE_SIZE, int(dig(first, path)["totalCount"]), PAGE_SIZE)]
        list(pool.map(lambda call: bare.post(*call), rest))
    return bare.requests, time.perf_counter() - started


def page_by_page(box: RunningSandbox) -> tuple[int, float]:
    """Every page of every stream, one request at a time, following ``endCursor``."""
    bare = Bare(box)
    streams = _streams(bare)
    started = time.perf_counter()
    for name, variables, path in streams:
        after = None
        while True:
            page = dig(bare.post(name, {**variables, "first": PAGE_SIZE, "after": after}), path)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    return bare.requests, time.perf_counter() - started


Run = tuple[float, float, int, float | None]
"""One run of the command: wall seconds, peak MB, exit status, the sandbox's CPU seconds."""


def command(config: Path, *options: str, sandbox: Sequence[int] = ()) -> Run:
    """``orgconn coverage --format csv OPTIONS`` in a fresh interpreter: (wall seconds from its
    start, peak RSS in MB, exit status, CPU seconds the ``sandbox`` processes spent meanwhile)."""
    cpu = cpu_seconds(sandbox)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, "coverage", "--config", str(config),
                           "--format", "csv", *options], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    after = cpu_seconds(sandbox)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    return (seconds, float(result["peak_mb"]), int(result["status"]),
            None if cpu is None or after is None else after - cpu)


def commands(config: Path, repeats: int) -> tuple[Run, Run, str]:
    """``orgconn coverage`` with and without impact, ``repeats`` times each, alternating, after
    one run left out (the sandbox's first answers parse and validate each operation and warm
    SQLite's cache: a real stack is warm). Each: the medians of seconds and sandbox CPU, the
    highest peak; and every run's figures, for the output."""
    sandbox = children()  # the sandbox is this process's only child now
    command(config)
    runs: dict[str, list[Run]] = {"with": [], "without": []}
    for _ in range(repeats):
        runs["with"].append(command(config, sandbox=sandbox))
        runs["without"].append(command(config, "--no-impact", sandbox=sandbox))

    def summary(each: list[Run]) -> Run:
        cpu = [r[3] for r in each if r[3] is not None]
        return (statistics.median(r[0] for r in each), max(r[1] for r in each), each[-1][2],
                statistics.median(cpu) if cpu else None)

    def seconds(run: Run) -> str:
        return f"{run[0]:.1f}" + (f" (sandbox CPU {run[3]:.2f})" if run[3] is not None else "")

    said = "; ".join(f"{kind} impact " + ", ".join(map(seconds, each))
                     for kind, each in runs.items())
    return summary(runs["with"]), summary(runs["without"]), said


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


def configuration(box: RunningSandbox) -> Path:
    """A configuration file naming the sandbox's tenant us."""
    folder = Path(tempfile.mkdtemp(prefix="orgconn-bench-"))
    config = folder / "orgconn.toml"
    config.write_text(f'[tenants.us]\nurl = "{box.stack_url("us")}"\n'
                      f'token = "{box.token("us")}"\n', encoding="utf-8")
    return config


def page_render(box: RunningSandbox, renders: int) -> tuple[float, float, float]:
    """The coverage page in AppTest: (cold first run, warm median, rerun after a search)."""
    from streamlit.testing.v1 import AppTest

    config = configuration(box)
    folder = config.parent
    os.environ.update(ORGCONN_CONFIG=str(config),
                      ORGCONN_DATABASE_URL=f"sqlite:///{folder / 'store.db'}")
    at = AppTest.from_file(ROOT / "app.py", default_timeout=600)

    def timed(run: Callable[[], object]) -> float:
        started = time.perf_counter()
        run()
        if at.exception or at.error or not at.title:
            raise RuntimeError(f"the page did not render: {at.exception or at.error}")
        return time.perf_counter() - started

    cold = timed(at.run)
    warm = statistics.median(timed(at.run) for _ in range(renders))
    search = timed(lambda: at.text_input(key="coverage.search").input("cust-01").run())
    return cold, warm, search


def main() -> None:
    parser = coverage_arguments(__doc__.split("\n")[0])
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of the command with and without impact (medians shown)")
    args = parser.parse_args()
    settings = coverage_sandbox(args)
    started = time.perf_counter()
    with start_sandbox_process(settings) as box:
        print(f"sandbox ready in {time.perf_counter() - started:.1f} s ({args.customers:,} "
              f"customers in tenant us, data in {settings.data_dir})", flush=True)
        config = configuration(box)
        with_impact, without, runs = commands(config, args.repeats)
        floor_requests, floor_seconds = floor(box)
        serial_requests, serial_seconds = page_by_page(box)
        naive_requests, naive_seconds, sampled, sampled_seconds = naive(box, args.naive_sample)
    ours = with_impact[0]
    print(f"\ncoverage of {args.customers:,} customers × 6 connections; the sandbox runs in a "
          f"subprocess on this machine, answering after {args.latency_ms} ms of added latency\n")
    print(f"{'':40}{'requests':>10}{'seconds':>10}{'peak MB':>10}{'sandbox CPU s':>15}")
    for label, run in (("orgconn coverage (fresh process)", with_impact),
                       ("orgconn coverage --no-impact", without)):
        cpu = f"{run[3]:>15.2f}" if run[3] is not None else f"{'':>15}"
        print(f"{label:40}{'':>10}{run[0]:>10.1f}{run[1]:>10.0f}{cpu}   exit {run[2]}")
    print(f"{'floor: same pages, bare, 6 at a time':40}{floor_requests:>10,}"
          f"{floor_seconds:>10.1f}")
    print(f"{'page by page: same pages, bare':40}{serial_requests:>10,}{serial_seconds:>10.1f}")
    print(f"{'naive: one query per customer':40}{naive_requests:>10,}{naive_seconds:>10.1f}"
          f"   extrapolated from the first {args.naive_sample:,} customers "
          f"(measured {sampled:,} requests in {sampled_seconds:.1f} s)")
    print(f"\norgconn coverage: the median of {args.repeats} runs each, after one left out "
          f"(seconds of each run: {runs})")
    if with_impact[3] and without[3]:
        print(f"impact: {with_impact[3] / without[3]:.2f}× the sandbox's CPU without it")
    print(f"orgconn coverage, imports included: {ours / without[0]:.2f}× the time without "
          f"impact; {ours / serial_seconds:.2f}× the page-by-page fetch, "
          f"{ours / floor_seconds:.2f}× the concurrent floor; 1/{naive_seconds / ours:.0f} "
          "of the naive lookup's time")
    sys.stdout.flush()
    if args.renders:
        with start_sandbox_process(settings) as box:
            cold, warm, search = page_render(box, args.renders)
        print(f"coverage page (AppTest from app.py): warm cache {warm:.2f} s (median of "
              f"{args.renders}), after a search {search:.2f} s, first render with the fetch "
              f"{cold:.1f} s")


if __name__ == "__main__":
    main()

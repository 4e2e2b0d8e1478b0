"""How long comparing two tenants takes: reading them, the differences, the overview, the map.

    .venv/bin/python benchmarks/compare.py [--customers 10000]

Runs the sandbox in a subprocess (its own GIL) with tenants us and eu seeded with
``--customers`` customers each (data kept under benchmarks/results/, reseeded with
``--reset``), reads both tenants as the page does (snapshot + all connections), then times
`orgconn.services.compare.differences`, `connections_overview` and the heatmap. Prints seconds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.models import OrgConnection, TenantData
from orgconn.sandbox import SandboxSettings, start_sandbox_process
from orgconn.services.compare import compare

T = TypeVar("T")
RESULTS = Path(__file__).parent / "results"


def timed(label: str, work: Callable[[], T]) -> T:
    """Run ``work`` and print how long it took."""
    start = time.perf_counter()
    result = work()
    print(f"{label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    settings = SandboxSettings(port=0, customers=args.customers, reset=args.reset,
                               data_dir=RESULTS / f"compare-{args.customers}")
    with start_sandbox_process(settings) as box:
        def read(name: str) -> tuple[TenantData, list[OrgConnection]]:
            config = TenantConfig(name=name, url=box.stack_url(name), token=box.token(name))
            with PrismaticClient(config) as client:
                return client.read_tenant(), client.all_connections()

        read_us = timed("read us (snapshot + connections)", lambda: read("us"))
        read_eu = timed("read eu (snapshot + connections)", lambda: read("eu"))
    snapshots = {"us": read_us[0], "eu": read_eu[0]}
    everything = {"us": read_us[1], "eu": read_eu[1]}
    values = sum(len(s.customer_values) for s in snapshots.values())
    print(f"{args.customers} customers per tenant, {values} customers' values in all")
    frame = timed("differences", lambda: compare.differences(
        snapshots, b"benchmark-key", all_connections=everything))
    print(f"{len(frame)} differences")
    overview = timed("overview (coverage per key)",
                     lambda: compare.connections_overview(snapshots, frame))
    timed("drift matrix + heatmap", lambda: compare.drift_heatmap(
        compare.drift_matrix(frame, list(overview["stable_key"]))))


if __name__ == "__main__":
    main()

"""What reading instance impact costs beside the coverage read, at 10,000 customers.

    .venv/bin/python benchmarks/instance_impact.py [--customers 10000] [--latency-ms 0]

Starts the sandbox in a subprocess (tenant ``us``, six org-activated connections; data kept
under benchmarks/results/, seeded once, ``--reset`` reseeds), then runs each read in a fresh
Python process of its own and prints its requests, seconds and peak RSS (its own ``VmHWM``,
see ``measure``):

- **imports**: the client imported, nothing read (the floor of the others' memory);
- **snapshot**: ``PrismaticClient.read_tenant()``, the read coverage makes today;
- **impact**: ``PrismaticClient.instance_impact()`` alone (it lists the connections itself);
- **both**: ``snapshot()`` then ``instance_impact(snapshot.connections)``, one after the other.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from measure import child_script, coverage_arguments, coverage_sandbox

from orgconn.sandbox import start_sandbox_process

CHILD = child_script("""
import json, time
from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig

url, token, kind = sys.argv[1:4]
client = PrismaticClient(TenantConfig(name="us", url=url, token=token))
started = time.perf_counter()
detail = ""
if kind == "snapshot":
    snapshot = client.read_tenant()
    detail = f"{len(snapshot.customer_values):,} values"
elif kind == "impact":
    impact = client.instance_impact()
    cells = sum(len(per) for per in impact.counts.values())
    detail = f"{cells:,} (connection, customer) cells with instances"
elif kind == "both":
    snapshot = client.read_tenant()
    impact = client.instance_impact(snapshot.connections)
    detail = f"{len(snapshot.customer_values):,} values + impact"
seconds = time.perf_counter() - started
print(json.dumps({"requests": client.stats.requests, "seconds": seconds, "peak_mb": peak_mb(),
                  "detail": detail}))
""")


def measure(url: str, token: str, kind: str) -> dict[str, object]:
    """One read in a fresh interpreter: requests, seconds, peak RSS in MB, a detail."""
    out = subprocess.run([sys.executable, "-c", CHILD, url, token, kind], check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    args = coverage_arguments(__doc__.split("\n")[0]).parse_args()
    settings = coverage_sandbox(args)
    started = time.perf_counter()
    with start_sandbox_process(settings) as box:
        print(f"sandbox ready in {time.perf_counter() - started:.1f} s ({args.customers:,} "
              f"customers in tenant us, {args.latency_ms} ms added latency)", flush=True)
        url, token = box.stack_url("us"), box.token("us")
        rows = [(kind, measure(url, token, kind))
                for kind in ("imports", "snapshot", "impact", "both")]
    print(f"\n{'':10}{'requests':>10}{'seconds':>10}{'peak MB':>10}")
    for kind, row in rows:
        print(f"{kind:10}{row['requests']:>10,}{row['seconds']:>10.2f}{row['peak_mb']:>10.0f}"
              f"   {row['detail']}")
    snapshot, impact = rows[1][1], rows[2][1]
    print(f"\nimpact read: {float(str(impact['seconds'])) / float(str(snapshot['seconds'])):.2f}× "
          "the snapshot's time")


if __name__ == "__main__":
    main()

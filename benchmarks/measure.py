"""What the benchmarks measure of processes: a child's own peak memory, and the CPU time of the
sandbox they run, so that figures taken on a busy machine can still be compared.

Peak memory: ``ru_maxrss`` is the wrong figure for a child started with ``python -c``: Linux
carries the high-water mark of the process image replaced by ``exec`` into the new one, so a
child of a benchmark that already holds a large heap reports its parent's peak. ``VmHWM`` in
``/proc/self/status`` is the process's own (as tests/services/bulk/test_hostile_files.py reads
it). A benchmark runs its child as

    done = subprocess.run([sys.executable, "-c", child_script(BODY), ...], ...)

where ``BODY`` calls ``peak_mb()`` (imported for it by `child_script`) once its work is done.

CPU time: wall seconds swing with what else runs on a shared machine; the CPU seconds the
sandbox spends answering a read (`cpu_seconds` of `children`) depend on that far less.
"""

from __future__ import annotations

import argparse
import os
import resource
from collections.abc import Sequence
from pathlib import Path

from orgconn.sandbox import SandboxSettings

BENCHMARKS = Path(__file__).resolve().parent
RESULTS = BENCHMARKS / "results"


def coverage_arguments(description: str) -> argparse.ArgumentParser:
    """The options every coverage benchmark takes: ``--customers``, ``--latency-ms``,
    ``--reset`` (add more before parsing)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="delay each sandbox answer by N ms (a network's round trip)")
    parser.add_argument("--reset", action="store_true")
    return parser


def coverage_sandbox(args: argparse.Namespace) -> SandboxSettings:
    """The sandbox the coverage benchmarks share: tenant ``us`` of ``args.customers``, its data
    kept under benchmarks/results/ (seeded once per size)."""
    return SandboxSettings(port=0, customers=args.customers, tenants=("us",),
                           data_dir=RESULTS / f"coverage-{args.customers}", reset=args.reset,
                           latency_ms=args.latency_ms)


def peak_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` where ``/proc`` has it, else
    ``ru_maxrss`` (which, after ``exec``, may include the parent's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_script(body: str) -> str:
    """``body`` as a ``python -c`` script that can call `peak_mb` (this module imported)."""
    return (f"import sys\nsys.path.insert(0, {str(BENCHMARKS)!r})\n"
            f"from measure import peak_mb\n{body}")


def children() -> list[int]:
    """The PIDs of this process's children now (Linux ``/proc``; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid():
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pids: Sequence[int]) -> float | None:
    """User + system CPU seconds the processes ``pids`` have used so far (None: not known)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK") if pids else None

"""Peak memory of a benchmark's child process, measured right: every benchmark that runs a read
in a fresh interpreter reports that interpreter's own high-water mark through this module.

``ru_maxrss`` is the wrong figure for such a child: Linux carries the high-water mark of the
process image replaced by ``exec`` into the new one, so a child started by a benchmark that
already holds a large heap reports its parent's peak. ``VmHWM`` in ``/proc/self/status`` is the
process's own (as tests/services/bulk/test_hostile_files.py reads it).

    done = subprocess.run([sys.executable, "-c", child_script(BODY), ...], ...)

where ``BODY`` calls ``peak_mb()`` (imported for it by `child_script`) once its work is done.
"""

from __future__ import annotations

import resource
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent


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
            f"from peak_memory import peak_mb\n{body}")

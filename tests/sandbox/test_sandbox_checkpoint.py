"""The WAL is checkpointed by a thread of its own, not by the commit that fills it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from orgconn.sandbox.checkpoint import Checkpointer
from orgconn.sandbox.db import TenantDatabase, connect


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_checkpointer_copies_committed_writes_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "tenant.sqlite3"
    writer = connect(path)  # its own automatic checkpoint only starts at ~400 MB of WAL
    try:
        writer.execute("CREATE TABLE filler (text TEXT)")
        writer.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(2000)])
        before = path.stat().st_size
        assert Path(f"{path}-wal").stat().st_size > 1_000_000  # the writes are in the WAL only
        checkpointer = Checkpointer(path, interval_s=0.05)
        try:
            assert wait_for(lambda: path.stat().st_size > before + 1_000_000)
        finally:
            checkpointer.close()
    finally:
        writer.close()


def test_closing_a_tenant_database_stops_its_checkpoint_thread(tmp_path: Path) -> None:
    def checkpoint_threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name == "orgconn-checkpoint-closing"]

    db = TenantDatabase("us", tmp_path / "closing.sqlite3")
    assert checkpoint_threads()
    db.close()
    assert not checkpoint_threads()

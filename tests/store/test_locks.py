"""Write locks on SQLite and PostgreSQL: exclusive across stores, threads and processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from orgconn.store import LockTimeoutError, Store, job_key, open_store, schema, values_key
from orgconn.store import locks as store_locks
from orgconn.store.base import utc_now

KEY = values_key("us", "acme-api-key", "cust-1")


def test_a_held_key_is_refused_to_another_store_until_released(store_url: str) -> None:
    with open_store(store_url) as first, open_store(store_url) as second:
        held = first.try_hold([KEY])
        assert held is not None
        assert second.try_hold([KEY]) is None
        another = second.try_hold([values_key("us", "acme-api-key", "cust-2")])
        assert another is not None
        another.release()
        held.release()
        again = second.try_hold([KEY])
        assert again is not None
        again.release()


def test_a_set_of_keys_is_taken_whole_or_not_at_all(store: Store) -> None:
    other = values_key("us", "acme-api-key", "cust-2")
    with store.hold([other]):
        assert store.try_hold([KEY, other]) is None
        alone = store.try_hold([KEY])  # nothing of the refused set was kept
        assert alone is not None
        alone.release()


def test_waiting_for_a_held_key_ends_in_a_lock_timeout_that_says_nothing_was_sent(
        store_url: str) -> None:
    with open_store(store_url) as first, open_store(store_url) as second, first.hold([KEY]):
        started = time.monotonic()
        with pytest.raises(LockTimeoutError, match="nothing was sent"):
            second.hold([KEY], wait_seconds=0.3)
        assert 0.25 <= time.monotonic() - started < 5


def test_a_waiter_gets_the_key_as_soon_as_the_holder_releases_it(store: Store) -> None:
    held = store.hold([KEY])
    releasing = threading.Timer(0.2, held.release)
    releasing.start()
    started = time.monotonic()
    with store.hold([KEY], wait_seconds=10):
        assert 0.15 <= time.monotonic() - started < 5
    releasing.join()  # its connection goes back to the pool before the store closes


def test_on_sqlite_an_expired_lock_row_left_by_a_dead_process_is_taken_over(
        tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        with store._write() as connection:
            connection.execute(insert(schema.write_lock).values(
                key=store_locks._digest(KEY).hex(), holder="dead-host:1:x",
                expires_at=utc_now() - timedelta(seconds=1)))
        held = store.try_hold([KEY])
        assert held is not None
        held.release()


def test_on_sqlite_a_held_lock_is_renewed_so_it_does_not_expire_under_its_holder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_locks, "LEASE_SECONDS", 0.3)
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store, store.hold([KEY]):
        time.sleep(0.8)
        assert store.try_hold([KEY]) is None


def test_locks_of_tenant_values_and_jobs_are_distinct_keys() -> None:
    assert len({values_key("us", "a", "c"), values_key("eu", "a", "c"),
                values_key("us", "b", "c"), values_key("us", "a", None),
                job_key("us", "0" * 64, "{}")}) == 5


COUNTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from orgconn.store import open_store, values_key
    url, counter, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    with open_store(url) as store:
        for _ in range(rounds):
            with store.hold([values_key("us", "acme-api-key", "cust-1")]):
                seen = int(counter.read_text())
                time.sleep(0.005)  # a read-modify-write that two unlocked writers would lose
                counter.write_text(str(seen + 1))
""")


@pytest.mark.slow
def test_two_processes_sharing_the_store_never_lose_an_increment(store_url: str,
                                                                 tmp_path: Path) -> None:
    open_store(store_url).close()  # tables created once, before the race
    counter = tmp_path / "counter"
    counter.write_text("0")
    rounds = 15
    workers = [subprocess.Popen([sys.executable, "-c", COUNTER, store_url, str(counter),
                                 str(rounds)]) for _ in range(2)]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    assert int(counter.read_text()) == 2 * rounds

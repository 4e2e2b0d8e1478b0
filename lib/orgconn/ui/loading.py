"""Reads that take a while say what they read, and how far they are, while they run.

`FreshReads` keeps each tenant read (its data, the connection definitions) for ``ttl``
seconds, shared by every session of the server. A read runs on one of its threads while the
page's script shows, after `STATUS_AFTER` seconds, an ``st.status`` with a progress bar and a
line per stream — ``customers: page 12 of 100 (1,200 of 10,000)`` — fed by the client's
``on_page`` callback (`orgconn.client.PageRead`). The status is drawn only by the run that
waits for a read: a cached answer shows nothing (no element is replayed, unlike elements drawn
inside an ``st.cache_data`` function), and a rerun that arrives while a read is under way joins
it and shows its progress instead of starting another read.

A status is titled by what is read (``Reading tenant us…``); when the read is done it folds
into one line in the past tense (``Read tenant us: 6 connections · 302 customers · 967 values in
0.7 s``), so a finished read never looks as if it were still under way; when it fails it says
so and the error is raised to the page, which shows it as usual.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import streamlit as st

from orgconn.client import PageProgress, PageRead

T = TypeVar("T")
STATUS_AFTER = 0.3  # seconds a read may take before the page says what it is reading
POLL = 0.25  # seconds between two updates of the status


class ReadBoard:
    """The latest page heard of each stream of one read; thread-safe (fed by client threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, PageRead] = {}

    def heard(self, read: PageRead) -> None:
        """Record a page (the `orgconn.client.PageProgress` callback)."""
        with self._lock:
            known = self._latest.get(read.what)
            if known is None or read.page >= known.page:
                self._latest[read.what] = read

    def reads(self) -> list[PageRead]:
        """The latest page of each stream, in the order the streams were first heard."""
        with self._lock:
            return list(self._latest.values())

    def fraction(self) -> float:
        """How far the read is: pages read of all pages known (0 before the first page)."""
        reads = self.reads()
        pages = sum(r.pages for r in reads)
        return min(1.0, sum(r.page for r in reads) / pages) if pages else 0.0

    def summary(self) -> str:
        """E.g. ``3 connections · 10,000 customers · 9,512 values`` (items read per stream)."""
        return " · ".join(f"{r.items:,} {r.what}" for r in self.reads())


@dataclass
class _Read(Generic[T]):
    future: Future[T]
    board: ReadBoard
    number: int
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """A read's value and its number (a new number for each read: a key for derived caches)."""

    value: T
    number: int


class FreshReads:
    """Reads by key, each kept ``ttl`` seconds after it finished; failed reads are forgotten."""

    def __init__(self, ttl: float, workers: int = 4) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._reads: dict[Hashable, _Read[Any]] = {}
        self._numbers = itertools.count(1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orgconn-read")

    def read(self, key: Hashable, what: str, fetch: Callable[[PageProgress], T]) -> Fetched[T]:
        """The fresh value of ``key``; if there is none, ``fetch(on_page)`` runs (or the one
        under way is joined) while the page shows its progress, saying it reads ``what``
        (e.g. ``"tenant us"``)."""
        with self._lock:
            found = self._reads.get(key)
            if found is None or self._stale(found):
                board = ReadBoard()
                found = _Read(self._pool.submit(self._run, key, fetch, board), board,
                              next(self._numbers))
                self._reads[key] = found
        if not found.future.done():
            _show_progress(what, found)
        return Fetched(found.future.result(), found.number)

    def number_of(self, value: object) -> int | None:
        """The number of the fresh read whose value is ``value`` (the object itself), or None."""
        with self._lock:
            for found in self._reads.values():
                if found.future.done() and not found.future.exception() \
                        and found.future.result() is value:
                    return found.number
        return None

    def _run(self, key: Hashable, fetch: Callable[[PageProgress], T], board: ReadBoard) -> T:
        try:
            value = fetch(board.heard)
        except BaseException:
            with self._lock:  # a failed read is not kept: the next call reads again
                if (known := self._reads.get(key)) is not None and known.board is board:
                    del self._reads[key]
            raise
        with self._lock:
            if (known := self._reads.get(key)) is not None and known.board is board:
                known.finished = time.monotonic()
        return value

    def _stale(self, found: _Read[Any]) -> bool:
        return found.finished is not None and time.monotonic() - found.finished > self._ttl

    def clear(self) -> None:
        """Forget every read (reads under way finish, unkept)."""
        with self._lock:
            self._reads.clear()

    def close(self) -> None:
        """Stop the threads once their reads are done."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _show_progress(what: str, found: _Read[Any]) -> None:
    """Wait for ``found``; past `STATUS_AFTER` seconds, in an ``st.status`` saying how far."""
    try:
        found.future.result(timeout=STATUS_AFTER)
        return
    except FutureTimeout:
        pass
    except Exception:  # raised to the page by the caller
        return
    with st.status(f"Reading {what}…", expanded=True) as status:
        bar = st.progress(0.0, text="Asking the tenant…")
        lines = st.empty()
        while True:
            reads = found.board.reads()
            if reads:
                bar.progress(found.board.fraction(),
                             text=f"{found.board.fraction():.0%} of the pages read")
                lines.text("\n".join(r.describe() for r in reads))
            if found.future.done():
                break
            wait([found.future], timeout=POLL)  # its error, if any, is raised by the caller
        took = time.monotonic() - found.started
        if found.future.exception() is not None:
            status.update(label=f"Reading {what} failed after {took:.0f} s", state="error",
                          expanded=False)
        else:
            status.update(label=f"Read {what}: {found.board.summary() or 'done'} "
                          f"in {took:.1f} s", state="complete", expanded=False)

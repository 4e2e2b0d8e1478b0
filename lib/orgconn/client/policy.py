"""Small frozen value objects that set how the client talks to a tenant, and its counters."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for each phase of a request; every request uses one (there is no "never").

    ``read`` is generous because a page of 100 values with inputs can take a while on a busy stack.
    """

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0

    def to_httpx(self) -> httpx.Timeout:
        """The same timeouts as an `httpx.Timeout`."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write,
                             pool=self.pool)


@dataclass(frozen=True)
class Limits:
    """Connection pool size and how many requests one client has in flight at once.

    ``max_concurrency`` bounds the pages fetched concurrently and the independent streams run
    concurrently (each request waits for a slot); keep it modest: Prismatic rate-limits per token.
    """

    max_connections: int = 10
    max_keepalive_connections: int = 10
    max_concurrency: int = 6
    page_size: int = 100

    def to_httpx(self) -> httpx.Limits:
        """The pool limits as an `httpx.Limits`."""
        return httpx.Limits(max_connections=self.max_connections,
                            max_keepalive_connections=self.max_keepalive_connections)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how reads are retried (writes: see `orgconn.client` on safe writes).

    A read is retried on ``retry_statuses`` and on connection errors and timeouts, with
    exponential backoff (``wait_initial`` doubling up to ``wait_max``) plus up to ``wait_jitter``
    random seconds, at most ``attempts`` tries and ``timeout`` seconds in all. A ``Retry-After``
    header is honoured (capped at ``max_retry_after``). 500 is included because gateways in
    front of GraphQL servers answer it for transient failures; a read cannot do harm twice.
    ``write_attempts`` bounds how often a safe write is re-sent after reading back.
    """

    attempts: int = 6
    timeout: float = 90.0
    wait_initial: float = 0.2
    wait_max: float = 8.0
    wait_jitter: float = 0.5
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    write_attempts: int = 5


@dataclass
class RequestStats:
    """Counters of one client (thread-safe), for benchmarks and logs.

    ``requests`` counts every HTTP request sent (GraphQL, retries and token refreshes);
    ``retries`` the re-sent ones; ``refreshes`` the token exchanges.
    """

    requests: int = 0
    retries: int = 0
    refreshes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``name``."""
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

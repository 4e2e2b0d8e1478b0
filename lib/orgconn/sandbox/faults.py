"""Misbehaviour on purpose: injected failures, a per-token rate limit, dropped connections.

`FaultInjector` picks, for ``fault_rate`` of the requests, one of ``fault_kinds``: an HTTP
500, 502 or 503, a reset connection (no response at all), or, for mutations only,
``drop-after-commit``: the write commits and then the connection is reset, so the client sees a
connection error for a write that happened.
"""

from __future__ import annotations

import asyncio
import math
import random
import socket
import struct
import time
from collections.abc import MutableMapping
from typing import Any

from orgconn.sandbox.settings import FaultKind, SandboxSettings

TRANSPORT_KEY = "orgconn.sandbox.transport"


class FaultInjector:
    """Decides which request fails and how (seeded by ``fault_seed`` when given)."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.rate = settings.fault_rate
        self.kinds = settings.fault_kinds
        self.rng = random.Random(settings.fault_seed)

    def pick(self, is_mutation: bool) -> FaultKind | None:
        """The failure for this request, or None; ``drop-after-commit`` only for mutations."""
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        kinds = [k for k in self.kinds if is_mutation or k != "drop-after-commit"]
        return self.rng.choice(kinds) if kinds else None


class RateLimiter:
    """A token bucket per access token: ``per_second`` requests a second, bursts of as many."""

    def __init__(self, per_second: float | None) -> None:
        self.rate = per_second
        self.capacity = max(1.0, per_second or 0.0)
        self.buckets: dict[str, tuple[float, float]] = {}

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait if the request is over the limit (it is not counted), else None."""
        if self.rate is None:
            return None
        now = time.monotonic()
        tokens, stamp = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))
        self.buckets[key] = (tokens - 1.0, now)
        return None


def capture_transport(app: Any) -> Any:
    """Wrap an ASGI app so handlers can reach the server's socket (to reset a connection)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None:
            scope[TRANSPORT_KEY] = transport
        await app(scope, receive, send)

    return wrapped


async def reset_connection(scope: MutableMapping[str, Any]) -> None:
    """Reset the request's TCP connection without a response (the client sees a reset or a
    closed connection); raises if the server does not expose its transport."""
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:
        raise ConnectionAbortedError("the server does not expose its transport")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await asyncio.sleep(0.01)  # let the server see the connection go before the handler returns

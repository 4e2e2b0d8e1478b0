"""Sending one GraphQL `Call` to one tenant: auth, retries, and turning answers into errors.

`SyncTransport` (httpx.Client) and `AsyncTransport` (httpx.AsyncClient) share everything but the
I/O. Whatever a tenant answers is scrubbed here, once, of the token and the secrets the call
carried (`orgconn.errors.scrub`): top-level errors and mutation payloads' ``errors``.
For each call: refresh the access token first if it is (nearly) expired; POST to
``{stack}/api`` with ``Authorization: Bearer`` and the configured timeouts, never following a
redirect (the token goes to the configured host only); after a 401, refresh once and re-send.

Retries (stamina, exponential backoff with jitter, ``Retry-After`` honoured):
- reads: on `RetryPolicy.retry_statuses`, connection errors and timeouts;
- writes: only when the request certainly did not take effect (connection refused, connect or
  pool timeout, 429). A write whose answer was lost (reset after sending, read timeout, 5xx)
  raises `OutcomeUnknownError`: the caller must read back before re-sending (safe writes do).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import stamina

from orgconn.client.auth import TokenState, refused_message
from orgconn.client.documents import Call
from orgconn.client.policy import Limits, RequestStats, RetryPolicy, Timeouts
from orgconn.config import TenantConfig
from orgconn.errors import (
    AuthError,
    GraphQLError,
    HTTPStatusError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestTimeoutError,
    TransportError,
    scrub,
)

log = logging.getLogger("orgconn.client")

USER_AGENT = "orgconn/0.1 (+httpx)"
# the request never reached the server: safe to re-send even a write
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def scrubbed_payload_errors(data: dict[str, Any], redact: Sequence[str]) -> dict[str, Any]:
    """A mutation's ``data`` with each payload's ``errors`` (``field``, ``messages``) scrubbed.

    With the top-level ``errors`` above, this is the one place where what a tenant says
    about a request is cleaned of the token and the secrets the request carried: a tenant
    may echo either in a payload error, and those messages reach people, reports, the audit
    log and the store.
    """
    cleaned = dict(data)
    for alias, payload in data.items():
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if isinstance(errors, list) and errors:
            cleaned[alias] = {**payload, "errors": [
                {**error, "field": error.get("field") and scrub(str(error["field"]), redact),
                 "messages": [scrub(str(m), redact) for m in error.get("messages") or []]}
                if isinstance(error, dict) else scrub(str(error), redact) for error in errors]}
    return cleaned


class TransportBase:
    """What the sync and async transports share: policy, tokens, and reading answers."""

    def __init__(self, tenant: TenantConfig, *, timeouts: Timeouts, limits: Limits,
                 retry: RetryPolicy, stats: RequestStats) -> None:
        self.tenant = tenant
        self.timeouts = timeouts
        self.limits = limits
        self.retry = retry
        self.stats = stats
        self.tokens = TokenState(tenant)

    def _retry_kwargs(self) -> dict[str, float | int]:
        r = self.retry
        return {"attempts": r.attempts, "timeout": r.timeout, "wait_initial": r.wait_initial,
                "wait_max": r.wait_max, "wait_jitter": r.wait_jitter}

    def _backoff_hook(self, is_write: bool) -> Callable[[Exception], bool | float]:
        """Decide, for stamina, whether an error is retried, and after how long if told."""

        def hook(exc: Exception) -> bool | float:
            if isinstance(exc, AuthError):
                return False
            if isinstance(exc, HTTPStatusError):
                retryable = exc.status == 429 or (
                    not is_write and exc.status in self.retry.retry_statuses)
                if retryable and exc.retry_after is not None:
                    return min(exc.retry_after, self.retry.max_retry_after)
                return retryable
            if isinstance(exc, TransportError) and isinstance(exc.__cause__, httpx.TransportError):
                return not is_write or not exc.sent  # a network failure, not a bad answer
            return False

        return hook

    def _outcome_unknown(self, call: Call, exc: Exception) -> OutcomeUnknownError | None:
        """For a write, the `OutcomeUnknownError` that ``exc`` means (None: it did not apply)."""
        if not call.operation.is_mutation:
            return None
        lost = (isinstance(exc, TransportError) and exc.sent) or (
            isinstance(exc, HTTPStatusError) and exc.status >= 500)
        if not lost:
            return None
        return OutcomeUnknownError(
            f"{call.operation.name} was sent to tenant {self.tenant.name!r} but its answer was "
            f"lost ({exc}); it may or may not have been applied — read it back before retrying",
            tenant=self.tenant.name)

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        return http.build_request(
            "POST", self.tenant.api_url, json=call.payload,
            headers={"Authorization": self.tokens.bearer(), "User-Agent": USER_AGENT},
            timeout=self.timeouts.to_httpx())

    def _refresh_request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        self.stats.count("requests")
        self.stats.count("refreshes")
        return self.tokens.refresh_request(http, self.timeouts.to_httpx())

    def _refresh_failed(self, exc: httpx.HTTPError) -> TransportError:
        error = self._transport_error(exc, "the token refresh")
        error.sent = False  # the GraphQL request itself was not sent yet
        return error

    def _transport_error(self, exc: httpx.HTTPError, what: str) -> TransportError:
        name, host = self.tenant.name, self.tenant.host
        sent = not isinstance(exc, NOT_SENT)
        if isinstance(exc, httpx.TimeoutException):
            return RequestTimeoutError(
                f"Tenant {name!r} ({host}) did not answer {what} in time "
                f"({type(exc).__name__}); check the network, or raise the client's Timeouts",
                sent=sent, tenant=name)
        return TransportError(f"Could not complete {what} with tenant {name!r} at {host} "
                              f"({type(exc).__name__}); is its url right and the stack up?",
                              sent=sent, tenant=name)

    def _read_answer(self, response: httpx.Response, call: Call, started: float
                     ) -> dict[str, Any]:
        """Return the ``data`` of a GraphQL answer, or raise the error it means."""
        name, op, status = self.tenant.name, call.operation.name, response.status_code
        redact = (*self.tokens.secrets(), *call.redact)
        log.debug("%s %s: HTTP %s in %.0f ms", name, op, status,
                  (time.perf_counter() - started) * 1000)
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        messages = [scrub(str(e.get("message", e)) if isinstance(e, dict) else str(e), redact)
                    for e in errors or []]
        if 300 <= status < 400:
            target = httpx.URL(response.headers.get("location", "")).host or "another place"
            raise HTTPStatusError(
                f"Tenant {name!r} answered {op} with a redirect (HTTP {status}) to {target}; "
                f"orgconn does not follow redirects so that the token only goes to "
                f"{self.tenant.host} — check the tenant's url", status=status, tenant=name)
        if status in (401, 403):
            raise AuthError(refused_message(self.tenant, status, "; ".join(messages)[:200]),
                            status=status, tenant=name)
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status == 429:
            raise RateLimitedError(f"Tenant {name!r} is rate-limiting orgconn (HTTP 429); wait a "
                                   "minute or lower the concurrency", retry_after=retry_after,
                                   tenant=name)
        if status >= 400 and not (status == 400 and messages):
            raise HTTPStatusError(f"Tenant {name!r} answered {op} with HTTP {status}",
                                  status=status, retry_after=retry_after, tenant=name)
        if not isinstance(body, dict):
            raise TransportError(f"Tenant {name!r} answered {op} with something that is not "
                                 f"GraphQL JSON (HTTP {status}); is its url the stack URL?",
                                 tenant=name)
        data = body.get("data")
        if isinstance(data, dict) and call.operation.is_mutation:
            data = scrubbed_payload_errors(data, redact)
        if messages or not isinstance(data, dict):
            text = "; ".join(messages) or "no data"
            raise GraphQLError(f"Tenant {name!r} reported errors for {op}: {text}",
                               messages=messages, data=data if isinstance(data, dict) else None,
                               tenant=name)
        return data


class SyncTransport(TransportBase):
    """Blocking transport over an `httpx.Client`; thread-safe (a bounded number in flight)."""

    def __init__(self, tenant: TenantConfig, http: httpx.Client, **policy: Any) -> None:
        super().__init__(tenant, **policy)
        self.http = http
        self._slots = threading.BoundedSemaphore(self.limits.max_concurrency)
        self._refresh_lock = threading.Lock()

    def execute(self, call: Call) -> dict[str, Any]:
        """Send ``call`` (retrying as the module docstring says) and return its ``data``."""
        try:
            for attempt in stamina.retry_context(on=self._backoff_hook(call.operation.is_mutation),
                                                 **self._retry_kwargs()):  # type: ignore[arg-type]
                with attempt:
                    if attempt.num > 1:
                        self.stats.count("retries")
                    return self._send(call)
        except (TransportError, HTTPStatusError) as exc:
            unknown = self._outcome_unknown(call, exc)
            if unknown is None:
                raise
            raise unknown from exc
        raise AssertionError("unreachable: stamina re-raises the last error")

    def _send(self, call: Call) -> dict[str, Any]:
        with self._slots:
            self._ensure_token()
            started = time.perf_counter()
            request = self._request(self.http, call)
            response = self._post(request, call)
            if response.status_code == 401 and self.tokens.can_refresh:
                self.tokens.invalidate(request.headers["Authorization"])
                self._ensure_token()
                response = self._post(self._request(self.http, call), call)
            return self._read_answer(response, call, started)

    def _post(self, request: httpx.Request, call: Call) -> httpx.Response:
        self.stats.count("requests")
        try:
            return self.http.send(request, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, call.operation.name) from exc

    def _ensure_token(self) -> None:
        if not self.tokens.needs_refresh():
            return
        with self._refresh_lock:
            if not self.tokens.needs_refresh():
                return  # another thread refreshed it meanwhile
            try:
                response = self.http.send(self._refresh_request(self.http),
                                          follow_redirects=False)
            except httpx.HTTPError as exc:
                raise self._refresh_failed(exc) from exc
            self.tokens.accept(response)

    def close(self) -> None:
        """Close the HTTP client (only call it for a client this transport created)."""
        self.http.close()


class AsyncTransport(TransportBase):
    """Asyncio transport over an `httpx.AsyncClient`; a bounded number of requests in flight."""

    def __init__(self, tenant: TenantConfig, http: httpx.AsyncClient, **policy: Any) -> None:
        super().__init__(tenant, **policy)
        self.http = http
        self._slots = asyncio.Semaphore(self.limits.max_concurrency)
        self._refresh_lock = asyncio.Lock()

    async def execute(self, call: Call) -> dict[str, Any]:
        """Send ``call`` (retrying as the module docstring says) and return its ``data``."""
        try:
            async for attempt in stamina.retry_context(
                    on=self._backoff_hook(call.operation.is_mutation),
                    **self._retry_kwargs()):  # type: ignore[arg-type]
                with attempt:
                    if attempt.num > 1:
                        self.stats.count("retries")
                    return await self._send(call)
        except (TransportError, HTTPStatusError) as exc:
            unknown = self._outcome_unknown(call, exc)
            if unknown is None:
                raise
            raise unknown from exc
        raise AssertionError("unreachable: stamina re-raises the last error")

    async def _send(self, call: Call) -> dict[str, Any]:
        async with self._slots:
            await self._ensure_token()
            started = time.perf_counter()
            request = self._request(self.http, call)
            response = await self._post(request, call)
            if response.status_code == 401 and self.tokens.can_refresh:
                self.tokens.invalidate(request.headers["Authorization"])
                await self._ensure_token()
                response = await self._post(self._request(self.http, call), call)
            return self._read_answer(response, call, started)

    async def _post(self, request: httpx.Request, call: Call) -> httpx.Response:
        self.stats.count("requests")
        try:
            return await self.http.send(request, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, call.operation.name) from exc

    async def _ensure_token(self) -> None:
        if not self.tokens.needs_refresh():
            return
        async with self._refresh_lock:
            if not self.tokens.needs_refresh():
                return  # another task refreshed it meanwhile
            try:
                response = await self.http.send(self._refresh_request(self.http),
                                          follow_redirects=False)
            except httpx.HTTPError as exc:
                raise self._refresh_failed(exc) from exc
            self.tokens.accept(response)

    async def aclose(self) -> None:
        """Close the HTTP client (only call it for a client this transport created)."""
        await self.http.aclose()

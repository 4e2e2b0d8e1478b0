"""The one error tree of orgconn: catch `OrgconnError` and show ``str(error)`` to the user.

    OrgconnError                    base class; ``str()`` is a sentence a user can act on
    ├── ConfigError                 the configuration file or environment is wrong (names key + fix)
    ├── AccessDenied                a write refused before anything was sent: the role is too low
    │                               or a protected tenant's name was not typed (says what allows it)
    ├── InvalidValuesError          values rejected before anything was sent (unknown input, ...)
    ├── TransportError              the request did not complete (connection refused, reset, ...)
    │   └── RequestTimeoutError     ... because a timeout expired (also a builtin TimeoutError)
    ├── HTTPStatusError             the server answered with an HTTP error status (``.status``)
    │   ├── AuthError               401/403 or a refused refresh token: names tenant and fix
    │   └── RateLimitedError        429 after every retry (``.retry_after`` seconds, if given)
    ├── GraphQLError                top-level GraphQL ``errors`` (``.messages``; partial ``.data``)
    ├── PayloadError                a mutation answered ``errors { field messages }`` (``.errors``)
    └── OutcomeUnknownError         a write was sent but its answer was lost: it may or may not have
                                    happened (``__cause__`` is the underlying error)

Messages never contain tokens or secret values: the client passes every secret it sent as
``redact`` and `scrub` replaces them before a message is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REDACTED = "[redacted]"


def scrub(text: str, redact: Iterable[str] = ()) -> str:
    """Return ``text`` with every non-trivial string of ``redact`` replaced by ``[redacted]``."""
    for secret in sorted({s for s in redact if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class OrgconnError(Exception):
    """Base of every error orgconn raises on purpose; ``tenant`` names the tenant when known."""

    def __init__(self, message: str, *, tenant: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tenant = tenant

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(OrgconnError):
    """The configuration is wrong; ``problems`` lists ``"key: what is wrong — the fix"`` lines."""

    def __init__(self, problems: Iterable[str], *, source: str | None = None) -> None:
        self.problems = list(problems)
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"Invalid orgconn configuration{where}:\n{lines}")


class AccessDenied(OrgconnError):
    """A write was refused: the actor's role is too low or the confirmation is missing.

    Nothing was sent; the message is a sentence for the user saying what was refused and what
    would allow it. (Raised by `orgconn.services.access`; the refusal is recorded in the audit
    log like any failed write.)
    """


class InvalidValuesError(OrgconnError):
    """Values were refused before sending (unknown or global input, unreadable secret missing)."""


class TransportError(OrgconnError):
    """The HTTP request did not complete: connection refused or reset, DNS failure, bad answer.

    ``sent`` is False when the request certainly never reached the server (connection refused,
    connect or pool timeout), so that even a write may be re-sent.
    """

    def __init__(self, message: str, *, sent: bool = True, tenant: str | None = None) -> None:
        super().__init__(message, tenant=tenant)
        self.sent = sent


class RequestTimeoutError(TransportError, TimeoutError):
    """A connect, read, write or pool timeout expired (see `orgconn.client.Timeouts`)."""


class HTTPStatusError(OrgconnError):
    """The server answered with an HTTP error status (``status``; ``retry_after`` if it said)."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None,
                 tenant: str | None = None) -> None:
        super().__init__(message, tenant=tenant)
        self.status = status
        self.retry_after = retry_after


class AuthError(HTTPStatusError):
    """The tenant refused the token (401/403) or the refresh token; the message says what to do."""


class RateLimitedError(HTTPStatusError):
    """Still rate-limited (429) after every retry; ``retry_after``: the server's hint, seconds."""

    def __init__(self, message: str, *, retry_after: float | None, tenant: str | None = None
                 ) -> None:
        super().__init__(message, status=429, retry_after=retry_after, tenant=tenant)


class GraphQLError(OrgconnError):
    """The answer carried top-level GraphQL ``errors``; ``data`` keeps any partial data."""

    def __init__(self, message: str, *, messages: list[str], data: Mapping[str, Any] | None,
                 tenant: str | None = None) -> None:
        super().__init__(message, tenant=tenant)
        self.messages = messages
        self.data = data


@dataclass(frozen=True)
class FieldError:
    """One entry of a mutation payload's ``errors``: ``field`` (``"__all__"`` = general)."""

    field: str
    messages: tuple[str, ...]

    def __str__(self) -> str:
        text = "; ".join(self.messages)
        return text if self.field == "__all__" else f"{self.field}: {text}"


class PayloadError(OrgconnError):
    """A mutation was refused with field errors (HTTP 200); nothing was changed by it."""

    def __init__(self, operation: str, errors: Iterable[FieldError], *,
                 tenant: str | None = None) -> None:
        self.operation = operation
        self.errors = list(errors)
        where = f" in tenant {tenant!r}" if tenant else ""
        detail = "; ".join(str(e) for e in self.errors)
        super().__init__(f"{operation} was refused{where}: {detail}", tenant=tenant)


class OutcomeUnknownError(OrgconnError):
    """A write was sent but its answer was lost (dropped connection, timeout, 5xx).

    It may or may not have been applied: read the object back before trying again (the client's
    safe writes do this themselves; this error reaches callers only when reconciliation failed).
    """

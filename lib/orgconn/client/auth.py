"""Access tokens of one tenant: when to refresh, how to ask, and what a refusal means.

Pure state and messages; the sync and async transports do the HTTP (``POST {stack}/auth/refresh``
with JSON ``{"refresh_token", "tenant_id"?}``, answered by ``{"access_token": JWT}``).
An access token is refreshed before it is used when fewer than `REFRESH_MARGIN` seconds of its
JWT ``exp`` remain, and once more after a 401 (it may have been revoked early).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

import httpx
from pydantic import SecretStr

from orgconn.config import TenantConfig
from orgconn.errors import AuthError, HTTPStatusError, TransportError, scrub

REFRESH_MARGIN = 300.0  # seconds: Prismatic's advice is to refresh when < 5 minutes remain


def jwt_expiry(token: str) -> float | None:
    """Return the ``exp`` claim (epoch seconds) of a JWT, or None if it is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) else None


def fix_hint(tenant: TenantConfig) -> str:
    """The sentence that tells a user how to give ``tenant`` a working token."""
    env = f"ORGCONN_TENANTS__{tenant.name.upper().replace('-', '_')}__REFRESH_TOKEN"
    return (f"set a new refresh_token in [tenants.{tenant.name}] (prism me:token --type refresh) "
            f"or {env}")


def refused_message(tenant: TenantConfig, status: int, detail: str = "") -> str:
    """The `AuthError` message for a 401/403 answer from ``tenant``'s API."""
    said = f" ({detail})" if detail else ""
    if status == 403:
        return (f"Tenant {tenant.name!r} ({tenant.host}) refused the request (HTTP 403){said}: "
                "the token's user lacks permission for it — use a token of an organization "
                f"admin, or {fix_hint(tenant)}")
    return (f"Tenant {tenant.name!r} ({tenant.host}) refused the token (HTTP 401){said}: it is "
            f"expired, revoked or for another stack — {fix_hint(tenant)}")


class TokenState:
    """The current access token of one tenant and whether it must be refreshed first."""

    def __init__(self, tenant: TenantConfig, *, clock: Any = time.time) -> None:
        self.tenant = tenant
        self._clock = clock
        self._access: SecretStr | None = tenant.token
        self._expires_at = jwt_expiry(tenant.token.get_secret_value()) if tenant.token else None

    @property
    def can_refresh(self) -> bool:
        """Whether a refresh token is configured."""
        return self.tenant.refresh_token is not None

    def needs_refresh(self) -> bool:
        """Whether the access token is missing or expires within `REFRESH_MARGIN` seconds."""
        if not self.can_refresh:
            return False
        if self._access is None:
            return True
        return self._expires_at is not None and self._expires_at - self._clock() < REFRESH_MARGIN

    def invalidate(self, used: str) -> None:
        """Forget the access token after a 401 to a request sent with ``used`` (its header).

        The next use then refreshes it; a token that another request refreshed meanwhile stays.
        """
        if self.can_refresh and self._access is not None and used == self.bearer():
            self._access = None

    def bearer(self) -> str:
        """The ``Authorization`` header value; call after refreshing if `needs_refresh`."""
        if self._access is None:  # cannot happen after a successful refresh
            raise AuthError(f"Tenant {self.tenant.name!r} has no access token — "
                            f"{fix_hint(self.tenant)}", status=401, tenant=self.tenant.name)
        return f"Bearer {self._access.get_secret_value()}"

    def secrets(self) -> tuple[str, ...]:
        """Every token string, to scrub from error messages."""
        values = (self._access, self.tenant.token, self.tenant.refresh_token)
        return tuple(v.get_secret_value() for v in values if v is not None)

    def refresh_request(self, http: httpx.Client | httpx.AsyncClient, timeout: httpx.Timeout
                        ) -> httpx.Request:
        """The token exchange request (only to the tenant's own stack)."""
        assert self.tenant.refresh_token is not None
        body: dict[str, str] = {"refresh_token": self.tenant.refresh_token.get_secret_value()}
        if self.tenant.tenant_id:
            body["tenant_id"] = self.tenant.tenant_id
        return http.build_request("POST", self.tenant.refresh_url, json=body, timeout=timeout)

    def accept(self, response: httpx.Response) -> None:
        """Take the new access token from the exchange's answer, or raise why there is none."""
        name = self.tenant.name
        if response.status_code in (400, 401, 403):
            raise AuthError(f"Tenant {name!r} ({self.tenant.host}) refused the refresh token "
                            f"(HTTP {response.status_code}) — {fix_hint(self.tenant)}",
                            status=response.status_code, tenant=name)
        if response.status_code != 200:
            raise HTTPStatusError(f"Tenant {name!r} ({self.tenant.host}) could not refresh the "
                                  f"access token (HTTP {response.status_code}); try again later",
                                  status=response.status_code, tenant=name)
        try:
            token = response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise TransportError(f"Tenant {name!r}: the token exchange at "
                                 f"{scrub(self.tenant.refresh_url, self.secrets())} answered "
                                 "without an access_token; is url the stack URL?",
                                 tenant=name) from None
        self._access = SecretStr(str(token))
        self._expires_at = jwt_expiry(str(token))

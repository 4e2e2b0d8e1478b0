"""Who may call a tenant: static sandbox tokens, and JWTs handed out by ``/auth/refresh``.

Access tokens are HS256 JWTs, shaped like Prismatic's (its CLI decodes them to read ``exp``):
the static one of each tenant (`static_access_token`, valid until 2100, overridable with
``--token``), whose documented spelling ``sandbox-<tenant>`` is accepted as well, and those the
refresh endpoint mints, valid until ``exp``. The signing key is a fixed sandbox key: these are
demo credentials, so a restarted sandbox keeps accepting its JWTs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from orgconn.sandbox.seed import tenant_id

if TYPE_CHECKING:
    from orgconn.sandbox.settings import SandboxSettings

SIGNING_KEY = b"orgconn-sandbox-demo-signing-key"
STATIC_EXPIRY = 4_102_444_800  # 2100-01-01: the static tokens do not expire in practice
MISSING = ("Authentication credentials were not provided: send the header "
           "'Authorization: Bearer <access token>'.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_access_token(tenant: str, ttl_seconds: int, now: float | None = None) -> str:
    """A JWT for ``tenant`` that expires ``ttl_seconds`` from ``now``."""
    issued = int(now if now is not None else time.time())
    return _signed(tenant, issued, issued + ttl_seconds)


@functools.cache  # every request compares its token with it: sign it once
def static_access_token(tenant: str) -> str:
    """The static access token of ``tenant``: a JWT that is the same on every start."""
    return _signed(tenant, 0, STATIC_EXPIRY)


def legacy_access_token(tenant: str) -> str:
    """``sandbox-<tenant>``: the static token's documented spelling, still accepted."""
    return f"sandbox-{tenant}"


def _signed(tenant: str, issued: int, expires: int) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": "sandbox-admin", "tenant": tenant, "tenant_id": tenant_id(tenant),
              "iat": issued, "exp": expires}
    body = _b64(json.dumps(claims).encode())
    signature = hmac.new(SIGNING_KEY, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT this sandbox signed, or None (forged, malformed)."""
    try:
        header, body, signature = token.split(".")
        expected = hmac.new(SIGNING_KEY, f"{header}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims = json.loads(_unb64(body))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


class Authenticator:
    """Checks Bearer tokens and answers refresh requests for every tenant of one sandbox."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings

    def refuse(self, tenant: str, authorization: str | None) -> str | None:
        """Why a request with this ``Authorization`` header is refused, or None if it may pass.

        The reason never repeats the token.
        """
        if not authorization:
            return MISSING
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return MISSING
        accepted = [self.settings.access_token(tenant)]
        if tenant not in self.settings.tokens:
            accepted.append(legacy_access_token(tenant))
        if any(hmac.compare_digest(token.encode(), each.encode()) for each in accepted):
            return None
        claims = jwt_claims(token)
        if claims is None or claims.get("tenant") != tenant:
            return f"Invalid token for tenant {tenant!r}: it was not issued for this tenant."
        if float(claims.get("exp", 0)) <= time.time():
            return (f"The access token for tenant {tenant!r} has expired: get a new one "
                    "from /auth/refresh.")
        return None

    def refresh(self, tenant: str, body: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON) answering ``POST /<tenant>/auth/refresh`` with ``body``."""
        if not isinstance(body, dict) or not isinstance(body.get("refresh_token"), str):
            return 400, {"errors": [{"message": "Send JSON {\"refresh_token\": \"...\"} "
                                                "(and optionally \"tenant_id\")."}]}
        wanted = self.settings.refresh_token(tenant)
        if not hmac.compare_digest(body["refresh_token"].encode(), wanted.encode()):
            return 401, {"errors": [{"message": f"Invalid refresh token for tenant {tenant!r}."}]}
        if body.get("tenant_id") not in (None, tenant_id(tenant)):
            return 401, {"errors": [{"message": f"tenant_id does not match tenant {tenant!r} "
                                                f"(its tenantId is {tenant_id(tenant)})."}]}
        token = mint_access_token(tenant, self.settings.token_ttl_seconds)
        return 200, {"access_token": token, "token_type": "Bearer",
                     "expires_in": self.settings.token_ttl_seconds}

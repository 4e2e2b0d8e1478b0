"""The sandbox's knobs: one frozen value object shared by the CLI, the server and the fixtures.

Every field has the CLI's default. ``data_dir=None`` means "a temporary folder removed on stop"
for an in-process sandbox; the ``orgconn sandbox`` command defaults to ``.orgconn/sandbox``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orgconn.sandbox.auth import static_access_token

FaultKind = Literal["500", "502", "503", "reset", "drop-after-commit"]
FAULT_KINDS: tuple[FaultKind, ...] = ("500", "502", "503", "reset", "drop-after-commit")
TENANT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
RESERVED_PATHS = frozenset({"healthz", "auth", "api"})


class SandboxSettings(BaseModel):
    """How a sandbox is seeded and how it misbehaves; immutable, validated on creation.

    ``port=0`` picks free ports (else tenants' stacks listen on ``port+1``, ``port+2``...).
    ``tokens`` overrides the static JWT access token (also spelt ``sandbox-<tenant>``) per
    tenant, ``refresh_tokens`` the refresh token ``sandbox-refresh-<tenant>``.
    ``fault_kinds`` restricts which failures ``fault_rate`` produces and ``fault_seed`` makes
    the choice reproducible (test hooks). ``seed_date`` fixes the day the seed counts back from
    (default: today, UTC).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8788, ge=0, le=65535)
    tenants: tuple[str, ...] = ("us", "eu")
    customers: int = Field(default=40, ge=1, le=200_000)
    seed: int = 1
    data_dir: Path | None = None
    reset: bool = False
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    fault_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    fault_kinds: tuple[FaultKind, ...] = FAULT_KINDS
    fault_seed: int | None = None
    rate_limit: float | None = Field(default=None, gt=0)
    write_only_secrets: bool = False
    tokens: Mapping[str, str] = Field(default_factory=dict)
    refresh_tokens: Mapping[str, str] = Field(default_factory=dict)
    token_ttl_seconds: int = Field(default=3600, ge=1)
    seed_date: date | None = None

    @field_validator("tenants")
    @classmethod
    def _tenants_are_path_segments(cls, tenants: tuple[str, ...]) -> tuple[str, ...]:
        if not tenants:
            raise ValueError("give at least one tenant, e.g. --tenants us,eu")
        if len(set(tenants)) != len(tenants):
            raise ValueError(f"tenant names repeat: {', '.join(tenants)}")
        for name in tenants:
            if not TENANT_NAME.match(name) or name in RESERVED_PATHS:
                raise ValueError(
                    f"tenant name {name!r} is not usable in a URL: use lowercase letters, digits "
                    f"and '-', starting with a letter (not {', '.join(sorted(RESERVED_PATHS))})"
                )
        return tenants

    @field_validator("fault_kinds")
    @classmethod
    def _some_fault_kind(cls, kinds: tuple[FaultKind, ...]) -> tuple[FaultKind, ...]:
        if not kinds:
            raise ValueError(f"give at least one fault kind of {', '.join(FAULT_KINDS)}")
        return kinds

    @field_validator("tokens", "refresh_tokens")
    @classmethod
    def _tokens_are_usable(cls, tokens: Mapping[str, str]) -> Mapping[str, str]:
        for tenant, token in tokens.items():
            if not token or any(ch.isspace() for ch in token):
                raise ValueError(f"the token for tenant {tenant!r} is empty or contains spaces")
        return dict(tokens)

    @model_validator(mode="after")
    def _tokens_name_tenants(self) -> SandboxSettings:
        for tenant in [*self.tokens, *self.refresh_tokens]:
            if tenant not in self.tenants:
                raise ValueError(f"a token is given for tenant {tenant!r}, which is not one of "
                                 f"the tenants ({', '.join(self.tenants)})")
        return self

    def access_token(self, tenant: str) -> str:
        """The static access token of ``tenant``: a JWT unless overridden (the spelling
        ``sandbox-<tenant>`` is accepted as well when not overridden)."""
        return self.tokens.get(tenant) or static_access_token(tenant)

    def refresh_token(self, tenant: str) -> str:
        """The refresh token of ``tenant`` (``sandbox-refresh-<tenant>`` unless overridden)."""
        return self.refresh_tokens.get(tenant, f"sandbox-refresh-{tenant}")

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        """Repr without token values: sandbox tokens still count as credentials."""
        hidden = {"tokens", "refresh_tokens"}
        return [(k, v) for k, v in super().__repr_args__() if k not in hidden]

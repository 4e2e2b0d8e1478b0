"""Fixtures of the sandbox's own tests: callers of the us/eu tenants over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from orgconn.sandbox import RunningSandbox
from tests.sandbox.sandbox_api import Api


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One keep-alive HTTP client for the test."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def api_for(http: httpx.Client) -> Callable[..., Api]:
    """``api_for(sandbox, tenant="us", token=None)``: a caller (token None = the tenant's)."""

    def make(sandbox: RunningSandbox, tenant: str = "us", token: str | None = None) -> Api:
        return Api(http, sandbox, tenant, token)

    return make


@pytest.fixture
def us(sandbox: RunningSandbox, api_for: Callable[..., Api]) -> Api:
    """The shared (read-only) sandbox's us tenant."""
    return api_for(sandbox)


@pytest.fixture
def eu(sandbox: RunningSandbox, api_for: Callable[..., Api]) -> Api:
    """The shared (read-only) sandbox's eu tenant."""
    return api_for(sandbox, "eu")

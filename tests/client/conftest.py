"""Fixtures of the client tests: a fake Prismatic behind MockTransport, and clients on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from orgconn.client import PrismaticClient, RetryPolicy
from orgconn.config import TenantConfig
from tests.client.fake_prismatic import FakePrismatic

TOKEN = "access-token-for-tests-0042"
REFRESH = "refresh-token-for-tests-0042"
# retries without waiting, so that error paths stay fast
FAST = RetryPolicy(attempts=4, timeout=10, wait_initial=0.001, wait_max=0.002, wait_jitter=0)


def make_tenant(**overrides: object) -> TenantConfig:
    """The test tenant ``us`` on a fake stack, with an access token unless overridden."""
    fields: dict[str, object] = {"name": "us", "url": "https://fake.prismatic.test",
                                 "token": SecretStr(TOKEN)}
    fields.update(overrides)
    return TenantConfig.model_validate(fields)


@pytest.fixture
def fake() -> FakePrismatic:
    """An empty fake Prismatic."""
    return FakePrismatic()


@pytest.fixture
def client(fake: FakePrismatic) -> Iterator[PrismaticClient]:
    """A sync client of tenant ``us`` talking to ``fake`` through MockTransport."""
    with httpx.Client(transport=httpx.MockTransport(fake.handler)) as http, \
            PrismaticClient(make_tenant(), http=http, retry=FAST) as client:
        yield client

"""A cold read says what it reads and how far it is; a cached one shows nothing.

The sandbox answers slowly (``latency_ms``) and has several pages of customers, so the read
takes long enough to be seen; `orgconn.ui.loading.STATUS_AFTER` is 0 so that every cold read
shows its status whatever the machine's speed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.ui import loading
from tests.pages.conftest import Configure, sandbox_tenants

CUSTOMERS = 230  # three pages of customers (100 a page)


@pytest.fixture
def slow_tenant(make_sandbox: Callable[..., RunningSandbox], configure: Configure,
                monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    box = make_sandbox(tenants=("us",), customers=CUSTOMERS, latency_ms=60)
    configure(sandbox_tenants(box, ("us",)))
    monkeypatch.setattr(loading, "STATUS_AFTER", 0.0)
    return box


def test_a_cold_load_shows_what_was_read_page_by_page_and_a_warm_one_shows_no_status(
        app: AppTest, slow_tenant: RunningSandbox) -> None:
    with PrismaticClient(TenantConfig(name="us", url=slow_tenant.stack_url("us"),
                                      token=slow_tenant.token("us"))) as client:
        total = len(client.customers())  # the seed adds customers without an external ID
    at = app.run()  # app.py: the coverage page, the first page a user sees

    assert not at.exception and not at.error
    reading = [s for s in at.status if s.label.startswith("Read the coverage of tenant us: ")]
    assert len(reading) == 1 and reading[0].state == "complete"
    assert f"{total:,} customers" in reading[0].label
    lines = reading[0].text[0].value.splitlines()
    assert f"customers: page 3 of 3 ({total:,} of {total:,})" in lines
    assert any(line.startswith("values: page ") for line in lines)
    assert reading[0].get("progress")

    again = at.run()  # the same page: the read is cached, no status
    assert not again.exception and not again.error
    assert not [s for s in again.status if s.label.startswith("Read")]



def test_a_read_is_kept_for_its_ttl_and_a_failed_one_is_read_again() -> None:
    reads = loading.FreshReads(ttl=60)
    answers = iter([RuntimeError("the tenant is down"), "first", "second"])

    def fetch(on_page: object) -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    try:
        with pytest.raises(RuntimeError, match="the tenant is down"):
            reads.read("us", "tenant us", fetch)
        kept = reads.read("us", "tenant us", fetch)
        assert kept.value == "first" and reads.read("us", "tenant us", fetch) == kept
        reads.clear()  # the Refresh button
        fresh = reads.read("us", "tenant us", fetch)
        assert fresh.value == "second" and fresh.number > kept.number
    finally:
        reads.close()

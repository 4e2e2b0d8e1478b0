"""The coverage page in Chromium, on the dashboard's embedded sandbox: find a known gap.

The gap is not hard-coded: the test reads the sandbox the page says it runs on (its URL is in
the sandbox notice) with `PrismaticClient`, picks a customer whose values lack an input, and
finds that customer on the page with the search box.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.sandbox import SandboxSettings
from orgconn.services.coverage import coverage_frame, gaps_by_impact

pytestmark = pytest.mark.browser


def known_gap(sandbox_url: str) -> dict[str, Any]:
    """An incomplete cell of tenant us, read from the sandbox with the client."""
    tenant = TenantConfig(name="us", url=f"{sandbox_url}/us",
                          token=SandboxSettings().access_token("us"))
    with PrismaticClient(tenant) as client:
        frame = coverage_frame("us", client.read_tenant())
    incomplete = frame[frame["status"] == "incomplete"]
    return dict(incomplete.iloc[0])


def test_a_known_gap_is_found_with_the_search_and_listed_in_the_gaps_tab(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    # the first request of this server is a deep link: the page must still get its shell
    page.goto(f"{dashboard}/coverage")
    notice = page.locator("[data-testid='stAlert']").filter(has_text="Sandbox data.")
    notice.wait_for()
    sandbox_url = re.search(r"http://127\.0\.0\.1:\d+", notice.inner_text()).group(0)
    page.get_by_text("Acme SaaS").first.wait_for()  # the sidebar names each token's org
    gap = known_gap(sandbox_url)

    search = page.locator("input[aria-label='Search customers']")
    search.fill(gap["customer_external_id"])
    search.press("Enter")
    page.get_by_text("cells match").filter(has_text=re.compile(r"^[12] customers")).wait_for()
    assert f"q={gap['customer_external_id']}" in page.url

    page.get_by_role("tab", name="Gaps").click()
    template = (f"us · {gap['connection']} ({gap['stable_key']}): template of the customers "
                "lacking values")
    page.get_by_role("link", name=template).wait_for()
    assert "view=Gaps" in page.url, "the open tab is kept in the link"
    grid = page.locator("[data-testid='stDataFrame']").filter(has_text=gap["missing_inputs"])
    grid.first.wait_for()
    assert "canary" not in page.content()
    # Streamlit scrolls inside the page, so a full-page shot is the viewport: make it tall
    page.set_viewport_size({"width": 1400, "height": 1900})
    page.evaluate("() => document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    page.wait_for_timeout(500)
    screenshot(page, "coverage")


def test_blocking_only_shows_the_gaps_that_break_instances_and_stays_in_the_link(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    page.goto(f"{dashboard}/coverage")
    notice = page.locator("[data-testid='stAlert']").filter(has_text="Sandbox data.")
    notice.wait_for()
    sandbox_url = re.search(r"http://127\.0\.0\.1:\d+", notice.inner_text()).group(0)
    frames = []
    for name in ("us", "eu"):  # the sidebar's default choice: every tenant
        tenant = TenantConfig(name=name, url=f"{sandbox_url}/{name}",
                              token=SandboxSettings().access_token(name))
        with PrismaticClient(tenant) as client:
            frames.append(coverage_frame(name, client.coverage_read()))
    frame = pd.concat(frames, ignore_index=True)
    blocking = gaps_by_impact(frame[frame["blocking"]])
    top = blocking.iloc[0]

    metric = page.locator("[data-testid='stMetric']").filter(has_text="Blocked instances")
    metric.first.wait_for()
    us = frame[(frame["tenant"] == "us") & frame["blocking"]]
    assert f"{int(us['instances'].sum()):,}" in metric.first.inner_text()

    page.locator("[data-testid='stCheckbox']").filter(has_text="Blocking only").click()
    page.get_by_text("cells match").filter(
        has_text=f"{len(blocking):,} of {len(frame):,}").wait_for()
    assert "blocking=1" in page.url
    grid = page.locator("[data-testid='stDataFrame']").filter(
        has_text=str(top["customer_external_id"]))
    grid.first.wait_for()
    assert "canary" not in page.content()

    page.goto(page.url)  # the link alone reproduces the view
    page.get_by_text("cells match").filter(
        has_text=f"{len(blocking):,} of {len(frame):,}").wait_for()
    screenshot(page, "coverage-blocking")

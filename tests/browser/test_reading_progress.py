"""A slow cold read in Chromium: Coverage says what it reads and how far it is, page by page;
a warm reload shows no status at all.

The tenant is a sandbox that answers every request after ``LATENCY_MS`` and has three pages of
customers, so the first read of the page takes a few seconds (longer than
`orgconn.ui.loading.STATUS_AFTER`); the dashboard is configured with that one tenant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orgconn.sandbox import RunningSandbox
from tests.browser.conftest import running_dashboard

pytestmark = pytest.mark.browser

CUSTOMERS = 230  # three pages of customers (100 a page), eight of values
LATENCY_MS = 600  # the pages of a stream come one after the other: a read of 3 s or more
STATUS = "[data-testid='stExpander']"  # an st.status is an expander with a state icon


@pytest.fixture
def slow_dashboard(tmp_path: Path, make_sandbox: Callable[..., RunningSandbox]) -> Iterator[str]:
    """A dashboard whose one tenant, us, is a sandbox answering after ``LATENCY_MS``."""
    box = make_sandbox(tenants=("us",), customers=CUSTOMERS, latency_ms=LATENCY_MS)
    config = tmp_path / "slow.toml"
    config.write_text(f'[tenants.us]\nurl = "{box.stack_url("us")}"\n'
                      f'token = "{box.token("us")}"\n', encoding="utf-8")
    with running_dashboard(tmp_path, extra_env={"ORGCONN_CONFIG": str(config)}) as url:
        yield url


def test_a_slow_cold_read_shows_its_progress_page_by_page_and_a_warm_reload_shows_none(
        slow_dashboard: str, chromium: Any, screenshot: Callable[..., None]) -> None:
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{slow_dashboard}/coverage")
        status = page.locator(STATUS).filter(has_text="Reading the coverage of tenant us…")
        status.get_by_text(re.compile(r"values: page [2-9] of \d+")).wait_for()
        assert status.locator("[data-testid='stProgress']").is_visible()
        assert re.search(r"customers: page \d of 3 \(\d+ of \d+\)", status.inner_text())
        screenshot(page, "coverage-reading", settled=False)

        page.get_by_text("cells match").wait_for()  # the read is done: the page is drawn
        done = page.locator(STATUS).filter(has_text="Read the coverage of tenant us: ")
        summary = done.first.inner_text()  # the streams in the order they were first heard
        assert re.search(r"\d+ customers", summary) and re.search(r"\d+ values", summary)
        assert re.search(r" in \d+\.\d s$", summary), summary

        page.reload()
        page.get_by_text("cells match").wait_for()
        page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
        assert page.locator(STATUS).count() == 0, "a warm page replays no status"
    finally:
        context.close()

"""The Compare tenants page in Chromium: see the demo tenants' drift, narrow it with a filter,
then apply the sync plan and watch the missing connection disappear."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def metric(page: Any, label: str) -> str:
    """The value of the metric called ``label``."""
    box = page.locator("[data-testid='stMetric']").filter(
        has=page.get_by_text(label, exact=True))
    return str(box.locator("[data-testid='stMetricValue']").inner_text()).strip()


def test_the_drift_is_shown_filtered_and_the_sync_plan_removes_the_missing_connection(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    page.goto(f"{dashboard}/compare")
    page.get_by_text("Drift by stable key and tenant").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # the heatmap
    assert metric(page, "Connection missing") == "1"  # crm-sync is us only
    assert metric(page, "Customer missing") == "8"  # 4 customers us only, 4 eu only
    page.set_viewport_size({"width": 1400, "height": 1700})  # Streamlit scrolls inside the
    screenshot(page, "compare")  # page, so a full-page shot is the viewport: make it tall

    search = page.locator("input[aria-label='Search customers']")
    search.fill("cust-00003")
    search.press("Enter")
    page.get_by_text("differences match").filter(has_text="1 of").wait_for()
    assert "q=cust-00003" in page.url  # the filter is in the link

    page.get_by_text("I reviewed the plan").click()
    page.get_by_role("button", name="Apply the sync plan").click()
    page.get_by_text("Sync plan applied").wait_for()
    assert metric(page, "Connection missing") == "0"
    assert "canary" not in page.content()

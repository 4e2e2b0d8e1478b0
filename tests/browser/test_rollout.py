"""The Rollout page in Chromium on first start: months of (estimated) rollout, today's snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

TRACES = """el => el.data.map(t => ({name: t.name, dash: (t.line || {}).dash || null,
                                    x: Array.from(t.x || [])}))"""


def _times(trace: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(str(x).replace("Z", "+00:00")) for x in trace["x"] if x]


def test_on_first_start_the_rollout_page_shows_months_of_rollout_up_to_today(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    page.goto(dashboard)  # the first visit runs app.py, which registers the pages
    page.get_by_text("Sandbox data").first.wait_for(timeout=90_000)
    page.goto(f"{dashboard}/rollout")
    page.get_by_text("Coverage over time").wait_for()
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    traces = chart.evaluate(TRACES)

    estimated = [t for t in traces if t["name"].endswith("(estimate)")]
    recorded = [t for t in traces if t["dash"] is None]
    assert estimated and recorded, [t["name"] for t in traces]
    assert all(t["dash"] == "dash" for t in estimated)  # estimates are drawn dashed
    earliest = min(min(_times(t)) for t in estimated)
    latest = max(max(_times(t)) for t in recorded)  # today's snapshot, taken by the visit
    assert latest - earliest > timedelta(days=120)  # months of rollout on the first start
    assert page.get_by_text("estimated (before the first snapshot)").count() >= 1

    chart.hover()
    assert page.get_by_role("button", name="Download plot as a PNG").count() >= 1
    with page.expect_download(timeout=90_000) as download:  # kaleido starts a Chromium
        page.get_by_role("button", name="Chart (PNG)").first.click()
    png = Path(download.value.path()).read_bytes()
    assert png.startswith(b"\x89PNG") and download.value.suggested_filename == (
        "rollout-coverage.png")

    page.get_by_role("tab", name="By connection").click()  # only the open tab is drawn
    page.get_by_text("customers by status").wait_for()
    assert "view=By+connection" in page.url or "view=By%20connection" in page.url
    page.get_by_text("newly configured customers").wait_for()

    page.get_by_text("Set a target (admins)").click()  # single-user mode acts as an admin
    page.get_by_label("Coverage to reach (% complete)").fill("98")
    page.get_by_role("button", name="Set target").click()
    page.get_by_text("Target set: 98% by").wait_for()
    page.get_by_text("Target 98% by").first.wait_for()  # the target chart's verdict

    page.get_by_text("Set a target (admins)").click()  # fold the form away again
    page.set_viewport_size({"width": 1400, "height": 3400})  # the whole page in the picture
    page.locator("[data-testid='stMain']").evaluate("el => el.scrollTo(0, 0)")
    page.wait_for_timeout(1500)  # let the charts redraw at the new size
    screenshot(page, "rollout")

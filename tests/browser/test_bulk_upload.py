"""Bulk upload in Chromium: download the template the coverage link offers, fill it in, upload
it, read the plan, apply it and see the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

SECRET = "canary-bulk-browser-4Rt"


def whole_page(page: Any) -> None:
    """Make the window as tall as the page, so the screenshot shows all of it."""
    height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain],"
                           " [data-testid=stMainBlockContainer]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": max(1000, int(height) + 40)})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)


def test_a_downloaded_template_filled_in_uploads_plans_and_applies(
        dashboard: str, page: Any, tmp_path: Path,
        screenshot: Callable[[Any, str], None]) -> None:
    page.goto(dashboard)  # a first request for another page gets "Page not found" (Streamlit)
    page.locator("h1").first.wait_for()
    page.goto(f"{dashboard}/bulk_upload?tenant=us&connection=customer-warehouse"
              "&template=missing")
    with page.expect_download() as download:
        page.get_by_role("button", name="Template (CSV)").click()
    assert download.value.suggested_filename == "bulk-us-customer-warehouse-missing.csv"
    template = pd.read_csv(download.value.path(), dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")
    assert len(template) > 0 and (template["password"] == "").all()
    filled = tmp_path / "warehouse.csv"
    template.assign(host="db.example.com", port="5432", database="app", username="loader",
                    password=SECRET).to_csv(filled, index=False)

    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(filled)
    apply = page.get_by_role("button", name=f"Apply {len(template)} rows")
    apply.wait_for()
    assert page.locator("[data-testid='stMetric']").filter(has_text="Create").inner_text() \
        .split()[-1] == str(len(template))
    apply.click()

    result = page.get_by_text(f"warehouse.csv: job 1 done: {len(template)} done")
    result.wait_for()
    page.get_by_role("button", name="Download the report (CSV)").wait_for()
    recheck = page.get_by_text("The file checked again after the apply")
    # the result comes first; the same file checked again is folded below it
    assert result.bounding_box()["y"] < recheck.bounding_box()["y"]  # type: ignore[index]
    assert not page.locator("[data-testid='stMetric']").filter(has_text="Unchanged").is_visible()
    recheck.click()
    page.locator("[data-testid='stMetric']").filter(has_text="Unchanged") \
        .filter(has_text=str(len(template))).wait_for()
    assert SECRET not in page.content()
    whole_page(page)
    screenshot(page, "bulk-upload")

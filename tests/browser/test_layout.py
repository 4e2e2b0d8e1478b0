"""At 1280×800 (a laptop), the tables a user comes for fit their column: no sideways scrolling.

Streamlit's dataframe is a glide-data-grid; its scrolling element (``.dvn-scroller`` inside
``[data-testid='stDataFrame']``) is wider inside than outside exactly when the user must
scroll sideways to see every column. The embedded sandbox's tenant us has six org-activated
connections, so the coverage matrix has tenant, customer, external ID and six status columns.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}


def overflow(grid: Any) -> tuple[int, int]:
    """The grid's scrolling element's width inside (every column) and outside (what shows)."""
    grid.wait_for()
    widths = grid.locator(".dvn-scroller").first.evaluate(
        "e => [e.scrollWidth, e.clientWidth]")
    return int(widths[0]), int(widths[1])


def settled(page: Any) -> None:
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached",
                           timeout=60_000)
    page.wait_for_timeout(500)  # the grid sizes its columns after the script has finished


def test_at_1280_px_the_coverage_matrix_shows_every_connection_without_scrolling_sideways(
        dashboard: str, page: Any) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{dashboard}/coverage")
    page.get_by_role("tab", name="Matrix").wait_for()
    settled(page)
    matrix = page.get_by_role("tabpanel").locator("[data-testid='stDataFrame']").first
    grid = matrix.locator("table[role='grid']")  # hidden, kept for a11y: visible columns only
    grid.locator("th", has_text="External ID").wait_for(state="attached")
    assert grid.get_attribute("aria-colcount") == "9"  # tenant, customer, ID, 6 connections
    inside, outside = overflow(matrix)
    assert inside <= outside, f"the matrix is {inside} px wide in a {outside} px column"
    headers = grid.locator("th").evaluate_all("cells => cells.map(c => c.textContent)")
    assert "HubSpot CRM sync" in headers, headers  # the last connection is drawn


def test_at_1280_px_the_audit_log_fits_and_shows_an_entrys_detail_in_full(
        dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/test_credentials?tenant=us&connection=acme-api-key")
    page.get_by_text("Status ACTIVE").wait_for()
    page.locator("input[aria-label^='Timeout (seconds)']").fill("55")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Updated the test credentials of acme-api-key").wait_for()

    page.set_viewport_size(LAPTOP)
    page.goto(f"{dashboard}/audit")
    page.get_by_text("matching entries").wait_for()
    settled(page)
    inside, outside = overflow(page.locator("[data-testid='stDataFrame']").first)
    assert inside <= outside, f"the audit log is {inside} px wide in a {outside} px column"
    entry = page.locator(".st-key-audit-entry")
    entry.get_by_text("The newest entry").wait_for()
    assert "set_test_credentials" in entry.inner_text()
    assert "Inputs changed: timeoutSeconds" in entry.inner_text()

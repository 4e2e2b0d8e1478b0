"""Customer values, test credentials and the audit log in Chromium: fill one customer's values,
see the customer complete on the coverage page, set test credentials, find both writes audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

TYPED = "typed-browser-secret-31"


def field(page: Any, label: str) -> Any:
    """The text box (input or text area) whose label starts with ``label``."""
    return page.locator(f"input[aria-label^='{label}'], textarea[aria-label^='{label}']")


def save(page: Any) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def whole_page(page: Any) -> None:
    """Make the window as tall as the page, so the screenshot shows all of it (Streamlit
    scrolls inside its main area, which a full-page screenshot does not unroll)."""
    height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain],"
                           " [data-testid=stMainBlockContainer]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": max(1000, int(height) + 40)})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)


def grid_cells(page: Any) -> Any:
    """The first table's cells (the grid draws on a canvas and keeps hidden cells for a11y)."""
    return page.locator("[data-testid='stDataFrame']").first.locator("td[role='gridcell']")


def test_filling_a_customers_values_makes_the_customer_complete_on_the_coverage_page(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    coverage = (f"{dashboard}/coverage?tenant=us&connection=acme-api-key&q=my-external-id"
                "&status=complete")
    page.goto(coverage)
    page.get_by_text("Nothing matches these filters.").wait_for()

    page.goto(f"{dashboard}/customer_values?tenant=us&connection=acme-api-key"
              "&customer=my-external-id")
    page.get_by_text("has no values for Acme API key yet").wait_for()
    field(page, "API key").fill(TYPED)
    field(page, "Timeout (seconds)").fill("45")
    save(page)
    page.get_by_text("Created my-external-id's values for acme-api-key in us").wait_for()
    page.get_by_text("Currently set ·").wait_for()
    assert field(page, "API key").input_value() == ""
    assert TYPED not in page.content()
    whole_page(page)
    screenshot(page, "customer-values")

    page.goto(coverage)
    page.get_by_text("1 customers · 1 of").wait_for()
    cells = grid_cells(page)
    cells.filter(has_text="my-external-id").wait_for(state="attached")
    assert cells.filter(has_text="complete").count() == 1


def test_test_credentials_are_set_in_the_form_and_listed(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    page.goto(f"{dashboard}/test_credentials?tenant=us&connection=webhook-signing")
    page.get_by_text("has no test credentials yet").wait_for()
    field(page, "Signing secret").fill(TYPED)
    save(page)
    page.get_by_text("Created the test credentials of webhook-signing").wait_for()
    cells = grid_cells(page)
    cells.filter(has_text="signingSecret").wait_for(state="attached")
    assert TYPED not in page.content()
    whole_page(page)
    screenshot(page, "test-credentials")


def test_the_audit_log_lists_a_write_and_filters_by_action(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    page.goto(f"{dashboard}/test_credentials?tenant=us&connection=acme-api-key")
    page.get_by_text("Status ACTIVE").wait_for()
    field(page, "Timeout (seconds)").fill("50")
    save(page)
    page.get_by_text("Updated the test credentials of acme-api-key").wait_for()

    page.goto(f"{dashboard}/audit?action=set_test_credentials")
    page.get_by_text("matching entries").wait_for()
    cells = grid_cells(page)
    cells.filter(has_text="timeoutSeconds").first.wait_for(state="attached")
    assert cells.filter(has_text="create_customer_values").count() == 0
    assert TYPED not in page.content()

    page.goto(f"{dashboard}/audit")  # every entry, for the picture
    page.get_by_text("matching entries").wait_for()
    grid_cells(page).filter(has_text="timeoutSeconds").first.wait_for(state="attached")
    assert TYPED not in page.content()
    screenshot(page, "audit")


def test_typing_enter_and_escape_in_a_box_leaves_it_showing_what_the_form_edits(
        dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/customer_values?tenant=us")
    heading = page.locator("h3").first
    heading.wait_for()
    for label, text in (("Connection", "ware"), ("Customer", "Silver")):
        box = page.locator(f"input[aria-label='{label}']")
        box.click()
        page.keyboard.type(text)
        page.wait_for_timeout(500)
        page.keyboard.press("Enter")
        page.wait_for_timeout(100)
        page.keyboard.press("Escape")
        page.wait_for_timeout(1500)
        page.locator("[data-test-script-state='notRunning']").wait_for()
        shown = box.input_value()
        assert shown, f"the {label} box is never empty"
        name = shown.rsplit(" (", 1)[0] if label == "Connection" else shown.rsplit(" · ", 1)[0]
        assert name in heading.inner_text(), (label, shown, heading.inner_text())

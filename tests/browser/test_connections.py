"""The Connection definitions page in Chromium: walk the wizard to define a connection, give it
test credentials, and find it listed with its global value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def field(page: Any, label: str) -> Any:
    """The text box (input or text area) labelled ``label``, not its help button."""
    return page.locator(f"input[aria-label='{label}'], textarea[aria-label='{label}']")


def press(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def test_the_wizard_defines_a_connection_that_is_then_listed(
        dashboard: str, page: Any, screenshot: Callable[[Any, str], None]) -> None:
    page.goto(f"{dashboard}/connections?section=New+connection")
    page.get_by_text("Step 1 of 5").wait_for()
    page.get_by_label("Component → connection").click()  # a searchable select: type, pick
    page.keyboard.type("HTTP · API Key")
    page.get_by_role("option", name="HTTP · API Key").click()
    press(page, "Next")

    field(page, "Stable key").wait_for()  # each step waits for a field only it has
    field(page, "Name").fill("Partner API")
    field(page, "Name").press("Enter")  # the stable key follows the name
    page.locator("input[aria-label='Stable key'][value='partner-api']").wait_for()
    field(page, "Description").fill("The partner's API key")
    press(page, "Next")

    page.get_by_text("Per customer: each customer").wait_for()
    header = page.locator("[data-testid='stRadio']").filter(has_text="headerName")
    header.get_by_text("global", exact=True).click()
    press(page, "Next")

    field(page, "Header name (required)").fill("X-Partner-Key")
    page.get_by_text("cannot be changed once set").click()
    press(page, "Create connection")

    field(page, "API key (required)").fill("canary-browser-key")
    press(page, "Save test credentials")
    page.get_by_text("with test credentials").wait_for()

    page.get_by_role("radiogroup").get_by_text("Definitions", exact=True).click()
    page.get_by_text("Inputs of each connection in Sandbox US").wait_for()
    listed = page.locator("[data-testid='stDataFrame']").first  # the grid draws on a canvas:
    cells = listed.locator("td[role='gridcell']")  # ... and keeps hidden cells for a11y
    cells.filter(has_text="partner-api").wait_for(state="attached")
    assert cells.filter(has_text="Partner API").count() == 1
    assert "canary" not in page.content()
    screenshot(page, "connections")

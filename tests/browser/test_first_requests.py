"""Without sign-in: a page opened as a server's first request works (menu, tenant picker,
data; never Streamlit's raw file list), a warm server serves /coverage, and a followed link's
``?tenant=`` adds its tenant to those the browser session chose."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from orgconn.ui.navigation import PAGES

pytestmark = pytest.mark.browser


def picked(page: Any) -> list[str]:
    """The tenants shown as chosen in the sidebar's tenant picker."""
    picker = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    picker.wait_for()
    tags = picker.locator(".react-aria-ComboBox [data-tag]")
    return [str(t.get_attribute("aria-label")) for t in tags.all()]


def expect_the_menu(page: Any) -> None:
    for spec in PAGES:
        expect(page.get_by_role("link", name=spec.title)).to_be_visible()
    expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)  # the raw file list


def test_rollout_as_the_servers_first_request_has_the_menu_tenant_picker_and_data(
        dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/rollout")
    expect(page.get_by_role("heading", name="Rollout")).to_be_visible(timeout=90_000)
    page.get_by_text("Coverage over time").wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for()
    assert len(picked(page)) == 2, "every tenant, as on any fresh start"
    expect_the_menu(page)
    expect(page.get_by_text("Pick at least one tenant")).to_have_count(0)


def test_a_warm_server_serves_coverage_at_its_own_url_and_the_menu_links_there(
        dashboard: str, page: Any) -> None:
    page.goto(dashboard)
    expect(page.get_by_role("heading", name="Coverage")).to_be_visible(timeout=60_000)
    href = page.get_by_role("link", name="Coverage").get_attribute("href")
    assert href and urljoin(page.url, href) == f"{dashboard}/coverage"
    page.goto(f"{dashboard}/coverage")
    expect(page.get_by_role("heading", name="Coverage")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Customers").first).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect_the_menu(page)


def test_a_followed_link_adds_its_tenant_and_a_fresh_browser_shows_only_the_linked_one(
        dashboard: str, chromium: Any, page: Any) -> None:
    page.goto(f"{dashboard}/audit?tenant=us")  # this browser session chooses us alone
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=60_000)
    assert len(picked(page)) == 1
    only_us = picked(page)
    followed = page.context.new_page()  # a link opens a new tab in the same browser
    followed.goto(f"{dashboard}/audit?tenant=eu")
    expect(followed.get_by_role("heading", name="Audit log")).to_be_visible(timeout=60_000)
    assert len(picked(followed)) == 2 and only_us[0] in picked(followed)

    fresh = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        pasted = fresh.new_page()
        pasted.goto(f"{dashboard}/audit?tenant=eu")
        expect(pasted.get_by_role("heading", name="Audit log")).to_be_visible(timeout=60_000)
        assert len(picked(pasted)) == 1 and picked(pasted) != only_us
    finally:
        fresh.close()

"""A pasted link opens its page on a server that has served nobody yet."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def test_a_deep_link_is_the_first_request_and_opens_its_page_prefilled(
    dashboard: str, page: Any
) -> None:
    page.goto(f"{dashboard}/customer_values?tenant=us&connection=acme-api-key"
              "&customer=my-external-id")
    expect(page.get_by_role("heading", name="Customer values")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Crescent Energy", exact=False).first).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    # the shell ran around the page: the sidebar has the tenant picker and the menu
    expect(page.get_by_text("Tenants", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Coverage")).to_be_visible()

"""The gate in Chromium: with sign-in configured, every page URL shows a signed-out browser only
the sign-in prompt, as a server's first request and on a warm server; without sign-in, a page
opened first on a server works, /coverage answers, and a followed ``?tenant=`` link adds.

Sign-in is configured by an ``[auth]`` table in the server's ``~/.streamlit/secrets.toml``
pointing at a provider that does not exist: enough for Streamlit to treat everyone as signed
out. The round trip through a real OIDC provider (``st.login`` -> provider -> ``/``) is not run;
its two halves are: the prompt stores the page it was opened on, and `sign_in.RETURN_JS` sends
the browser to a stored local path and to nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from orgconn.ui import sign_in
from orgconn.ui.navigation import PAGES
from tests.browser.conftest import running_dashboard

pytestmark = pytest.mark.browser

AUTH = """[auth]
redirect_uri = "http://127.0.0.1:9/oauth2callback"
cookie_secret = "a-cookie-secret-for-tests-only-000000"
client_id = "orgconn"
client_secret = "not-a-real-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""
URLS = ["", *(spec.url_path for spec in PAGES)]  # "" is the root, app.py


@pytest.fixture(scope="module")
def signed_out_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard whose visitors are all signed out; the module's first test finds it cold."""
    with running_dashboard(tmp_path_factory.mktemp("signed-out"), secrets=AUTH) as url:
        yield url


def expect_only_the_sign_in_prompt(page: Any) -> None:
    """The page shows the title, the sentence and Sign in; no menu, file list or data."""
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Sign in to see your organization's connections.")).to_be_visible()
    for absent in ("stSidebar", "stSidebarNav", "stPageLink", "stDataFrame",
                   "stDownloadButton", "stMetric", "stMultiSelect", "stPlotlyChart",
                   "stFileUploader", "stException"):
        expect(page.locator(f"[data-testid='{absent}']")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert [t.strip() for t in page.locator("h1").all_inner_texts()] == ["orgconn"]


def test_a_signed_out_browser_at_any_page_as_the_servers_first_requests_sees_only_sign_in(
        signed_out_server: str, page: Any) -> None:
    # every page URL is opened in its own tab before any script run has finished on the
    # server: each is a first request of a cold process (one server, not one per page)
    tabs = [page, *(page.context.new_page() for _ in URLS[1:])]
    for tab, path in zip(tabs, URLS, strict=True):
        tab.goto(f"{signed_out_server}/{path}?tenant=us", wait_until="commit")
    for tab, path in zip(tabs, URLS, strict=True):
        expect_only_the_sign_in_prompt(tab)
        assert tab.url.startswith(f"{signed_out_server}/{path}"), "no redirect elsewhere"
    page.wait_for_timeout(1_000)  # nothing arrives later either
    for tab in tabs:
        expect_only_the_sign_in_prompt(tab)


def test_a_signed_out_browser_at_every_page_of_a_warm_server_sees_only_sign_in(
        signed_out_server: str, page: Any) -> None:
    page.goto(signed_out_server)
    expect_only_the_sign_in_prompt(page)
    for path in URLS:
        page.goto(f"{signed_out_server}/{path}")
        expect_only_the_sign_in_prompt(page)


def test_the_sign_in_prompt_remembers_the_page_it_was_opened_on(
        signed_out_server: str, page: Any) -> None:
    page.goto(f"{signed_out_server}/audit?tenant=us&action=bulk")
    expect_only_the_sign_in_prompt(page)
    stored = page.evaluate(f"sessionStorage.getItem({sign_in.WANTED_KEY!r})")
    assert stored == "/audit?tenant=us&action=bulk"


@pytest.mark.parametrize(("stored", "lands_on"), [
    ("/audit?tenant=us", "/audit?tenant=us"),
    ("//evil.example/x", "/"),
    ("https://evil.example/x", "/"),
    (None, "/"),
])
def test_once_signed_in_the_browser_goes_to_a_remembered_local_page_and_nowhere_else(
        signed_out_server: str, page: Any, stored: str | None, lands_on: str) -> None:
    page.goto(signed_out_server)
    expect_only_the_sign_in_prompt(page)
    page.evaluate("([key, value]) => value === null ? sessionStorage.removeItem(key)"
                  " : sessionStorage.setItem(key, value)", [sign_in.WANTED_KEY, stored])
    page.evaluate(sign_in.RETURN_JS)  # what the first signed-in run of a session runs
    page.wait_for_timeout(500)
    expect_only_the_sign_in_prompt(page)
    assert page.url == f"{signed_out_server}{lands_on}"
    if lands_on == "/":  # (a page it went to stores itself again: it is signed out here)
        assert page.evaluate(f"sessionStorage.getItem({sign_in.WANTED_KEY!r})") is None, \
            "a remembered page is used once"

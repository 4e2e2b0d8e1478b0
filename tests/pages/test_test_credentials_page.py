"""The Test credentials page (AppTest on a fresh sandbox): the overview, setting a connection's
first test credentials and editing them later, each with one audit row without secrets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.sandbox import RunningSandbox
from orgconn.store import Store
from tests.edit_support import (
    assert_no_secret_in_audit,
    audit_rows,
    sandbox_client,
)
from tests.pages.conftest import open_page

PAGE = "pages/test_credentials.py"
TYPED = "typed-test-credential-77"


@pytest.fixture
def fresh_us(fresh_sandbox: RunningSandbox) -> Iterator[PrismaticClient]:
    """A client of tenant us of this test's sandbox."""
    with sandbox_client(fresh_sandbox, "us") as client:
        yield client


def overview_row(at: AppTest, stable_key: str) -> dict[str, object]:
    frame = at.main.dataframe[0].value  # the overview (dataframes carry no key in AppTest)
    return dict(frame.set_index("stable_key").loc[stable_key])


def test_the_overview_says_which_connections_have_test_credentials(
        app: AppTest, fresh_us: PrismaticClient, fresh_sandbox_config: Path) -> None:
    at = open_page(app, PAGE, tenant="us")
    assert not at.exception and not at.error
    for connection in fresh_us.org_connections():
        has = fresh_us.test_credentials(connection) is not None
        assert overview_row(at, connection.stable_key)["test_credentials"] == (
            "set" if has else "not set")


def test_test_credentials_are_set_then_edited_keeping_a_blank_secret(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    connection = fresh_us.connection("webhook-signing")
    assert connection is not None and fresh_us.test_credentials(connection) is None
    at = open_page(app, PAGE, tenant="us", connection="webhook-signing")
    assert overview_row(at, "webhook-signing")["test_credentials"] == "not set"
    assert at.text_input(key="testcreds.global.headerName").disabled
    at.text_input(key="testcreds.input.signingSecret").input(TYPED)
    at.button(key="testcreds.save").click().run()
    assert any(s.value.startswith("Created the test credentials of webhook-signing")
               for s in at.success)
    assert overview_row(at, "webhook-signing")["test_credentials"] == "set"

    at.text_input(key="testcreds.input.algorithm").input("sha512")
    at.button(key="testcreds.save").click().run()
    assert any(s.value.startswith("Updated") for s in at.success)
    saved = fresh_us.test_credentials(connection)
    assert saved is not None and saved.is_test and saved.customer is None
    assert (saved.values["signingSecret"].secret_value(),
            saved.values["algorithm"].secret_value()) == (TYPED, "sha512")
    assert [(r.action, r.customer_external_id, r.outcome) for r in audit_rows(app_store)] == [
        ("set_test_credentials", None, "ok"), ("set_test_credentials", None, "ok")]
    assert_no_secret_in_audit(app_store, [TYPED])


def test_invalid_test_credentials_are_refused_at_their_input(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    at = open_page(app, PAGE, tenant="us", connection="webhook-signing")
    at.text_area(key="testcreds.input.extraHeaders").input("{oops")
    at.button(key="testcreds.save").click().run()
    errors = [e.value for e in at.error]
    assert any("Signing secret is required" in e for e in errors)
    assert any("Extra headers must be valid JSON" in e for e in errors)
    connection = fresh_us.connection("webhook-signing")
    assert connection is not None and fresh_us.test_credentials(connection) is None
    assert audit_rows(app_store) == []

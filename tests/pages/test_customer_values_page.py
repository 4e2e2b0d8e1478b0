"""The Customer values page (AppTest on a fresh sandbox): create, update, keep a blank password,
validation per input, delete with its dialog, the concurrent-change conflict, protected tenants.
Each write leaves exactly one audit row, and no audit field holds a secret."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.models import CustomerValues
from orgconn.sandbox import RunningSandbox
from orgconn.store import Store, open_store
from tests.edit_support import (
    assert_no_secret_in_audit,
    audit_rows,
    sandbox_client,
    values_where,
)
from tests.pages.conftest import Configure, elements, open_page, sandbox_tenants

PAGE = "pages/customer_values.py"
TYPED = "typed-page-secret-2024"


@pytest.fixture
def fresh_us(fresh_sandbox: RunningSandbox) -> Iterator[PrismaticClient]:
    """A client of tenant us of this test's sandbox."""
    with sandbox_client(fresh_sandbox, "us") as client:
        yield client


def open_values(app: AppTest, customer: str, connection: str = "acme-api-key",
                tenant: str = "us") -> AppTest:
    at = open_page(app, PAGE, tenant=tenant, connection=connection, customer=customer)
    assert not at.exception and not elements(at, "error"), [e.value for e in at.error]
    return at


def save(at: AppTest) -> AppTest:
    return at.button(key="values.save").click().run()


def texts(at: AppTest, kind: str) -> list[str]:
    """The text of every element of ``kind`` anywhere: main, sidebar and open dialogs."""
    return [str(e.value) for e in getattr(at, kind)]


def now_values(client: PrismaticClient, values: CustomerValues) -> dict[str, str]:
    found = client.customer_values_by_id(values.id)
    return {k: v.secret_value() for k, v in found.values.items()} if found else {}


def external_id(values: CustomerValues) -> str:
    assert values.customer is not None and values.customer.external_id is not None
    return values.customer.external_id


def test_a_customer_link_prefills_the_form_and_saving_creates_the_values(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    at = open_values(app, "my-external-id")
    assert at.selectbox(key="values.customer").value == "my-external-id"
    assert at.text_input(key="values.global.baseUrl").disabled
    assert at.text_input(key="values.input.apiKey").label == "API key (required)"
    at.text_input(key="values.input.apiKey").input(TYPED)
    save(at)
    assert any(t.startswith("Created my-external-id's values") for t in texts(at, "success"))
    customer = fresh_us.customer("my-external-id")
    assert customer is not None
    [created] = fresh_us.customer_values(stable_key="acme-api-key", customer_id=customer.id)
    assert created.values["apiKey"].secret_value() == TYPED
    assert at.text_input(key="values.input.apiKey").value == ""  # never prefilled
    [row] = audit_rows(app_store)
    assert (row.action, row.outcome, row.source) == ("create_customer_values", "ok", "page")
    assert_no_secret_in_audit(app_store, [TYPED])


def test_a_customer_without_an_external_id_is_picked_by_its_prismatic_id_and_saved(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    [bakery] = fresh_us.customers(name_contains="Old Mill Bakery")
    assert bakery.external_id is None
    at = open_values(app, bakery.id)
    picker = at.selectbox(key="values.customer")
    assert picker.value == bakery.id
    assert f"Old Mill Bakery · no external ID · {bakery.id}" in picker.options
    at.text_input(key="values.input.apiKey").input(TYPED)
    save(at)
    assert any(t.startswith("Created Old Mill Bakery's values") for t in texts(at, "success"))
    [created] = fresh_us.customer_values(stable_key="acme-api-key", customer_id=bakery.id)
    assert created.values["apiKey"].secret_value() == TYPED
    assert len(audit_rows(app_store)) == 1


def test_an_update_with_a_blank_password_keeps_it_and_changes_only_what_was_typed(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    _, values = values_where(fresh_us, "sftp-drop", in_use=False,
                             filled=("password", "directory"))
    at = open_values(app, external_id(values), "sftp-drop")
    password = at.text_input(key="values.input.password")
    assert password.value == "" and password.placeholder == "leave blank to keep the current value"
    assert any(t.startswith("Currently **set · ") for t in texts(at, "caption"))
    at.text_input(key="values.input.username").input("renamed-user")
    save(at)
    assert any(t.startswith("Updated") for t in texts(at, "success"))
    before = {k: v.secret_value() for k, v in values.values.items()}
    assert now_values(fresh_us, values) == before | {"username": "renamed-user"}
    [row] = audit_rows(app_store)
    assert [c.name for c in row.changed_inputs] == ["username"]
    assert_no_secret_in_audit(app_store)


@pytest.mark.parametrize(("connection", "tenant", "key", "bad", "words"), [
    ("sftp-drop", "us", "username", "", "Username is required"),
    ("customer-warehouse", "us", "options", "{not json", "must be valid JSON"),
])
def test_each_invalid_value_is_shown_at_its_input_and_nothing_is_sent(
        app: AppTest, fresh_sandbox: RunningSandbox, app_store: Store, connection: str,
        tenant: str, key: str, bad: str, words: str) -> None:
    with sandbox_client(fresh_sandbox, tenant) as client:
        _, values = values_where(client, connection, in_use=False)
        at = open_values(app, external_id(values), connection, tenant)
        if key == "options":
            at.text_area(key="values.input.options").input(bad)
        else:
            at.text_input(key=f"values.input.{key}").input(bad)
        save(at)
        assert any(words in t for t in texts(at, "error"))
        assert any(t.startswith("Nothing was sent") for t in texts(at, "error"))
        assert now_values(client, values) == {k: v.secret_value()
                                              for k, v in values.values.items()}
    assert audit_rows(app_store) == []


@pytest.mark.parametrize(("connection", "tenant", "key", "odd", "words"), [
    ("billing-api", "us", "accountNumber", "AC-004211", "does not look like a number"),
    ("customer-warehouse", "us", "port", "70000", "port number from 1 to 65535"),
    ("acme-api-key", "eu", "baseUrl", "api.acme-saas.com", "a full URL"),
])
def test_a_value_unlike_its_inputs_name_is_saved_and_warned_beside_it(
        app: AppTest, fresh_sandbox: RunningSandbox, app_store: Store, connection: str,
        tenant: str, key: str, odd: str, words: str) -> None:
    with sandbox_client(fresh_sandbox, tenant) as client:
        _, values = values_where(client, connection, in_use=False, filled=(key,))
        at = open_values(app, external_id(values), connection, tenant)
        at.text_input(key=f"values.input.{key}").input(odd)
        save(at)
        assert not elements(at, "error"), texts(at, "error")
        assert any(t.startswith("Updated") for t in texts(at, "success"))
        assert now_values(client, values)[key] == odd
        assert any(words in t and "saved as typed" in t for t in texts(at, "warning"))
    assert len(audit_rows(app_store)) == 1


def test_a_stored_value_that_is_not_a_boolean_must_be_fixed_before_saving(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    connection, values = values_where(fresh_us, "sftp-drop", in_use=False, filled=("password",))
    fresh_us.update_customer_values(values, {"strictHostKeyChecking": "maybe"},
                                    connection=connection)
    at = open_values(app, external_id(values), "sftp-drop")
    assert at.selectbox(key="values.input.strictHostKeyChecking").value == "maybe"
    save(at)
    assert any("must be true or false" in t for t in texts(at, "error"))
    at.selectbox(key="values.input.strictHostKeyChecking").set_value("false")
    save(at)
    assert now_values(fresh_us, values)["strictHostKeyChecking"] == "false"
    assert len(audit_rows(app_store)) == 1


def test_delete_asks_in_a_dialog_then_deletes_with_one_row(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    _, values = values_where(fresh_us, "billing-api", in_use=False)
    at = open_values(app, external_id(values), "billing-api")
    at.button(key="values.delete").click().run()
    assert "No instance uses these values." in texts(at, "info")
    assert now_values(fresh_us, values)  # only asked so far
    at.button(key="values.delete_confirmed").click().run()
    assert any(t.startswith("Deleted") for t in texts(at, "success"))
    assert now_values(fresh_us, values) == {}
    assert at.button(key="values.delete").disabled
    [row] = audit_rows(app_store)
    assert (row.action, row.outcome) == ("delete_customer_values", "ok")
    assert_no_secret_in_audit(app_store)


def test_deleting_values_in_use_says_what_depends_on_them_and_is_refused(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    _, values = values_where(fresh_us, "acme-api-key", in_use=True)
    usage = fresh_us.instances_using(values)
    at = open_values(app, external_id(values))
    at.button(key="values.delete").click().run()
    assert any(f"{usage.total} instance(s) use these values" in t and usage.instances[0].name
               in t for t in texts(at, "warning"))
    at.button(key="values.delete_confirmed").click().run()
    assert any(t.startswith("Deleting: Not deleted") for t in texts(at, "error"))
    assert now_values(fresh_us, values)
    [row] = audit_rows(app_store)
    assert row.outcome.startswith("failed: Not deleted")


def test_a_change_made_after_loading_shows_both_versions_and_keep_mine_saves_over_it(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    connection, values = values_where(fresh_us, "acme-api-key", in_use=False, filled=("apiKey",))
    at = open_values(app, external_id(values))
    fresh_us.update_customer_values(values, {"timeoutSeconds": "99"}, connection=connection)
    at.text_input(key="values.input.timeoutSeconds").input("45")
    save(at)
    assert any("after you loaded them" in t for t in texts(at, "warning"))
    table = at.main.dataframe[0].value.set_index("input")
    assert (table.loc["Timeout (seconds)", "yours"], table.loc["Timeout (seconds)", "theirs"]) \
        == ("45", "99")
    assert now_values(fresh_us, values)["timeoutSeconds"] == "99" and audit_rows(app_store) == []
    at.button(key="values.keep_mine").click().run()
    assert any(t.startswith("Updated") for t in texts(at, "success"))
    assert now_values(fresh_us, values)["timeoutSeconds"] == "45"
    [row] = audit_rows(app_store)
    assert "saved over another change" in row.detail


def test_take_theirs_shows_their_version_and_writes_nothing(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    connection, values = values_where(fresh_us, "acme-api-key", in_use=False, filled=("apiKey",))
    at = open_values(app, external_id(values))
    fresh_us.update_customer_values(values, {"apiKey": SecretStr("canary-theirs")},
                              connection=connection)
    at.text_input(key="values.input.timeoutSeconds").input("45")
    save(at)
    at.button(key="values.take_theirs").click().run()
    assert any(t.startswith("Showing their version") for t in texts(at, "success"))
    assert at.text_input(key="values.input.timeoutSeconds").value == now_values(
        fresh_us, values)["timeoutSeconds"] != "45"
    assert audit_rows(app_store) == []


def test_redeploy_shows_how_many_instances_are_affected(
        app: AppTest, fresh_us: PrismaticClient, app_store: Store) -> None:
    _, values = values_where(fresh_us, "acme-api-key", in_use=True)
    total = fresh_us.instances_using(values).total
    at = open_values(app, external_id(values))
    assert at.checkbox(key="values.redeploy").label.endswith(f"({total} affected)")
    at.checkbox(key="values.redeploy").check()
    at.text_input(key="values.input.timeoutSeconds").input("77")
    save(at)
    assert any(f"Redeploying {total} instance(s)" in t for t in texts(at, "success"))
    assert f"redeployed {total}" in audit_rows(app_store)[0].detail


def test_a_protected_tenant_needs_its_name_typed_before_saving(
        app: AppTest, configure: Configure, fresh_sandbox: RunningSandbox,
        fresh_us: PrismaticClient) -> None:
    tenants = sandbox_tenants(fresh_sandbox)
    configure({**tenants, "us": {**tenants["us"], "protected": True}})
    at = open_values(app, "my-external-id")
    at.text_input(key="values.input.apiKey").input(TYPED)
    save(at)
    assert any("Tenant us is protected" in t for t in texts(at, "error"))
    at.text_input(key="values.input.apiKey").input(TYPED)
    at.text_input(key="values.confirm").input("us")
    save(at)
    assert any(t.startswith("Created") for t in texts(at, "success"))
    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as store:
        assert [r.outcome.split(":")[0] for r in audit_rows(store)] == ["failed", "ok"]
        assert_no_secret_in_audit(store, [TYPED])


def test_without_a_link_both_boxes_hold_what_the_form_edits(app: AppTest, sandbox_config) -> None:
    at = open_page(app, PAGE, tenant="us")
    assert not at.exception
    connection = at.selectbox(key="values.connection")
    customer = at.selectbox(key="values.customer")
    assert connection.options[0] == f"Acme API key ({connection.value})"  # labels, then values
    assert customer.options[0].endswith(f" · {customer.value}")
    assert at.subheader[0].value == (f"{customer.options[0].rsplit(' · ', 1)[0]} · "
                                     "Acme API key")

"""The Connection definitions page (AppTest): listing, editing name and description, the
new-connection wizard with each of its checks, suggestions from another tenant, protected tenants.

Tests that only read (or stop at a refused step) use the shared sandbox; tests that write use
their own ``fresh_sandbox``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig, load_config
from orgconn.models import InputScope
from orgconn.services import coverage
from orgconn.store import open_store
from orgconn.ui import connection_wizard as wizard
from orgconn.ui import context
from tests.pages.conftest import open_page, sandbox_tenants

PAGE = "pages/connections.py"
SECTION = "connections.section"


def client_of(box: Any, name: str = "us") -> PrismaticClient:
    return PrismaticClient(TenantConfig(name=name, url=box.stack_url(name), token=box.token(name)))


def audit_rows(config: Path) -> list[Any]:
    with open_store(f"sqlite:///{config.parent / 'orgconn.db'}") as store:
        return store.audit()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def open_wizard(app: AppTest, tenant: str = "us") -> AppTest:
    at = open_page(app, PAGE, section="New connection")
    if tenant != "us":
        at.selectbox(key="connections.tenant").set_value(tenant).run()
    assert not at.exception and not errors(at)
    return at


def component_connection_id(tenant: str, connection: str, *, public: bool = True) -> str:
    """The ID of ``component/connection`` (of the public component, or the private one) in
    ``tenant`` of the app's configuration."""
    component, key = connection.split("/")
    with PrismaticClient(load_config().tenant(tenant)) as client:
        return next(c.id for comp in client.components()
                    if comp.key == component and comp.public is public
                    for c in comp.connections if c.key == key)


def choose(at: AppTest, connection: str, tenant: str = "us", *, public: bool = True
           ) -> AppTest:
    """Step 1: pick ``component/connection`` (by its ID, as the wizard does) and press Next."""
    at.selectbox(key=wizard.K_CONNECTION).set_value(
        component_connection_id(tenant, connection, public=public))
    return at.button(key=wizard.K_NEXT).click().run()


def identify(at: AppTest, name: str, stable_key: str, description: str = "") -> AppTest:
    """Step 2: fill name, stable key and description and press Next."""
    at.text_input(key=wizard.K_NAME).set_value(name)
    at.text_input(key=wizard.K_STABLE_KEY).set_value(stable_key)
    at.text_area(key=wizard.K_DESCRIPTION).set_value(description)
    return at.button(key=wizard.K_NEXT).click().run()


def scope(at: AppTest, **scopes: InputScope) -> AppTest:
    """Step 3: set the named inputs' scopes and press Next."""
    for key, value in scopes.items():
        at.radio(key=wizard.K_SCOPE + key).set_value(value.value)
    return at.button(key=wizard.K_NEXT).click().run()


def definition_tables(at: AppTest) -> list[pd.DataFrame]:
    """The definitions table of each tenant, in the sidebar's order (us, eu)."""
    return [df.value for df in at.dataframe if "coverage_percent" in df.value.columns]


def input_tables(at: AppTest) -> list[pd.DataFrame]:
    """The inputs table of each tenant, in the sidebar's order."""
    return [df.value for df in at.dataframe if "input" in df.value.columns]


def step(at: AppTest) -> str:
    return str(at.session_state[wizard.K_STEP])


# ---------------------------------------------------------------------------------- listing

def test_each_tenants_definitions_are_listed_with_scopes_globals_and_coverage(app,
                                                                            sandbox_config):
    at = open_page(app, PAGE)
    assert not at.exception and not errors(at)
    us, eu = definition_tables(at)
    assert "crm-sync" in set(us["stable_key"]) and "crm-sync" not in set(eu["stable_key"])
    assert "ops-alerts" not in set(us["stable_key"])  # org-activated global: not listed here
    sftp = us.set_index("stable_key").loc["sftp-drop"]
    assert "host = sftp.acme-saas.com" in sftp["global_values"]
    assert "password (secret)" in sftp["per_customer_inputs"]
    assert 0 < sftp["coverage_percent"] < 100
    us_inputs, eu_inputs = (t.set_index(["stable_key", "input"]) for t in input_tables(at))
    assert us_inputs.loc[("acme-api-key", "baseUrl"), "scope"] == "global"
    assert eu_inputs.loc[("acme-api-key", "baseUrl"), "scope"] == "per customer"
    for frame in [*definition_tables(at), *input_tables(at)]:
        assert not frame.astype(str).apply(lambda c: c.str.contains("canary")).any().any()


def test_a_rerun_of_the_definitions_reuses_the_cached_coverage_never_rebuilding_it(
        app, sandbox_config, monkeypatch):
    built: list[str] = []
    original = coverage.coverage_frame

    def counted(tenant: str, source: Any) -> pd.DataFrame:
        built.append(tenant)
        return original(tenant, source)

    monkeypatch.setattr(coverage, "coverage_frame", counted)
    at = open_page(app, PAGE)
    first = [t.copy() for t in definition_tables(at)]
    assert sorted(built) == ["eu", "us"]  # each tenant's coverage, built once and cached

    def full_read(name: str, url: str) -> Any:
        raise AssertionError(f"the definitions need no full read of tenant {name}")

    monkeypatch.setattr(context, "tenant_data", full_read)  # the lean coverage read suffices
    at.run()
    at.run()
    assert not at.exception and not errors(at)
    assert sorted(built) == ["eu", "us"]
    for before, after in zip(first, definition_tables(at), strict=True):
        pd.testing.assert_frame_equal(before, after)
    assert all(t["coverage_percent"].notna().any() for t in first)
    owned = [d.value for d in at.dataframe
             if d.value.astype(str).isin(["northwind-acme-key"]).any().any()
             and "coverage_percent" not in d.value.columns and "input" not in d.value.columns]
    assert [list(t["tenant"]) for t in owned] == [["us"], ["eu"]]
    assert all(list(t["status"]) == ["missing"] for t in owned)  # its owner's status


# ---------------------------------------------------------------------------------- editing

def test_name_and_description_are_edited_and_audited(app, fresh_sandbox, fresh_sandbox_config):
    at = open_page(app, PAGE, section="Edit")
    at.selectbox(key="connections.edit.connection").set_value("webhook-signing").run()
    assert at.text_input(key="connections.edit.name").value == "Webhook signing secret"
    at.text_input(key="connections.edit.name").set_value("Webhook secret v2")
    at.text_area(key="connections.edit.description").set_value("Signs deliveries")
    at.button(key="connections.edit.save").click().run()
    assert not errors(at)
    assert any("Saved Webhook secret v2" in s.value for s in at.success)
    assert at.text_input(key="connections.edit.name").value == "Webhook secret v2"
    with client_of(fresh_sandbox) as us:
        now = us.connection("webhook-signing")
    assert (now.name, now.description) == ("Webhook secret v2", "Signs deliveries")
    rows = audit_rows(fresh_sandbox_config)
    assert [(r.action, r.outcome, r.stable_key) for r in rows] == [
        ("update_connection", "ok", "webhook-signing")]


def test_a_protected_tenant_needs_its_name_typed_before_an_edit(app, configure, fresh_sandbox):
    tenants = sandbox_tenants(fresh_sandbox)
    tenants["us"]["protected"] = True
    config = configure(tenants)
    at = open_page(app, PAGE, section="Edit")
    at.text_input(key="connections.edit.name").set_value("Renamed")
    at.button(key="connections.edit.save").click().run()
    assert any("protected" in e and "type its name" in e for e in errors(at))
    with client_of(fresh_sandbox) as us:
        assert all(c.name != "Renamed" for c in us.org_connections())
    at.text_input(key="connections.edit.typed").set_value("us")
    at.button(key="connections.edit.save").click().run()
    assert not errors(at)
    with client_of(fresh_sandbox) as us:
        assert any(c.name == "Renamed" for c in us.org_connections())
    assert [r.outcome[:6] for r in audit_rows(config)] == ["ok", "failed"]


# ---------------------------------------------------------------------------------- the wizard

def test_the_wizard_creates_a_connection_then_its_test_credentials(app, fresh_sandbox,
                                                                   fresh_sandbox_config):
    at = open_wizard(app)
    choose(at, "http/apiKey")
    assert step(at) == "identity"
    identify(at, "Partner API", "partner-api", "The partner's API key")
    assert step(at) == "inputs"
    scope(at, apiKey=InputScope.CUSTOMER, headerName=InputScope.ORG)
    assert step(at) == "globals"
    assert at.text_input(key=wizard.K_GLOBAL + "headerName").value == "Authorization"  # default
    at.text_input(key=wizard.K_GLOBAL + "headerName").set_value("X-Partner-Key")
    at.checkbox(key=wizard.K_CONFIRM).check()
    at.button(key=wizard.K_CREATE).click().run()
    assert not errors(at) and step(at) == "test"
    at.text_input(key=wizard.K_TEST + "apiKey").set_value("canary-test-key")
    at.button(key=wizard.K_SAVE_TEST).click().run()
    assert not errors(at) and step(at) == "done"
    assert any("with test credentials" in s.value for s in at.success)
    with client_of(fresh_sandbox) as us:
        created = us.connection("partner-api")
        tested = us.test_credentials(created)
    assert created.name == "Partner API" and created.description == "The partner's API key"
    assert created.input("headerName").global_value.display == "X-Partner-Key"
    assert created.input("apiKey").is_per_customer
    assert tested.values["apiKey"].secret_value() == "canary-test-key"
    rows = audit_rows(fresh_sandbox_config)
    assert [(r.action, r.outcome) for r in rows] == [("set_test_credentials", "ok"),
                                                     ("create_connection", "ok")]
    at.segmented_control(key=SECTION).set_value("Definitions").run()
    assert "partner-api" in set(definition_tables(at)[0]["stable_key"])


def test_components_sharing_a_key_are_told_apart_and_the_one_picked_is_used(
        app, fresh_sandbox, fresh_sandbox_config):
    at = open_wizard(app)
    shown = [o for o in at.selectbox(key=wizard.K_CONNECTION).options if o.startswith("Acme ·")]
    assert sorted(shown) == ["Acme · Acme API key (private, v1)",
                             "Acme · Acme API key (public, v3)"]
    choose(at, "acme/apiKey", public=False)
    identify(at, "Acme private key", "acme-private-key")
    assert step(at) == "inputs"
    assert at.radio(key=wizard.K_SCOPE + "region") is not None  # the private one's own input
    scope(at)
    at.checkbox(key=wizard.K_DEFAULT).check()
    at.button(key=wizard.K_CREATE).click().run()
    assert not errors(at) and step(at) == "test"
    with client_of(fresh_sandbox) as us:
        created = us.connection("acme-private-key")
    assert created.connection_id == component_connection_id("us", "acme/apiKey", public=False)
    assert created.default_for_component
    at.segmented_control(key=SECTION).set_value("Definitions").run()
    listed = definition_tables(at)[0].set_index("stable_key")
    assert listed.loc["acme-private-key", "default_for_component"]


def test_an_oauth2_connection_is_refused_at_the_first_step(app, sandbox_config):
    at = choose(open_wizard(app), "salesforce/oauth2")
    assert step(at) == "connection"
    assert any("OAuth 2.0" in e and "cannot organization-activate" in e for e in errors(at))


def test_a_bad_slug_and_a_stable_key_in_use_are_refused(app, sandbox_config):
    at = choose(open_wizard(app), "http/basic")
    identify(at, "Partner basic", "Partner_Basic")
    assert step(at) == "identity"
    assert any("is not a slug" in e and "partner-basic" in e for e in errors(at))
    identify(at, "Partner basic", "sftp-drop")
    assert step(at) == "identity"
    assert any("already used in tenant us" in e for e in errors(at))
    assert any("can **never be changed**" in w.value for w in at.warning)


def test_global_values_are_validated_and_need_the_confirmation(app, sandbox_config):
    at = choose(open_wizard(app), "sftp/privateKey")
    identify(at, "Partner SFTP", "partner-sftp")
    scope(at, host=InputScope.ORG, port=InputScope.ORG)
    at.text_input(key=wizard.K_GLOBAL + "host").set_value("sftp.partner.example")
    at.text_input(key=wizard.K_GLOBAL + "port").set_value("99999")
    at.button(key=wizard.K_CREATE).click().run()
    assert step(at) == "globals"
    assert errors(at) == [e for e in errors(at) if "cannot be changed once set" in e]
    assert len(errors(at)) == 1  # an odd port only warns: the confirmation is what is missing
    assert any("port number from 1 to 65535" in w.value for w in at.warning)
    at.text_input(key=wizard.K_GLOBAL + "port").set_value("2222")
    at.button(key=wizard.K_CREATE).click().run()
    assert step(at) == "globals" and len(errors(at)) == 1
    assert not any("port number" in w.value for w in at.warning)
    at.button(key=wizard.K_BACK).click().run()
    assert step(at) == "inputs"
    assert at.radio(key=wizard.K_SCOPE + "host").value == InputScope.ORG.value  # kept


def test_the_stable_key_is_suggested_from_the_same_connection_in_another_tenant(
        app, fresh_sandbox, fresh_sandbox_config):
    with client_of(fresh_sandbox, "us") as us:
        zendesk = next(c for comp in us.components() for c in comp.connections
                       if (c.component_key, c.key) == ("zendesk", "apiToken"))
        us.create_org_connection(zendesk, name="Support desk", stable_key="support-desk",
                                 description="Each customer's Zendesk")
    at = choose(open_wizard(app, "eu"), "zendesk/apiToken", "eu")
    assert any("support-desk" in i.value and "tenant us" in i.value for i in at.info)
    assert at.text_input(key=wizard.K_STABLE_KEY).value == "support-desk"
    assert at.text_input(key=wizard.K_NAME).value == "Support desk"


def test_going_back_keeps_what_was_typed(app, sandbox_config):
    at = choose(open_wizard(app), "http/basic")
    identify(at, "Partner basic", "partner-basic")
    at.button(key=wizard.K_BACK).click().run()
    assert step(at) == "identity"
    assert at.text_input(key=wizard.K_STABLE_KEY).value == "partner-basic"


def test_the_stable_key_follows_the_name_until_one_of_ones_own_is_typed(app, sandbox_config):
    at = choose(open_wizard(app), "http/basic")
    at.text_input(key=wizard.K_NAME).input("Partner Basic API").run()
    assert at.text_input(key=wizard.K_STABLE_KEY).value == "partner-basic-api"
    at.text_input(key=wizard.K_NAME).input("Partner Basic").run()
    assert at.text_input(key=wizard.K_STABLE_KEY).value == "partner-basic"
    at.text_input(key=wizard.K_STABLE_KEY).input("my-own-key").run()
    at.text_input(key=wizard.K_NAME).input("Partner HTTP").run()
    assert at.text_input(key=wizard.K_STABLE_KEY).value == "my-own-key", "the user's key stays"


def test_the_step_count_matches_the_steps_and_done_is_not_one(app, sandbox_config):
    at = open_wizard(app)
    steps = len(wizard.STEPS) - 1
    assert at.get("progress")[0].proto.text == f"Step 1 of {steps}: Component connection"
    at = choose(at, "http/basic")
    assert at.get("progress")[0].proto.text == f"Step 2 of {steps}: Name and stable key"


def test_booleans_are_a_true_false_choice_and_labels_carry_no_markdown(app, sandbox_config):
    at = choose(open_wizard(app), "sftp/basic")
    identify(at, "Partner SFTP basic", "partner-sftp-basic")
    radio_labels = [r.label for r in at.radio]
    assert radio_labels and not [x for x in radio_labels if "`" in x or ":red[" in x]
    scope(at, host=InputScope.ORG, strictHostKeyChecking=InputScope.ORG)
    choice = at.selectbox(key=wizard.K_GLOBAL + "strictHostKeyChecking")
    assert choice.options == ["(not set)", "true", "false"] and choice.value == "true"
    assert at.text_input(key=wizard.K_GLOBAL + "host").label == "Host (required)"
    labels = [w.label for w in [*at.text_input, *at.selectbox]]
    assert not [x for x in labels if "*" in x or ":red[" in x or "`" in x]

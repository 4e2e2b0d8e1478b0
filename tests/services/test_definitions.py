"""Connection definitions: listing, the new-connection checks, suggestions and audited writes,
against the sandbox with the real client (reads on the shared sandbox, writes on a fresh one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from orgconn.client import InvalidValuesError, PrismaticClient
from orgconn.config import TenantConfig
from orgconn.models import MASK, ComponentConnection, InputScope, TenantData
from orgconn.secrets import fingerprint
from orgconn.services import coverage
from orgconn.services.access import AccessDenied, Actor, Role
from orgconn.services.definitions import (
    NewConnection,
    check_component_connection,
    check_global_values,
    check_identity,
    component_choices,
    create_connection,
    definitions_frame,
    global_value_warnings,
    inputs_frame,
    set_test_credentials,
    slugify,
    suggest_stable_keys,
    update_connection,
)
from orgconn.services.values.form import FormInvalid
from orgconn.services.values.save import WriteContext
from orgconn.store import AuditFilter, Store, open_store

KEY = b"f" * 32
ADMIN = Actor("ada@example.com", Role.ADMIN, signed_in=True)


def tenant_of(box: Any, name: str = "us", **overrides: Any) -> TenantConfig:
    return TenantConfig.model_validate(
        {"name": name, "url": box.stack_url(name), "token": box.token(name), **overrides})


@pytest.fixture(scope="module")
def us(sandbox: Any) -> Iterator[PrismaticClient]:
    with PrismaticClient(tenant_of(sandbox)) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


@pytest.fixture
def writer(fresh_sandbox: Any) -> Iterator[PrismaticClient]:
    with PrismaticClient(tenant_of(fresh_sandbox)) as client:
        yield client


def context(box: Any, store: Store, actor: Actor = ADMIN, *, protected: bool = False,
            typed: str | None = None, name: str = "us") -> WriteContext:
    return WriteContext(actor=actor, tenant=tenant_of(box, name, protected=protected),
                        store=store, fingerprint_key=KEY, typed_confirmation=typed)


def component_connection(client: PrismaticClient, component: str, key: str
                         ) -> ComponentConnection:
    return next(c for comp in client.components() for c in comp.connections
                if (c.component_key, c.key) == (component, key))


def http_api_key_plan(stable_key: str = "partner-api", **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Partner API", "stable_key": stable_key, "description": "Partner's API key",
        "scopes": {"apiKey": InputScope.ORG, "headerName": InputScope.CUSTOMER},
        "global_values": {"apiKey": "canary-global-key"}, "confirmed": True}
    fields.update(changes)
    return fields


# ---------------------------------------------------------------------------------- listing

def listed_of(snapshot: TenantData) -> pd.DataFrame:
    """The definitions list of tenant us, with the coverage of ``snapshot``."""
    return definitions_frame("us", snapshot.connections, coverage.coverage_frame("us", snapshot),
                             KEY)


def test_the_coverage_of_a_definition_is_read_from_the_coverage_frame_given(us):
    snapshot = us.read_tenant()
    covered = coverage.coverage_frame("us", snapshot)
    statuses = covered["status"].cat.categories

    def every(status: str) -> pd.Categorical:
        return pd.Categorical([status] * len(covered), categories=statuses)

    all_complete = covered.assign(status=every("complete"))
    elsewhere = covered.assign(tenant="eu", status=every("missing"))
    frame = definitions_frame("us", snapshot.connections,
                              pd.concat([all_complete, elsewhere], ignore_index=True), KEY)
    assert set(frame["coverage_percent"]) == {100.0}


def test_a_definition_without_coverage_rows_has_no_coverage_percent(us):
    snapshot = us.read_tenant()
    covered = coverage.coverage_frame("us", snapshot)
    frame = definitions_frame("us", snapshot.connections,
                              covered[covered["stable_key"] != "sftp-drop"], KEY)
    by_key = frame.set_index("stable_key")["coverage_percent"]
    assert pd.isna(by_key["sftp-drop"])
    assert by_key.drop("sftp-drop").notna().all()

def test_the_definitions_list_only_org_activated_connections_with_scopes_and_coverage(us):
    snapshot = us.read_tenant()
    frame = listed_of(snapshot)
    managed = [c for c in snapshot.connections if c.is_org_activated_customer]
    assert sorted(frame["stable_key"]) == sorted(c.stable_key for c in managed)
    assert "ops-alerts" not in set(frame["stable_key"])
    sftp = frame.set_index("stable_key").loc["sftp-drop"]
    assert "password (secret)" in sftp["per_customer_inputs"]
    assert "host = sftp.acme-saas.com" in sftp["global_values"]
    expected = coverage.percent_complete(coverage.coverage_frame("us", snapshot))
    assert sftp["coverage_percent"] == expected.set_index("stable_key").loc[
        "sftp-drop", "percent_complete"]


def test_the_definitions_say_which_connections_the_designer_uses_by_default(us):
    frame = listed_of(us.read_tenant()).set_index("stable_key")
    assert frame.loc["acme-api-key", "default_for_component"]
    assert frame.loc["sftp-drop", "default_for_component"]
    assert not frame.loc["billing-api", "default_for_component"]


def test_components_sharing_a_key_are_told_apart_by_public_private_and_version(us):
    acme = [c for c in us.components() if c.key == "acme"]
    assert sorted((c.public, c.version_number) for c in acme) == [(False, 1), (True, 3)]
    choices = component_choices(acme)
    assert sorted(choices.values()) == ["Acme · Acme API key (private, v1)",
                                        "Acme · Acme API key (public, v3)"]
    assert set(choices) == {c.id for a in acme for c in a.connections}


def test_the_wizard_creates_on_the_component_connection_picked_by_id_and_default_for_it(
        fresh_sandbox, writer, store):
    private = next(c for comp in writer.components() if comp.key == "acme" and not comp.public
                   for c in comp.connections)
    plan = NewConnection(private, name="Acme private key", stable_key="acme-private-key",
                         default_for_component=True)
    created = create_connection(writer, context(fresh_sandbox, store), plan)
    assert created.connection_id == private.id and created.default_for_component
    again = writer.connection("acme-private-key")
    assert again is not None and again.default_for_component
    assert again.input("region") is not None  # the private component's own input
    [row] = store.audit()
    assert "default for its component" in row.detail


def test_default_for_component_can_be_turned_off_with_one_audit_row(fresh_sandbox, writer,
                                                                    store):
    sftp = writer.connection("sftp-drop")
    assert sftp is not None and sftp.default_for_component
    updated = update_connection(writer, context(fresh_sandbox, store), sftp, name=sftp.name,
                                description=sftp.description, default_for_component=False)
    assert not updated.default_for_component
    again = writer.connection("sftp-drop")
    assert again is not None and not again.default_for_component
    [row] = store.audit()
    assert row.detail == "default for its component: off"
    same = update_connection(writer, context(fresh_sandbox, store), again, name=again.name,
                             description=again.description, default_for_component=False)
    assert same is again and len(store.audit()) == 1


def test_each_input_is_listed_with_its_scope_and_global_value(us):
    connections = us.org_connections()
    frame = inputs_frame("us", connections, KEY)
    acme = frame[frame["stable_key"] == "acme-api-key"].set_index("input")
    assert acme.loc["apiKey", "scope"] == "per customer"
    assert acme.loc["apiKey", "global_value"] == ""
    assert acme.loc["baseUrl", "scope"] == "global"
    assert acme.loc["baseUrl", "global_value"].startswith("https://")
    assert len(frame) == sum(len(c.inputs) for c in connections)


def test_a_secret_global_value_is_masked_and_fingerprinted_never_shown(fresh_sandbox, writer,
                                                                        store):
    plan = NewConnection(component_connection(writer, "http", "apiKey"), **http_api_key_plan())
    create_connection(writer, context(fresh_sandbox, store), plan)
    snapshot = writer.read_tenant()
    listed = listed_of(snapshot)
    inputs = inputs_frame("us", snapshot.connections, KEY).set_index(["stable_key", "input"])
    row = inputs.loc[("partner-api", "apiKey")]
    assert row["global_value"] == MASK
    assert row["fingerprint"] == fingerprint("canary-global-key", KEY)
    for frame in (listed, inputs.reset_index()):
        assert not frame.astype(str).apply(lambda c: c.str.contains("canary")).any().any()


# ---------------------------------------------------------------------------------- planning

def test_oauth2_connections_are_refused_with_a_reason(us):
    connections = [c for comp in us.components() for c in comp.connections]
    oauth = [c for c in connections if c.is_oauth2]
    assert oauth and all(check_component_connection(c) for c in oauth)
    assert "OAuth 2.0" in check_component_connection(oauth[0])[0].message
    assert not any(check_component_connection(c) for c in connections if not c.is_oauth2)


@pytest.mark.parametrize("bad", ["Acme_Key", "acme--key", "-acme", "acme key", "ACME", "a" * 101])
def test_a_stable_key_that_is_not_a_slug_is_refused_with_the_format(us, bad):
    issues = check_identity("New one", bad, us.all_connections(), "us")
    assert [i.field for i in issues] == ["stable_key"]
    assert "lowercase letters and digits joined by single hyphens" in issues[0].message


def test_a_stable_key_or_name_already_used_in_the_tenant_is_refused(us):
    existing = us.all_connections()
    taken = next(c for c in existing if c.stable_key == "sftp-drop")
    issues = check_identity(taken.name, "ops-alerts", existing, "us")
    assert {i.field for i in issues} == {"name", "stable_key"}
    assert "already used in tenant us" in next(i for i in issues if i.field == "stable_key").message
    assert check_identity("Brand new", "brand-new", existing, "us") == []


def test_slugify_makes_a_valid_stable_key_from_a_name():
    assert slugify("  Acme API key (v2)! ") == "acme-api-key-v2"
    assert check_identity("x", slugify("Ünïcode & Co"), [], "us") == []


def test_global_values_are_validated_and_need_the_confirmation(us):
    sftp = component_connection(us, "sftp", "basic")
    scopes = {"host": InputScope.ORG, "port": InputScope.ORG}
    issues = check_global_values(sftp, scopes, {"host": "sftp.example.com", "port": "99999"},
                                 confirmed=False)
    assert {i.field for i in issues} == {"confirmation"}  # an odd port only warns
    [warning] = global_value_warnings(sftp, scopes, {"host": "h", "port": "99999"})
    assert warning.field == "global:port" and "port number" in warning.message
    ok = check_global_values(sftp, scopes, {"host": "sftp.example.com", "port": "2222"}, True)
    assert ok == []
    assert check_global_values(sftp, {}, {}, confirmed=False) == []
    assert global_value_warnings(sftp, scopes, {"host": "h", "port": "2222"}) == []


def test_a_blank_global_value_takes_the_inputs_default():
    connection = ComponentConnection.model_validate({
        "id": "c", "key": "basic", "label": "Basic", "component_key": "sftp",
        "component_label": "SFTP", "inputs": [
            {"key": "port", "label": "Port", "default": "22"},
            {"key": "host", "label": "Host"}]})
    plan = NewConnection(connection, "n", "n", scopes={"port": InputScope.ORG,
                                                       "host": InputScope.ORG},
                         global_values={"port": "", "host": " h.example.com "})
    assert plan.global_values_to_send() == {"port": "22", "host": "h.example.com"}


def test_the_suggestion_is_the_same_connections_stable_key_in_another_tenant(sandbox, us):
    with PrismaticClient(tenant_of(sandbox, "eu")) as eu:
        hubspot = component_connection(eu, "hubspot", "privateAppToken")
        found = suggest_stable_keys(hubspot, eu.all_connections(),
                                    {"us": us.all_connections()})
    assert [(s.stable_key, s.tenants) for s in found] == [("crm-sync", ("us",))]
    assert found[0].name == next(c.name for c in us.all_connections()
                                 if c.stable_key == "crm-sync")
    sftp = component_connection(us, "sftp", "basic")  # sftp-drop exists in both: no suggestion
    assert suggest_stable_keys(sftp, us.all_connections(), {"eu": us.all_connections()}) == []


def test_a_connection_created_in_one_tenant_is_suggested_in_the_other(fresh_sandbox, writer,
                                                                      store):
    plan = NewConnection(component_connection(writer, "http", "apiKey"), **http_api_key_plan())
    create_connection(writer, context(fresh_sandbox, store), plan)
    with PrismaticClient(tenant_of(fresh_sandbox, "eu")) as eu:
        found = suggest_stable_keys(component_connection(eu, "http", "apiKey"),
                                    eu.all_connections(), {"us": writer.all_connections()})
    assert [s.stable_key for s in found] == ["partner-api"]
    assert found[0].description == "Partner's API key"


# ---------------------------------------------------------------------------------- writes

def test_creating_a_connection_writes_it_and_one_audit_row_without_secrets(fresh_sandbox,
                                                                           writer, store):
    plan = NewConnection(component_connection(writer, "http", "apiKey"), **http_api_key_plan())
    created = create_connection(writer, context(fresh_sandbox, store), plan)
    assert created.stable_key == "partner-api" and created.is_org_activated_customer
    assert created.input("apiKey").is_global and created.input("headerName").is_per_customer
    assert writer.connection("partner-api") is not None
    rows = store.audit()
    assert len(rows) == 1 and rows[0].outcome == "ok" and rows[0].action == "create_connection"
    assert rows[0].changed_inputs[0].fingerprint == fingerprint("canary-global-key", KEY)
    assert "canary" not in store.audit_frame().to_csv()


def test_an_invalid_plan_is_refused_before_sending_and_audited_as_failed(fresh_sandbox, writer,
                                                                         store):
    plan = NewConnection(component_connection(writer, "http", "apiKey"),
                         **http_api_key_plan("sftp-drop", confirmed=False))
    with pytest.raises(InvalidValuesError, match="already used"):
        create_connection(writer, context(fresh_sandbox, store), plan)
    rows = store.audit()
    assert len(rows) == 1 and rows[0].outcome.startswith("failed: ")
    assert "cannot be changed once set" in rows[0].outcome
    assert len([c for c in writer.all_connections() if c.name == "Partner API"]) == 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.OPERATOR])
def test_only_admins_define_connections(fresh_sandbox, writer, store, role):
    plan = NewConnection(component_connection(writer, "http", "apiKey"), **http_api_key_plan())
    with pytest.raises(AccessDenied, match="admin role"):
        create_connection(writer, context(fresh_sandbox, store, Actor("eve", role)), plan)
    assert writer.connection("partner-api") is None
    assert [r.outcome.startswith("failed: ") for r in store.audit()] == [True]


def test_a_protected_tenant_needs_its_name_typed(fresh_sandbox, writer, store):
    plan = NewConnection(component_connection(writer, "http", "apiKey"), **http_api_key_plan())
    with pytest.raises(AccessDenied, match="type its name"):
        create_connection(writer, context(fresh_sandbox, store, protected=True, typed="eu"), plan)
    assert writer.connection("partner-api") is None
    create_connection(writer, context(fresh_sandbox, store, protected=True, typed="us"), plan)
    assert writer.connection("partner-api") is not None
    assert [r.outcome[:6] for r in store.audit()] == ["ok", "failed"]  # newest first


def test_name_and_description_change_but_the_stable_key_stays(fresh_sandbox, writer, store):
    before = writer.connection("webhook-signing")
    ctx = context(fresh_sandbox, store)
    after = update_connection(writer, ctx, before, name="Webhook secret (v2)",
                              description="Signs every delivery")
    assert (after.name, after.description, after.stable_key) == (
        "Webhook secret (v2)", "Signs every delivery", "webhook-signing")
    assert writer.connection("webhook-signing").name == "Webhook secret (v2)"
    assert update_connection(writer, ctx, after, name=after.name,
                             description=after.description) is after
    rows = store.audit()
    assert len(rows) == 1 and rows[0].action == "update_connection" and rows[0].outcome == "ok"
    assert "Webhook secret (v2)" in rows[0].detail


def test_renaming_to_a_name_already_used_is_refused(fresh_sandbox, writer, store):
    before = writer.connection("webhook-signing")
    with pytest.raises(InvalidValuesError, match="already exists"):
        update_connection(writer, context(fresh_sandbox, store), before,
                          name=writer.connection("sftp-drop").name, description="")
    assert writer.connection("webhook-signing").name == before.name
    assert store.audit()[0].outcome.startswith("failed: ")


def test_test_credentials_are_set_and_a_blank_secret_keeps_its_value(fresh_sandbox, writer,
                                                                     store):
    connection = writer.connection("webhook-signing")  # seeded without test credentials
    assert writer.test_credentials(connection) is None
    editor = context(fresh_sandbox, store, Actor("ed", Role.EDITOR))
    values = {"signingSecret": "canary-sign", "algorithm": "sha512", "extraHeaders": "{}"}
    saved = set_test_credentials(writer, editor, connection, values)
    assert saved.action == "created" and saved.values.is_test
    again = set_test_credentials(writer, editor, connection, {**values, "signingSecret": "",
                                                              "algorithm": "sha256"})
    assert again.action == "updated"
    now = writer.test_credentials(connection)
    assert now.values["signingSecret"].secret_value() == "canary-sign"
    assert now.values["algorithm"].secret_value() == "sha256"
    rows = store.audit(AuditFilter(action="set_test_credentials"))
    assert len(rows) == 2 and {r.outcome for r in rows} == {"ok"}
    assert [c.name for c in rows[0].changed_inputs] == ["algorithm"]
    assert rows[1].changed_inputs[0].fingerprint == fingerprint("canary-sign", KEY)


def test_invalid_test_credentials_are_refused_naming_the_input(fresh_sandbox, writer, store):
    connection = writer.connection("webhook-signing")
    with pytest.raises(FormInvalid, match="Extra headers must be valid JSON") as refused:
        set_test_credentials(writer, context(fresh_sandbox, store), connection,
                             {"signingSecret": "canary-x", "extraHeaders": "{nope"})
    assert [i.input_key for i in refused.value.issues] == ["extraHeaders"]
    assert writer.test_credentials(connection) is None and store.audit() == []


def test_viewers_cannot_set_test_credentials_and_the_refusal_is_audited(fresh_sandbox, writer,
                                                                        store):
    connection = writer.connection("webhook-signing")
    with pytest.raises(AccessDenied, match="editor role"):
        set_test_credentials(writer, context(fresh_sandbox, store, Actor("v", Role.VIEWER)),
                             connection, {"signingSecret": "canary-x"})
    assert writer.test_credentials(connection) is None
    rows = store.audit()
    assert [(r.action, r.outcome[:6]) for r in rows] == [("set_test_credentials", "failed")]

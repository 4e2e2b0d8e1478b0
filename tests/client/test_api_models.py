"""Models built from API nodes: scopes from meta, secrets as SecretStr, helpers."""

from __future__ import annotations

from pydantic import SecretStr

from orgconn.models import (
    Component,
    CustomerValues,
    InputScope,
    InputValue,
    OrgConnection,
    WhoAmI,
)
from tests.client.fake_prismatic import SECRET, FakePrismatic, scv_node


def test_an_org_activated_connection_knows_each_inputs_scope_from_meta():
    node = scv_node(global_values={"baseUrl": "https://api.acme.test"})
    connection = OrgConnection.from_node(node)
    assert connection.is_org_activated_customer
    assert [i.key for i in connection.per_customer_inputs] == ["apiKey", "region"]
    assert [i.key for i in connection.global_inputs] == ["baseUrl"]
    base_url = connection.input("baseUrl")
    assert base_url is not None and base_url.scope is InputScope.ORG
    assert base_url.global_value is not None and base_url.global_value.display == \
        "https://api.acme.test"
    api_key = connection.input("apiKey")
    assert api_key is not None and api_key.is_secret and api_key.global_value is None
    assert api_key.definition.required and api_key.definition.comments == "help for apiKey"
    assert connection.component_label == "Acme SaaS" and connection.name == "Acme API"
    assert connection.secret_keys == {"apiKey"}


def test_a_global_secret_value_is_a_secret_str():
    node = scv_node(inputs=(("password", "PASSWORD", "org"),), global_values={"password": SECRET})
    value = OrgConnection.from_node(node).global_inputs[0].global_value
    assert value is not None and isinstance(value.value, SecretStr)
    assert value.display == "••••••" and SECRET not in repr(value)
    assert value.secret_value() == SECRET


def test_the_other_kinds_of_connection_are_recognised():
    global_kind = OrgConnection.from_node(scv_node(scope="ORG", managed_by="ORG"))
    customer_kind = OrgConnection.from_node(scv_node(scope="CUSTOMER", managed_by="CUSTOMER"))
    assert not global_kind.is_org_activated_customer
    assert not customer_kind.is_org_activated_customer


def test_inputs_without_meta_take_the_connections_scope_and_unknown_inputs_are_kept():
    node = scv_node(scope="ORG", managed_by="ORG")
    for expression in node["inputs"]["nodes"]:
        expression["meta"] = None
    node["inputs"]["nodes"].append({"name": "legacy", "type": "VALUE", "value": "v",
                                    "hasValue": True, "meta": "not json"})
    connection = OrgConnection.from_node(node)
    assert all(i.scope is InputScope.ORG for i in connection.inputs)
    legacy = connection.input("legacy")
    assert legacy is not None and legacy.definition.type == "STRING"


def test_customer_values_wrap_secret_inputs_and_treat_unknown_definitions_as_secret():
    fake = FakePrismatic()
    scv = fake.add_connection()
    node = fake.add_values(scv, fake.add_customer("Globex", "globex"),
                           {"apiKey": SECRET, "region": "eu"})
    known = CustomerValues.from_node(node, {"apiKey"})
    assert isinstance(known.values["apiKey"].value, SecretStr)
    assert known.values["region"].value == "eu" and known.has_value("region")
    assert not known.has_value("missing")
    assert known.customer is not None and known.customer.external_id == "globex"
    assert known.stable_key == "acme-api-key" and known.connection_id == scv["id"]
    unknown = CustomerValues.from_node(node, None)
    assert all(isinstance(v.value, SecretStr) for v in unknown.values.values())
    assert SECRET not in repr(known) and SECRET not in repr(unknown)


def test_a_hidden_secret_is_set_but_unreadable_and_has_no_fingerprint():
    hidden = InputValue.of("apiKey", "", has_value=True, secret=True)
    shown = InputValue.of("apiKey", SECRET, has_value=True, secret=True)
    unset = InputValue.of("apiKey", "", has_value=False, secret=True)
    assert not hidden.is_readable and hidden.fingerprint(b"k") is None
    assert shown.is_readable and shown.fingerprint(b"k") == shown.fingerprint("k")
    assert unset.display == "" and unset.fingerprint(b"k") is None
    assert hidden.display == "••••••"


def test_models_dump_with_camel_case_aliases():
    who = WhoAmI.from_node({"email": "a@b.c", "tenantId": "t-1", "org": {"name": "Acme"}})
    assert who.model_dump(by_alias=True) == {"tenantId": "t-1", "orgName": "Acme",
                                             "email": "a@b.c"}
    assert WhoAmI.model_validate({"tenantId": "t", "orgName": "o", "email": "e"}).tenant_id == "t"


def test_a_component_lists_its_connections_and_flags_oauth():
    component = Component.from_node({
        "id": "Q29tcG9uZW50OjE=", "key": "acme", "label": "Acme SaaS", "description": "",
        "connections": {"nodes": [
            {"id": "c1", "key": "apiKey", "label": "API key", "comments": None,
             "oauth2Type": None, "inputs": {"nodes": [
                 {"key": "apiKey", "label": "API key", "type": "PASSWORD", "required": True,
                  "shown": True, "default": {"x": 1}, "comments": None, "placeholder": None}]}},
            {"id": "c2", "key": "oauth", "label": "OAuth", "comments": None,
             "oauth2Type": "AUTHORIZATION_CODE", "inputs": {"nodes": []}}]}})
    api_key, oauth = component.connections
    assert not api_key.is_oauth2 and oauth.is_oauth2
    assert api_key.inputs[0].is_secret and api_key.inputs[0].default == '{"x": 1}'
    assert api_key.component_label == "Acme SaaS"

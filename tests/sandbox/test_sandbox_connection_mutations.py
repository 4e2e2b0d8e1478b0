"""create/update/deleteScopedConfigVariable: happy paths and every field error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from orgconn.sandbox import RunningSandbox
from tests.sandbox.sandbox_api import Api, find_scv

CREATE = """mutation($i: CreateScopedConfigVariableInput!) {
  createScopedConfigVariable(input: $i) {
    scopedConfigVariable { id key stableKey variableScope managedBy status lastConfiguredAt
      connection { key } inputs { nodes { name value meta } } }
    errors { field messages }
  }
}"""
UPDATE = """mutation($i: UpdateScopedConfigVariableInput!) {
  updateScopedConfigVariable(input: $i) {
    scopedConfigVariable { id key description inputs { nodes { name value meta } } }
    errors { field messages }
  }
}"""
DELETE = """mutation($i: DeleteScopedConfigVariableInput!) {
  deleteScopedConfigVariable(input: $i) { scopedConfigVariable { id stableKey }
    errors { field messages } }
}"""
GLOBAL = json.dumps({"inputScope": "org"})


@pytest.fixture
def api(fresh_sandbox: RunningSandbox, api_for: Callable[..., Api]) -> Api:
    return api_for(fresh_sandbox)


def connection_id(api: Api, component: str, connection: str) -> str:
    data = api.data("query($k: String) { components(key: $k) { nodes { connections { nodes "
                    "{ id key } } } } }", {"k": component})
    (comp,) = data["components"]["nodes"]
    return next(c["id"] for c in comp["connections"]["nodes"] if c["key"] == connection)


def run(api: Api, mutation: str, payload: dict[str, Any]) -> dict[str, Any]:
    (result,) = api.data(mutation, {"i": payload}).values()
    return result  # type: ignore[no-any-return]


def field_errors(result: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: " ".join(e["messages"]) for e in result["errors"]}


def sftp_payload(api: Api, **changes: Any) -> dict[str, Any]:
    payload = {"key": "Partner SFTP", "stableKey": "partner-sftp", "variableScope": "customer",
               "managedBy": "org", "connection": connection_id(api, "sftp", "basic"),
               "description": "Files from partners",
               "inputs": [{"name": "host", "value": "", "type": "value", "meta": GLOBAL},
                          {"name": "port", "value": "2222", "type": "value", "meta": GLOBAL}]}
    return {**payload, **changes}


def test_creating_an_org_activated_connection_with_global_and_per_customer_inputs(
        api: Api) -> None:
    result = run(api, CREATE, sftp_payload(api))
    assert result["errors"] == []
    scv = result["scopedConfigVariable"]
    assert (scv["variableScope"], scv["managedBy"], scv["status"]) == ("CUSTOMER", "ORG", "ACTIVE")
    assert scv["id"].startswith("U2Nvc") and scv["connection"]["key"] == "basic"
    scopes = {i["name"]: json.loads(i["meta"])["inputScope"] for i in scv["inputs"]["nodes"]}
    assert scopes == {"host": "org", "port": "org", "username": "customer",
                      "password": "customer", "directory": "customer",
                      "strictHostKeyChecking": "customer"}
    assert find_scv(api, "partner-sftp")["id"] == scv["id"]


def test_stable_keys_must_be_slugs_and_unique_and_keys_unique(api: Api) -> None:
    bad = field_errors(run(api, CREATE, sftp_payload(api, stableKey="partner sftp!")))
    assert "slug" in bad["stableKey"]
    taken = field_errors(run(api, CREATE, sftp_payload(api, stableKey="sftp-drop",
                                                       key="SFTP drop")))
    assert "already exists" in taken["stableKey"] and "already exists" in taken["key"]


def test_oauth2_connections_cannot_be_org_activated(api: Api) -> None:
    result = run(api, CREATE, sftp_payload(
        api, connection=connection_id(api, "salesforce", "oauth2"), inputs=[]))
    assert "OAuth 2.0" in field_errors(result)["connection"]


def test_choices_must_be_lowercase_and_a_connection_is_required(api: Api) -> None:
    result = run(api, CREATE, sftp_payload(api, variableScope="CUSTOMER", managedBy="Org",
                                           connection=None))
    errors = field_errors(result)
    assert "Select a valid choice" in errors["variableScope"]
    assert "Select a valid choice" in errors["managedBy"]
    assert errors["connection"] == "This field is required."


def test_per_customer_inputs_take_no_value_on_the_connection_and_unknown_ones_are_refused(
        api: Api) -> None:
    result = run(api, CREATE, sftp_payload(api, inputs=[
        {"name": "username", "value": "shared", "type": "value"},
        {"name": "hostname", "value": "x", "type": "value", "meta": GLOBAL}]))
    message = field_errors(result)["inputs"]
    assert "'username' is per customer" in message and "Unknown input 'hostname'" in message


def test_a_global_value_can_be_set_once_and_never_changed(api: Api) -> None:
    created = run(api, CREATE, sftp_payload(api))["scopedConfigVariable"]
    set_host = run(api, UPDATE, {"id": created["id"], "inputs": [
        {"name": "host", "value": "sftp.partner.example", "type": "value"}]})
    assert set_host["errors"] == []
    host = next(i for i in set_host["scopedConfigVariable"]["inputs"]["nodes"]
                if i["name"] == "host")
    assert host["value"] == "sftp.partner.example"
    changed = run(api, UPDATE, {"id": created["id"], "inputs": [
        {"name": "port", "value": "22", "type": "value"}]})
    assert "cannot be changed once set" in field_errors(changed)["inputs"]
    rescoped = run(api, UPDATE, {"id": created["id"], "inputs": [
        {"name": "username", "value": "", "type": "value", "meta": GLOBAL}]})
    assert "scope cannot change" in field_errors(rescoped)["inputs"]


def test_updating_the_name_and_description(api: Api) -> None:
    scv = find_scv(api, "webhook-signing")
    result = run(api, UPDATE, {"id": scv["id"], "key": "Webhook secret",
                               "description": "Signs deliveries", "redeploy": True})
    assert result["errors"] == []
    assert (result["scopedConfigVariable"]["key"],
            result["scopedConfigVariable"]["description"]) == ("Webhook secret",
                                                               "Signs deliveries")
    assert "already exists" in field_errors(run(api, UPDATE, {"id": scv["id"],
                                                              "key": "SFTP drop"}))["key"]


def test_deleting_a_connection_in_use_is_refused_and_an_unused_one_is_deleted(api: Api) -> None:
    in_use = find_scv(api, "acme-api-key")
    assert "deployed instance" in field_errors(run(api, DELETE, {"id": in_use["id"]}))["__all__"]
    unused = find_scv(api, "crm-sync")
    result = run(api, DELETE, {"id": unused["id"]})
    assert result["errors"] == [] and result["scopedConfigVariable"]["stableKey"] == "crm-sync"
    remaining = api.data('{ scopedConfigVariables(stableKey: "crm-sync") { totalCount } }')
    assert remaining["scopedConfigVariables"]["totalCount"] == 0
    assert field_errors(run(api, DELETE, {"id": unused["id"]}))["id"].startswith("No scoped")

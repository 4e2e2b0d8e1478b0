"""create/update/deleteCustomerConfigVariable: happy paths and every field error."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgconn.sandbox import RunningSandbox
from orgconn.sandbox.tenants import tenant_path
from tests.sandbox.sandbox_api import Api, find_customer, find_scv

CREATE = """mutation($i: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $i) {
    customerConfigVariable { id isTest status lastConfiguredAt customer { externalId }
      inputs { nodes { name value hasValue } } }
    errors { field messages }
  }
}"""
UPDATE = """mutation($i: UpdateCustomerConfigVariableInput!) {
  updateCustomerConfigVariable(input: $i) {
    customerConfigVariable { id lastConfiguredAt inputs { nodes { name value } } }
    errors { field messages }
  }
}"""
DELETE = """mutation($i: DeleteCustomerConfigVariableInput!) {
  deleteCustomerConfigVariable(input: $i) {
    customerConfigVariable { id customer { externalId } }
    errors { field messages }
  }
}"""
VALUES_OF = """query($s: ID, $c: ID) { customerConfigVariables(scopedConfigVariable: $s,
  customer: $c) { nodes { id isInUse hasDeployedInstances lastConfiguredAt
  inputs { nodes { name value } } } } }"""


@pytest.fixture
def api(fresh_sandbox: RunningSandbox, api_for: Callable[..., Api]) -> Api:
    return api_for(fresh_sandbox)


def run(api: Api, mutation: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = api.data(mutation, {"i": payload})
    (result,) = data.values()
    return result  # type: ignore[no-any-return]


def field_errors(result: dict[str, Any]) -> dict[str, str]:
    assert next(v for k, v in result.items() if k != "errors") is None
    return {e["field"]: " ".join(e["messages"]) for e in result["errors"]}


def value(name: str, text: str, kind: str | None = "value") -> dict[str, Any]:
    return {"name": name, "value": text, "type": kind}


def values_of(api: Api, stable_key: str, external_id: str) -> list[dict[str, Any]]:
    scv, customer = find_scv(api, stable_key), find_customer(api, external_id)
    return api.data(VALUES_OF, {"s": scv["id"], "c": customer["id"]})[  # type: ignore[no-any-return]
        "customerConfigVariables"]["nodes"]


def customer_without(api: Api, stable_key: str) -> dict[str, Any]:
    """A customer with no values for ``stable_key`` yet."""
    scv = find_scv(api, stable_key)
    having = {n["customer"]["externalId"] for n in api.all_pages(
        "customerConfigVariables", "customer { externalId }",
        f'scopedConfigVariable: "{scv["id"]}", isTest: false')}
    everyone = api.all_pages("customers", "id externalId", "isSystem: false")
    return next(c for c in everyone if c["externalId"] not in having)


def test_creating_values_stores_them_and_sets_lastConfiguredAt(api: Api) -> None:
    customer = customer_without(api, "sftp-drop")
    scv = find_scv(api, "sftp-drop")
    before = datetime.now(UTC) - timedelta(seconds=5)
    result = run(api, CREATE, {"scopedConfigVariable": scv["id"], "customer": customer["id"],
                               "inputs": [value("username", "acme"), value("password", "s3")]})
    assert result["errors"] == []
    created = result["customerConfigVariable"]
    assert created["customer"]["externalId"] == customer["externalId"]
    assert created["isTest"] is False and created["status"] == "ACTIVE"
    assert {i["name"]: i["value"] for i in created["inputs"]["nodes"]} == {
        "username": "acme", "password": "s3"}
    assert datetime.fromisoformat(created["lastConfiguredAt"]) > before


def test_required_inputs_are_not_enforced_on_create(api: Api) -> None:
    customer = customer_without(api, "customer-warehouse")
    scv = find_scv(api, "customer-warehouse")
    result = run(api, CREATE, {"scopedConfigVariable": scv["id"], "customer": customer["id"],
                               "inputs": [value("host", "db.example.com")]})
    assert result["errors"] == []
    assert [i["name"] for i in result["customerConfigVariable"]["inputs"]["nodes"]] == ["host"]


def test_a_second_create_for_the_same_customer_is_a_field_error(api: Api) -> None:
    scv = find_scv(api, "acme-api-key")
    customer = find_customer(api, "cust-00002")
    assert values_of(api, "acme-api-key", "cust-00002")
    result = run(api, CREATE, {"scopedConfigVariable": scv["id"], "customer": customer["id"],
                               "inputs": [value("apiKey", "x")]})
    assert "already exists" in field_errors(result)["__all__"]


def test_test_credentials_have_no_customer_and_exist_once_per_connection(api: Api) -> None:
    without = find_scv(api, "customer-warehouse")  # seeded without test credentials in us
    created = run(api, CREATE, {"scopedConfigVariable": without["id"], "isTest": True,
                                "inputs": [value("host", "test-db")]})
    assert created["errors"] == [] and created["customerConfigVariable"]["isTest"] is True
    assert created["customerConfigVariable"]["customer"] is None
    again = run(api, CREATE, {"scopedConfigVariable": without["id"], "isTest": True})
    assert "already has test credentials" in field_errors(again)["isTest"]
    with_customer = run(api, CREATE, {
        "scopedConfigVariable": find_scv(api, "webhook-signing")["id"], "isTest": True,
        "customer": find_customer(api, "cust-00002")["id"]})
    assert "leave out customer" in field_errors(with_customer)["customer"]


def test_values_without_a_customer_or_with_an_unknown_one_are_refused(api: Api) -> None:
    scv = find_scv(api, "sftp-drop")["id"]
    assert field_errors(run(api, CREATE, {"scopedConfigVariable": scv}))["customer"] == (
        "This field is required.")
    ghost = "Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw"
    assert "No customer" in field_errors(run(api, CREATE, {"scopedConfigVariable": scv,
                                                          "customer": ghost}))["customer"]


def test_unknown_inputs_global_inputs_and_uppercase_types_are_field_errors(api: Api) -> None:
    customer = customer_without(api, "sftp-drop")
    scv = find_scv(api, "sftp-drop")["id"]
    result = run(api, CREATE, {"scopedConfigVariable": scv, "customer": customer["id"],
                               "inputs": [value("usrname", "a"), value("host", "evil.example"),
                                          value("password", "p", "VALUE")]})
    message = field_errors(result)["inputs"]
    assert "Unknown input 'usrname'" in message and "username" in message
    assert "'host' is global" in message
    assert "type 'VALUE'" in message


def test_values_cannot_be_set_on_connections_orgconn_must_leave_alone(api: Api) -> None:
    customer = find_customer(api, "cust-00002")["id"]
    for stable_key in ("zendesk", "ops-alerts"):
        result = run(api, CREATE, {"scopedConfigVariable": find_scv(api, stable_key)["id"],
                                   "customer": customer})
        assert "CUSTOMER/ORG" in field_errors(result)["scopedConfigVariable"]


def test_update_replaces_the_inputs_and_clears_those_left_out(api: Api) -> None:
    current = next(n for n in api.all_pages(
        "customerConfigVariables", "id lastConfiguredAt inputs { nodes { name value } }",
        'scopedConfigVariable_StableKey: "sftp-drop", isTest: false')
        if {"username", "password"} <= {i["name"] for i in n["inputs"]["nodes"]})
    result = run(api, UPDATE, {"id": current["id"], "inputs": [value("username", "renamed")]})
    assert result["errors"] == []
    updated = result["customerConfigVariable"]
    assert updated["inputs"]["nodes"] == [{"name": "username", "value": "renamed"}]
    assert updated["lastConfiguredAt"] > current["lastConfiguredAt"]


def test_update_checks_inputs_like_create(api: Api) -> None:
    (current,) = values_of(api, "acme-api-key", "cust-00002")
    result = run(api, UPDATE, {"id": current["id"], "inputs": [value("baseUrl", "https://x")]})
    assert "'baseUrl' is global" in field_errors(result)["inputs"]
    missing = run(api, UPDATE, {"inputs": []})
    assert field_errors(missing)["id"] == "This field is required."


def test_redeploy_true_marks_the_instances_redeployed(api: Api,
                                                      fresh_sandbox: RunningSandbox) -> None:
    in_use = next(n for n in api.all_pages(
        "customerConfigVariables", "id hasDeployedInstances inputs { nodes { name value } }",
        'scopedConfigVariable_StableKey: "acme-api-key"') if n["hasDeployedInstances"])
    inputs = [value(i["name"], i["value"]) for i in in_use["inputs"]["nodes"]]
    result = run(api, UPDATE, {"id": in_use["id"], "inputs": inputs, "redeploy": True})
    assert result["errors"] == []
    raw_id = base64.b64decode(in_use["id"]).decode().split(":")[1]
    with sqlite3.connect(tenant_path(fresh_sandbox.data_dir, "us")) as conn:
        counts = conn.execute("SELECT redeploy_count FROM connection_instances i JOIN "
                              "customer_config_variables v ON v.customer_id = i.customer_id "
                              "AND v.scv_id = i.scv_id WHERE v.id = ? "
                              "AND i.deployed_at IS NOT NULL", (raw_id,)).fetchall()
    assert counts and all(count == 1 for (count,) in counts)


def test_deleting_values_in_use_by_deployed_instances_is_refused(api: Api) -> None:
    in_use = next(n for n in api.all_pages("customerConfigVariables", "id hasDeployedInstances",
                                           "isTest: false") if n["hasDeployedInstances"])
    assert "deployed instance" in field_errors(run(api, DELETE, {"id": in_use["id"]}))["__all__"]


def test_deleting_unused_values_removes_them(api: Api) -> None:
    unused = next(n for n in api.all_pages(
        "customerConfigVariables", "id isInUse customer { externalId }",
        'isTest: false, scopedConfigVariable_ManagedBy: "org"') if not n["isInUse"])
    result = run(api, DELETE, {"id": unused["id"]})
    assert result["errors"] == []
    assert result["customerConfigVariable"]["customer"] == unused["customer"]
    assert "does not exist" in api.errors(
        "query($i: ID!) { customerConfigVariable(id: $i) { id } }", {"i": unused["id"]})[0]
    assert "No customer config variable" in field_errors(run(api, DELETE, {"id": unused["id"]}))[
        "id"]


def test_a_malformed_mutation_gets_top_level_errors_with_locations(api: Api) -> None:
    response = api.post("mutation { createCustomerConfigVariable(input: {customer: \"x\"}) "
                        "{ errors { field } } }")
    body = response.json()
    assert response.status_code == 400 and "data" not in body
    assert body["errors"][0]["locations"] and "scopedConfigVariable" in body["errors"][0][
        "message"]


def test_a_malformed_id_in_a_mutation_is_a_top_level_error_with_a_path(api: Api) -> None:
    response = api.post(CREATE, {"i": {"scopedConfigVariable": "bad", "customer": None}})
    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["path"] == ["createCustomerConfigVariable"]
    assert "not a valid ID" in body["errors"][0]["message"]

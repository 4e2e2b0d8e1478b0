"""Filters are as strict as Prismatic's: lowercase enum strings, IDs of the right type."""

from __future__ import annotations

import base64
import json

from tests.sandbox.sandbox_api import Api, find_customer, find_scv


def test_enum_filters_take_lowercase_strings_and_outputs_are_uppercase(us: Api) -> None:
    nodes = us.data('{ scopedConfigVariables(managedBy: "org", variableScope: "customer") '
                    "{ nodes { managedBy variableScope status } } }")["scopedConfigVariables"]
    assert len(nodes["nodes"]) == 6
    assert {(n["managedBy"], n["variableScope"], n["status"]) for n in nodes["nodes"]} == {
        ("ORG", "CUSTOMER", "ACTIVE")}


def test_an_uppercase_enum_filter_is_a_graphql_error_naming_the_argument(us: Api) -> None:
    for query in ('{ scopedConfigVariables(managedBy: "ORG") { totalCount } }',
                  '{ customerConfigVariables(scopedConfigVariable_VariableScope: "Customer") '
                  "{ totalCount } }",
                  '{ customerConfigVariables(status_In: ["active", "ERROR"]) { totalCount } }'):
        (message,) = us.errors(query)
        detail = json.loads(message)
        (argument,) = detail
        assert detail[argument][0]["code"] == "invalid_choice"
        assert "Select a valid choice" in detail[argument][0]["message"]


def test_status_filters_select_only_that_status(us: Api) -> None:
    nodes = us.all_pages("customerConfigVariables", "status", 'status_In: ["error", "failed"]')
    assert nodes and {n["status"] for n in nodes} <= {"ERROR", "FAILED"}
    assert {n["status"] for n in nodes} == {"ERROR", "FAILED"}


def test_isSystem_false_leaves_out_the_system_customer(us: Api) -> None:
    every = us.data("{ customers { totalCount } }")["customers"]["totalCount"]
    real = us.data("{ customers(isSystem: false) { totalCount } }")["customers"]["totalCount"]
    system = us.data("{ customers(isSystem: true) { nodes { name externalId } } }")
    assert (every, real) == (43, 42)  # 40 with an external ID, 2 without, the system one
    assert [n["externalId"] for n in system["customers"]["nodes"]] == [None]


def test_label_and_name_filters(us: Api) -> None:
    enterprise = us.all_pages("customers", "labels", 'labels_Contains: "tier:enterprise"')
    assert enterprise and all("tier:enterprise" in n["labels"] for n in enterprise)
    emea = us.all_pages("customers", "labels", 'labels_Icontains: "EMEA"')
    assert emea and all("region:emea" in n["labels"] for n in emea)
    name = find_customer(us, "my-external-id")["name"]
    hits = us.data("query($n: String) { customers(name_Icontains: $n) { nodes { name } } }",
                   {"n": name.split()[0].lower()})["customers"]["nodes"]
    assert name in [h["name"] for h in hits]


def test_created_at_filters_bound_the_creation_time(us: Api) -> None:
    nodes = us.all_pages("customers", "createdAt", "sortBy: [{field: CREATED_AT, direction: ASC}]")
    middle = nodes[len(nodes) // 2]["createdAt"]
    later = us.data("query($t: DateTime) { customers(createdAt_Gte: $t) { totalCount } }",
                    {"t": middle})["customers"]["totalCount"]
    assert later == len(nodes) - len(nodes) // 2


def test_values_filter_by_connection_id_customer_id_and_isTest(us: Api) -> None:
    scv = find_scv(us, "acme-api-key")
    test = us.data("query($s: ID) { customerConfigVariables(scopedConfigVariable: $s, "
                   "isTest: true) { nodes { isTest customer { id } } } }", {"s": scv["id"]})
    assert test["customerConfigVariables"]["nodes"] == [{"isTest": True, "customer": None}]
    customer = find_customer(us, "cust-00002")
    values = us.data("query($c: ID) { customerConfigVariables(customer: $c) { nodes { "
                     "customer { id } } } }", {"c": customer["id"]})
    assert values["customerConfigVariables"]["nodes"]
    assert {n["customer"]["id"] for n in values["customerConfigVariables"]["nodes"]} == {
        customer["id"]}


def test_an_id_of_the_wrong_type_or_not_an_id_is_an_error(us: Api) -> None:
    customer = find_customer(us, "my-external-id")["id"]
    wrong = us.errors("query($s: ID) { customerConfigVariables(scopedConfigVariable: $s) "
                      "{ totalCount } }", {"s": customer})
    assert "expected a ScopedConfigVariable ID" in wrong[0]
    garbage = us.errors('{ customer(id: "not-an-id") { id } }')
    assert "not a valid ID" in garbage[0]
    unknown = base64.b64encode(b"Customer:00000000-0000-4000-8000-000000000000").decode()
    assert "does not exist" in us.errors(f'{{ customer(id: "{unknown}") {{ id }} }}')[0]


def test_stableKey_In_and_id_In_select_those_connections(us: Api) -> None:
    keys = us.data('{ scopedConfigVariables(stableKey_In: ["sftp-drop", "crm-sync"]) '
                   "{ nodes { id stableKey } } }")["scopedConfigVariables"]["nodes"]
    assert {n["stableKey"] for n in keys} == {"sftp-drop", "crm-sync"}
    by_id = us.data("query($i: [ID]) { scopedConfigVariables(id_In: $i) { nodes { stableKey } } }",
                    {"i": [keys[0]["id"]]})["scopedConfigVariables"]["nodes"]
    assert by_id == [{"stableKey": keys[0]["stableKey"]}]


def test_components_list_connections_and_their_input_definitions(us: Api) -> None:
    components = us.data(
        '{ components(key: "sftp") { nodes { key label connections { nodes { key label '
        "oauth2Type component { key } inputs { nodes { key label type required shown default "
        "comments } } } } } } }")["components"]["nodes"]
    (sftp,) = components
    basic = next(c for c in sftp["connections"]["nodes"] if c["key"] == "basic")
    assert basic["component"]["key"] == "sftp" and basic["oauth2Type"] is None
    inputs = {i["key"]: i for i in basic["inputs"]["nodes"]}
    assert inputs["password"]["type"] == "PASSWORD" and inputs["password"]["required"]
    assert inputs["port"]["default"] == "22"
    assert inputs["strictHostKeyChecking"]["type"] == "BOOLEAN"
    assert not inputs["directory"]["required"]

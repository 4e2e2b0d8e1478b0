"""The three requests of Prismatic's "Organization-Activated Connections" page, verbatim."""

from __future__ import annotations

import base64
from collections.abc import Callable

from orgconn.sandbox import RunningSandbox
from tests.sandbox.sandbox_api import Api

FETCH_CONNECTION = """query {
scopedConfigVariables(stableKey: "acme-api-key") {
nodes {
id
key
stableKey
connection {
inputs {
nodes {
id
key
}
}
}
}
}
}"""

FETCH_CUSTOMER = """query {
customers(externalId: "my-external-id") {
nodes {
id
name
}
}
}"""

CREATE_VALUES = """mutation {
createCustomerConfigVariable(
input: {
scopedConfigVariable: "U2NvcGVkQ29uZmlnVmFyaWFibGU6NjIzZjM2NWItMzc3Ny00MWRkLWEyODAtNTBjNjliMjQyMGQ4"
customer: "Q3VzdG9tZXI6NzFlY2NiYzQtYjc5OC00YzQzLWIzZDAtZjdmYzE5OTEyYzlj"
inputs: [{ value: "Testing", name: "apiKey", type: "value" }]
}
) {
customerConfigVariable {
id
}
errors {
field
messages
}
}
}"""


def test_fetching_the_connection_gives_an_id_starting_U2Nvc_and_its_input_keys(us: Api) -> None:
    nodes = us.data(FETCH_CONNECTION)["scopedConfigVariables"]["nodes"]
    assert [n["stableKey"] for n in nodes] == ["acme-api-key"]
    assert nodes[0]["id"].startswith("U2Nvc")
    assert base64.b64decode(nodes[0]["id"]).decode().startswith("ScopedConfigVariable:")
    keys = [i["key"] for i in nodes[0]["connection"]["inputs"]["nodes"]]
    assert "apiKey" in keys


def test_fetching_the_customer_gives_an_id_starting_Q3Vzd(us: Api) -> None:
    nodes = us.data(FETCH_CUSTOMER)["customers"]["nodes"]
    assert len(nodes) == 1 and nodes[0]["name"]
    assert nodes[0]["id"].startswith("Q3Vzd")
    assert base64.b64decode(nodes[0]["id"]).decode().startswith("Customer:")


def test_the_ids_on_the_page_are_the_ids_the_first_tenant_serves(us: Api) -> None:
    connection_id = us.data(FETCH_CONNECTION)["scopedConfigVariables"]["nodes"][0]["id"]
    customer_id = us.data(FETCH_CUSTOMER)["customers"]["nodes"][0]["id"]
    assert f'scopedConfigVariable: "{connection_id}"' in CREATE_VALUES
    assert f'customer: "{customer_id}"' in CREATE_VALUES


def test_the_mutation_creates_the_values_once_and_refuses_a_second_create(
        fresh_sandbox: RunningSandbox, api_for: Callable[..., Api]) -> None:
    api = api_for(fresh_sandbox)
    first = api.data(CREATE_VALUES)["createCustomerConfigVariable"]
    assert first["errors"] == []
    assert base64.b64decode(first["customerConfigVariable"]["id"]).decode().startswith(
        "CustomerConfigVariable:")
    second = api.data(CREATE_VALUES)["createCustomerConfigVariable"]
    assert second["customerConfigVariable"] is None
    assert [e["field"] for e in second["errors"]] == ["__all__"]
    assert "already exists" in second["errors"][0]["messages"][0]


def test_the_page_ids_do_not_exist_in_the_other_tenant(eu: Api) -> None:
    eu_connection = eu.data(FETCH_CONNECTION)["scopedConfigVariables"]["nodes"][0]["id"]
    eu_customer = eu.data(FETCH_CUSTOMER)["customers"]["nodes"][0]["id"]
    assert eu_connection.startswith("U2Nvc") and eu_customer.startswith("Q3Vzd")
    assert eu_connection not in CREATE_VALUES and eu_customer not in CREATE_VALUES

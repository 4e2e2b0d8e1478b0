"""A definition written the way Prismatic's provisioning script writes it (uppercase meta) is
served as written by the sandbox and read right by orgconn."""

from __future__ import annotations

import json
from typing import Any

import httpx

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.models import InputScope
from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import Status, cell_status

GLOBAL = json.dumps({"managedBy": "ORG", "inputScope": "ORG"})
PER_CUSTOMER = json.dumps({"managedBy": "ORG", "inputScope": "CUSTOMER"})


def _graphql(box: RunningSandbox, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{box.stack_url('us')}/api", json={"query": query, "variables": variables},
                        headers={"Authorization": f"Bearer {box.token('us')}"}, timeout=10)
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def _create_like_prismatic_script(box: RunningSandbox) -> str:
    """An SFTP definition whose host and port are global, in the script's uppercase meta."""
    components = _graphql(box, '{ components(key: "sftp") { nodes { connections { nodes '
                               '{ id key } } } } }', {})
    (basic,) = [c for c in components["components"]["nodes"][0]["connections"]["nodes"]
                if c["key"] == "basic"]
    inputs = [{"name": "host", "type": "value", "value": "sftp.upper.example", "meta": GLOBAL},
              {"name": "port", "type": "value", "value": "22", "meta": GLOBAL},
              {"name": "username", "type": "value", "meta": PER_CUSTOMER},
              {"name": "password", "type": "value", "meta": PER_CUSTOMER}]
    created = _graphql(box, """
        mutation($input: CreateScopedConfigVariableInput!) {
          createScopedConfigVariable(input: $input) {
            scopedConfigVariable { id inputs { nodes { name meta } } } errors { field messages }
          }
        }""", {"input": {"key": "Upper SFTP", "stableKey": "upper-sftp",
                         "variableScope": "customer", "managedBy": "org",
                         "connection": basic["id"], "inputs": inputs}})
    payload = created["createScopedConfigVariable"]
    assert payload["errors"] == []
    served = {e["name"]: e["meta"] for e in payload["scopedConfigVariable"]["inputs"]["nodes"]}
    assert served["host"] == GLOBAL and served["username"] == PER_CUSTOMER  # exactly as sent
    return str(payload["scopedConfigVariable"]["id"])


def test_a_global_input_with_uppercase_meta_is_global_and_never_reported_missing(
        fresh_sandbox: RunningSandbox) -> None:
    scv_id = _create_like_prismatic_script(fresh_sandbox)
    customer = _graphql(fresh_sandbox, '{ customers(externalId: "cust-00002") { nodes { id } } }',
                        {})["customers"]["nodes"][0]["id"]
    _graphql(fresh_sandbox, """
        mutation($input: CreateCustomerConfigVariableInput!) {
          createCustomerConfigVariable(input: $input) { errors { field messages } }
        }""", {"input": {"scopedConfigVariable": scv_id, "customer": customer, "inputs": [
        {"name": "username", "type": "value", "value": "northwind_svc"},
        {"name": "password", "type": "value", "value": "canary-upper"}]}})
    tenant = TenantConfig(name="us", url=fresh_sandbox.stack_url("us"),
                          token=fresh_sandbox.token("us"))
    with PrismaticClient(tenant) as client:
        (connection,) = client.org_connections(["upper-sftp"])
        (values,) = client.customer_values(stable_key="upper-sftp")
    scopes = {i.key: i.scope for i in connection.inputs}
    assert scopes["host"] is InputScope.ORG and scopes["port"] is InputScope.ORG
    assert scopes["username"] is InputScope.CUSTOMER
    assert [i.key for i in connection.per_customer_inputs] == ["username", "password",
                                                                "directory",
                                                                "strictHostKeyChecking"]
    assert cell_status(connection, values) == (Status.COMPLETE, [])


def test_the_scope_of_meta_is_read_in_any_case() -> None:
    for spelled in ("org", "ORG", "Org"):
        assert InputScope.of(spelled, InputScope.CUSTOMER) is InputScope.ORG
    assert InputScope.of("CUSTOMER", InputScope.ORG) is InputScope.CUSTOMER
    assert InputScope.of(None, InputScope.ORG) is InputScope.ORG
    assert InputScope.of("elsewhere", InputScope.CUSTOMER) is InputScope.CUSTOMER

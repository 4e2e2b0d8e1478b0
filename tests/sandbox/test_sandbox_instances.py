"""Integrations that use org-activated connections and customers' instances of them."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from orgconn.sandbox import RunningSandbox
from orgconn.sandbox.db import connect
from orgconn.sandbox.seed import anchor_for
from orgconn.sandbox.seed_writer import seed_tenant
from orgconn.sandbox.tenants import tenant_path
from tests.sandbox.sandbox_api import Api, find_scv

INSTANCES = """query($id: ID!, $customer: ID, $enabled: Boolean, $failed: Boolean) {
  scopedConfigVariable(id: $id) {
    instances(customer: $customer, enabled: $enabled, inFailedState: $failed, first: 100,
              sortBy: [{field: CREATED_AT, direction: ASC}]) {
      totalCount
      nodes { id name enabled inFailedState needsDeploy lastDeployedAt
              customer { id externalId } integration { id name } }
    }
  }
}"""
VALUES_OF = """query($k: String) { customerConfigVariables(scopedConfigVariable_StableKey: $k,
  isTest: false, first: 100) { nodes { id isInUse customer { id } } } }"""
CUSTOMER_INSTANCES = """query($id: ID!) { customer(id: $id) {
  instances(first: 100) { totalCount nodes { id integration { name } } } } }"""
DELETE = """mutation($id: ID!) { deleteCustomerConfigVariable(input: {id: $id}) {
  errors { field messages } } }"""


def instances(api: Api, stable_key: str, **filters: Any) -> list[dict[str, Any]]:
    scv = find_scv(api, stable_key)
    page = api.data(INSTANCES, {"id": scv["id"], **filters})["scopedConfigVariable"]["instances"]
    assert page["totalCount"] == len(page["nodes"])
    return page["nodes"]  # type: ignore[no-any-return]


def customers_with_values(api: Api, stable_key: str) -> set[str]:
    nodes = api.data(VALUES_OF, {"k": stable_key})["customerConfigVariables"]["nodes"]
    return {n["customer"]["id"] for n in nodes}


def test_a_customer_without_values_is_listed_with_the_instances_that_use_the_connection(
        us: Api) -> None:
    configured = customers_with_values(us, "billing-api")
    gap = next(i for i in instances(us, "billing-api") if i["customer"]["id"] not in configured)
    own = instances(us, "billing-api", customer=gap["customer"]["id"])
    assert gap["id"] in {i["id"] for i in own}
    assert {i["customer"]["id"] for i in own} == {gap["customer"]["id"]}


def test_enabled_and_failed_state_filters_split_the_instances_by_those_fields(us: Api) -> None:
    every = instances(us, "sftp-drop")
    enabled = instances(us, "sftp-drop", enabled=True)
    failing = instances(us, "sftp-drop", failed=True)
    assert enabled and len(enabled) < len(every) and all(i["enabled"] for i in enabled)
    assert failing and all(i["inFailedState"] for i in failing)
    assert {i["id"] for i in every if i["enabled"]} == {i["id"] for i in enabled}


def test_a_connection_lists_the_integrations_that_use_it_and_its_instances_deploy_them(
        us: Api) -> None:
    names = {n["name"] for n in us.data(
        'query($id: ID!) { scopedConfigVariable(id: $id) { integrations { nodes { name } } } }',
        {"id": find_scv(us, "acme-api-key")["id"]})["scopedConfigVariable"]["integrations"][
        "nodes"]}
    assert names == {"Acme → NetSuite sync", "Acme usage export"}
    assert {i["integration"]["name"] for i in instances(us, "acme-api-key")} <= names
    assert instances(us, "crm-sync") == []


def test_a_customers_instances_include_those_that_lack_the_connections_values(us: Api) -> None:
    configured = customers_with_values(us, "customer-warehouse")
    gap = next(i for i in instances(us, "customer-warehouse")
               if i["customer"]["id"] not in configured)
    page = us.data(CUSTOMER_INSTANCES, {"id": gap["customer"]["id"]})["customer"]["instances"]
    assert gap["id"] in {n["id"] for n in page["nodes"]} and page["totalCount"] == len(
        page["nodes"])


def test_a_customer_argument_of_another_type_is_refused_with_what_was_expected(us: Api) -> None:
    scv = find_scv(us, "sftp-drop")
    messages = us.errors(INSTANCES, {"id": scv["id"], "customer": scv["id"]})
    assert "expected a Customer ID" in messages[0]


def test_deleting_values_keeps_the_instances_that_use_the_connection(
        api_for: Any, fresh_sandbox: RunningSandbox) -> None:
    api = api_for(fresh_sandbox)
    used = next(n for n in api.data(VALUES_OF, {"k": "billing-api"})[
        "customerConfigVariables"]["nodes"] if n["isInUse"])
    customer_id = used["customer"]["id"]
    before = {i["id"] for i in instances(api, "billing-api", customer=customer_id)}
    with sqlite3.connect(tenant_path(fresh_sandbox.data_dir, "us")) as conn:  # undeploy them
        conn.execute("UPDATE instances SET deployed_at = NULL")
    conn.close()
    assert api.data(DELETE, {"id": used["id"]})["deleteCustomerConfigVariable"]["errors"] == []
    assert customer_id not in customers_with_values(api, "billing-api")
    after = {i["id"] for i in instances(api, "billing-api", customer=customer_id)}
    assert before and after == before


def gap_impact(path: Path, tenant: str, primary: bool) -> Counter[str]:
    """Per (connection, customer lacking values): what its instances are, counted by kind."""
    conn = connect(path)
    conn.execute("BEGIN")
    seed_tenant(conn, tenant=tenant, primary=primary, seed=1, customers=200,
                anchor=anchor_for(None))
    conn.execute("COMMIT")
    rows = conn.execute("""
        SELECT s.stable_key, c.id, COUNT(i.id), COALESCE(SUM(i.enabled), 0),
               COALESCE(SUM(i.in_failed_state), 0)
        FROM scoped_config_variables s CROSS JOIN customers c
        LEFT JOIN connection_instances i ON i.scv_id = s.id AND i.customer_id = c.id
        WHERE s.variable_scope = 'CUSTOMER' AND s.managed_by = 'ORG' AND NOT c.is_system
          AND NOT EXISTS (SELECT 1 FROM customer_config_variables v
                          WHERE v.scv_id = s.id AND v.customer_id = c.id)
        GROUP BY s.stable_key, c.id""").fetchall()
    conn.close()
    kinds: Counter[str] = Counter()
    for _, _, count, enabled, failing in rows:
        kinds["failing" if failing else "enabled" if enabled else "disabled" if count
              else "none"] += 1
    return kinds


def test_some_gaps_block_failing_instances_some_enabled_ones_some_disabled_ones_some_none(
        tmp_path: Path) -> None:
    us = gap_impact(tmp_path / "us.sqlite3", "us", True)
    eu = gap_impact(tmp_path / "eu.sqlite3", "eu", False)
    for kinds in (us, eu):
        assert all(kinds[k] > 0 for k in ("failing", "enabled", "disabled", "none")), kinds
        assert kinds["none"] > kinds["failing"] + kinds["enabled"] + kinds["disabled"]
    assert us != eu
    assert gap_impact(tmp_path / "again.sqlite3", "us", True) == us


def test_most_customers_have_instances_of_some_integration(us: Api) -> None:
    customers = us.all_pages("customers", "id instances(first: 1) { totalCount }",
                             "isSystem: false")
    with_instances = [c for c in customers if c["instances"]["totalCount"]]
    assert len(with_instances) > len(customers) / 2


def test_a_connection_whose_customers_have_no_values_left_is_still_in_use_by_its_instances(
        api_for: Any, fresh_sandbox: RunningSandbox) -> None:
    api = api_for(fresh_sandbox)
    scv = find_scv(api, "customer-warehouse")
    with sqlite3.connect(tenant_path(fresh_sandbox.data_dir, "us")) as conn:
        conn.execute("DELETE FROM customer_config_variables WHERE scv_id = (SELECT id FROM "
                     "scoped_config_variables WHERE stable_key = 'customer-warehouse')")
    conn.close()
    assert customers_with_values(api, "customer-warehouse") == set()
    assert instances(api, "customer-warehouse")
    use = api.data('query($id: ID!) { scopedConfigVariable(id: $id) { isInUse '
                   'hasDeployedInstances allowRemove } }', {"id": scv["id"]})
    assert use["scopedConfigVariable"] == {"isInUse": True, "hasDeployedInstances": True,
                                           "allowRemove": False}

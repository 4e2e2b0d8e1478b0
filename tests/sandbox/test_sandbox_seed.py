"""The demo data has the documented shape (see orgconn.sandbox.seed) and is deterministic."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from orgconn.sandbox import RunningSandbox
from tests.sandbox.sandbox_api import Api

ORG_ACTIVATED = ["acme-api-key", "billing-api", "crm-sync", "customer-warehouse", "sftp-drop",
                 "webhook-signing"]
SCVS = ('{ scopedConfigVariables(sortBy: [{field: KEY, direction: ASC}]) { nodes { stableKey '
        "variableScope managedBy inputs { nodes { name value meta } } } } }")
VALUES = ("id isTest status lastConfiguredAt isInUse hasDeployedInstances customer { externalId }"
          " scopedConfigVariable { stableKey managedBy variableScope } "
          "inputs { nodes { name value hasValue } }")


def scvs(api: Api) -> dict[str, dict[str, Any]]:
    return {n["stableKey"]: n for n in api.data(SCVS)["scopedConfigVariables"]["nodes"]}


def scopes(scv: dict[str, Any]) -> dict[str, str]:
    return {i["name"]: json.loads(i["meta"])["inputScope"] for i in scv["inputs"]["nodes"]}


def values(api: Api) -> list[dict[str, Any]]:
    return api.all_pages("customerConfigVariables", VALUES,
                         "sortBy: [{field: CREATED_AT, direction: ASC}]")


def org_values(api: Api, stable_key: str) -> list[dict[str, Any]]:
    return [v for v in values(api) if v["scopedConfigVariable"]["stableKey"] == stable_key]


def test_six_org_activated_connections_in_us_and_five_in_eu(us: Api, eu: Api) -> None:
    def org_activated(api: Api) -> list[str]:
        return sorted(k for k, n in scvs(api).items()
                      if (n["variableScope"], n["managedBy"]) == ("CUSTOMER", "ORG"))

    assert org_activated(us) == ORG_ACTIVATED
    assert org_activated(eu) == [k for k in ORG_ACTIVATED if k != "crm-sync"]


def test_each_tenant_has_connections_orgconn_must_leave_alone(us: Api, eu: Api) -> None:
    for api in (us, eu):
        kinds = Counter((n["variableScope"], n["managedBy"]) for n in scvs(api).values())
        assert kinds[("ORG", "ORG")] >= 2 and kinds[("CUSTOMER", "CUSTOMER")] >= 2
        managed_by_customers = [v for v in values(api)
                                if v["scopedConfigVariable"]["managedBy"] == "CUSTOMER"]
        assert managed_by_customers


def test_baseUrl_is_global_in_us_and_per_customer_in_eu(us: Api, eu: Api) -> None:
    us_key, eu_key = scvs(us)["acme-api-key"], scvs(eu)["acme-api-key"]
    assert scopes(us_key)["baseUrl"] == "org" and scopes(eu_key)["baseUrl"] == "customer"
    assert scopes(us_key)["apiKey"] == scopes(eu_key)["apiKey"] == "customer"
    global_value = next(i["value"] for i in us_key["inputs"]["nodes"] if i["name"] == "baseUrl")
    assert global_value.startswith("https://")


def test_some_customers_exist_in_one_tenant_only(us: Api, eu: Api) -> None:
    def external_ids(api: Api) -> set[str]:
        return {n["externalId"] for n in api.all_pages("customers", "externalId",
                                                       "isSystem: false")}

    us_ids, eu_ids = external_ids(us), external_ids(eu)
    assert len(us_ids) == len(eu_ids) == 41  # 40 external IDs and None (two customers)
    assert us_ids - eu_ids and eu_ids - us_ids and "my-external-id" in us_ids & eu_ids


def test_two_customers_without_an_external_id_come_last_in_every_tenant(us: Api, eu: Api
                                                                        ) -> None:
    for api in (us, eu):
        customers = api.all_pages("customers", "name externalId createdAt",
                                  "isSystem: false, sortBy: [{field: CREATED_AT, direction: ASC}]")
        assert len(customers) == 42
        assert [(c["name"], c["externalId"]) for c in customers[-2:]] == [
            ("Lakeside Veterinary Clinic", None), ("Old Mill Bakery", None)]
        assert all(c["externalId"] for c in customers[:-2])


def test_customers_have_segment_labels_and_were_created_over_months(us: Api) -> None:
    customers = us.all_pages("customers", "labels createdAt", "isSystem: false")
    tiers = {label for c in customers for label in c["labels"] if label.startswith("tier:")}
    regions = {label for c in customers for label in c["labels"] if label.startswith("region:")}
    assert tiers == {"tier:enterprise", "tier:growth", "tier:starter"}
    assert regions == {"region:na", "region:emea", "region:apac"}
    created = sorted(datetime.fromisoformat(c["createdAt"]) for c in customers)
    assert created[-1] - created[0] > timedelta(days=200)


def test_coverage_differs_per_connection_like_a_rollout(us: Api) -> None:
    rows = [v for v in values(us) if not v["isTest"]
            and v["scopedConfigVariable"]["managedBy"] == "ORG"]
    coverage = Counter(v["scopedConfigVariable"]["stableKey"] for v in rows)
    assert coverage["acme-api-key"] >= 35 and coverage["crm-sync"] <= 10
    assert len(set(coverage.values())) >= 4
    assert {"ERROR", "FAILED"} <= {v["status"] for v in rows}
    assert any(v["isInUse"] for v in rows) and any(not v["isInUse"] for v in rows)
    configured = sorted(datetime.fromisoformat(v["lastConfiguredAt"]) for v in rows)
    assert configured[-1] - configured[0] > timedelta(days=90)


def test_billing_values_configured_before_accountNumber_existed_lack_it(us: Api) -> None:
    billing = [v for v in org_values(us, "billing-api") if not v["isTest"]]
    with_account = [v for v in billing
                    if "accountNumber" in {i["name"] for i in v["inputs"]["nodes"]}]
    assert 0 < len(with_account) < len(billing)


def test_test_credentials_exist_for_some_connections_only(us: Api) -> None:
    tested = {v["scopedConfigVariable"]["stableKey"] for v in values(us) if v["isTest"]}
    assert "acme-api-key" in tested and "customer-warehouse" not in tested
    assert all(v["customer"] is None for v in values(us) if v["isTest"])


def test_every_seeded_password_value_contains_canary(us: Api) -> None:
    secrets = {"apiKey", "password", "signingSecret", "accessToken", "apiToken", "webhookUrl"}
    found = [i["value"] for v in values(us) for i in v["inputs"]["nodes"] if i["name"] in secrets]
    found += [i["value"] for n in scvs(us).values() for i in n["inputs"]["nodes"]
              if i["name"] in secrets and i["value"]]
    assert found and all("canary-" in value for value in found)


def test_my_external_id_has_no_acme_api_key_value_yet(us: Api) -> None:
    holders = {v["customer"]["externalId"] for v in org_values(us, "acme-api-key")
               if not v["isTest"]}
    assert "my-external-id" not in holders and "cust-00002" in holders


def test_the_seed_is_a_function_of_seed_and_customers(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api], us: Api) -> None:
    def fingerprint(api: Api) -> list[tuple[Any, ...]]:
        return [(v["id"], v["status"], v["customer"] and v["customer"]["externalId"],
                 tuple((i["name"], i["value"]) for i in v["inputs"]["nodes"]))
                for v in values(api)]

    same = api_for(make_sandbox(tenants=("us",)))
    other = api_for(make_sandbox(tenants=("us",), seed=2))
    assert fingerprint(same) == fingerprint(us)
    assert fingerprint(other) != fingerprint(us)

"""What Prismatic's own clients (prism, its provisioning script) select and send: customers'
own definitions, defaultForComponent, component versions and search, meta in uppercase."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from orgconn.sandbox import RunningSandbox
from tests.sandbox.sandbox_api import Api, find_scv
from tests.sandbox.test_sandbox_connection_mutations import CREATE, UPDATE, run, sftp_payload

LIST = """query($c: Boolean) { scopedConfigVariables(includeCustomer: $c) {
  nodes { id stableKey defaultForComponent customer { externalId } } } }"""
COMPONENTS = """query($a: Boolean, $f: JSONString) {
  components(allVersions: $a, filterQuery: $f) { nodes { key public versionNumber
    versionCreatedAt category customer { id } } } }"""


@pytest.fixture
def api(fresh_sandbox: RunningSandbox, api_for: Callable[..., Api]) -> Api:
    return api_for(fresh_sandbox)


def listed(api: Api, include_customer: bool | None = None) -> dict[str, dict[str, object]]:
    nodes = api.data(LIST, {"c": include_customer})["scopedConfigVariables"]["nodes"]
    return {n["stableKey"]: n for n in nodes}


def test_the_user_is_an_org_user_without_a_customer(us: Api) -> None:
    user = us.data("{ authenticatedUser { org { name } customer { id name } } }")
    assert user["authenticatedUser"] == {"org": {"name": "Acme SaaS"}, "customer": None}


def test_a_customer_s_own_definition_is_listed_only_with_include_customer(us: Api) -> None:
    default, everything = listed(us), listed(us, include_customer=True)
    assert "northwind-acme-key" not in default and listed(us, False) == default
    assert set(everything) == {*default, "northwind-acme-key"}
    assert everything["northwind-acme-key"]["customer"] == {"externalId": "cust-00002"}
    assert all(n["customer"] is None for n in default.values())


def test_default_for_component_is_seeded_differently_in_us_and_eu(us: Api, eu: Api) -> None:
    def on(api: Api) -> set[str]:
        return {k for k, n in listed(api).items() if n["defaultForComponent"]}

    assert on(us) == {"acme-api-key", "sftp-drop"}
    assert on(eu) == {"acme-api-key", "billing-api"}


def test_default_for_component_is_set_on_update_and_kept_when_not_given(api: Api) -> None:
    scv = find_scv(api, "webhook-signing")
    run(api, UPDATE, {"id": scv["id"], "defaultForComponent": True})
    assert listed(api)["webhook-signing"]["defaultForComponent"] is True
    run(api, UPDATE, {"id": scv["id"], "description": "still the default"})
    assert listed(api)["webhook-signing"]["defaultForComponent"] is True
    run(api, UPDATE, {"id": scv["id"], "defaultForComponent": False})
    assert listed(api)["webhook-signing"]["defaultForComponent"] is False


def test_a_definition_created_for_a_customer_belongs_to_it(api: Api) -> None:
    customer = api.data('{ customers(externalId: "cust-00004") { nodes { id } } }')
    result = run(api, CREATE, sftp_payload(api, customer=customer["customers"]["nodes"][0]["id"]))
    assert result["errors"] == []
    assert "partner-sftp" not in listed(api)
    assert listed(api, True)["partner-sftp"]["customer"] == {"externalId": "cust-00004"}


def test_meta_in_any_case_is_accepted_and_served_exactly_as_sent(api: Api) -> None:
    upper = json.dumps({"managedBy": "ORG", "inputScope": "ORG"})
    mixed = '{"inputScope":"Customer"}'
    inputs = [{"name": "host", "value": "sftp.x.example", "type": "value", "meta": upper},
              {"name": "port", "value": "22", "type": "value", "meta": upper},
              {"name": "username", "type": "value", "meta": mixed}]
    result = run(api, CREATE, sftp_payload(api, inputs=inputs))
    assert result["errors"] == []
    served = {e["name"]: e["meta"] for e in result["scopedConfigVariable"]["inputs"]["nodes"]}
    assert served["host"] == upper and served["port"] == upper and served["username"] == mixed
    assert json.loads(served["password"]) == {"managedBy": "org", "inputScope": "customer"}
    refused = run(api, CREATE, sftp_payload(api, stableKey="other", key="Other", inputs=[
        {"name": "host", "type": "value", "meta": '{"inputScope":"GLOBAL"}'}]))
    assert [e["field"] for e in refused["errors"]] == ["inputs"]


def test_components_list_latest_versions_unless_all_versions_are_asked(us: Api) -> None:
    latest = us.data(COMPONENTS)["components"]["nodes"]
    acme = sorted((c["public"], c["versionNumber"]) for c in latest if c["key"] == "acme")
    assert acme == [(False, 1), (True, 3)]
    every = us.data(COMPONENTS, {"a": True})["components"]["nodes"]
    versions = sorted(c["versionNumber"] for c in every if c["key"] == "acme" and c["public"])
    assert versions == [1, 2, 3] and len(every) == len(latest) + 2
    dates = {c["versionNumber"]: c["versionCreatedAt"] for c in every
             if c["key"] == "acme" and c["public"]}
    assert dates[1] < dates[2] < dates[3]
    assert all(c["category"] and c["customer"] is None for c in every)


def test_filter_query_searches_keys_and_labels_as_prism_sends_it(us: Api) -> None:
    search = json.dumps(["or", ["in", "key", "SFTP"], ["in", "label", "postgre"]])
    found = us.data(COMPONENTS, {"f": search})["components"]["nodes"]
    assert sorted(c["key"] for c in found) == ["postgres", "sftp"]
    assert us.errors(COMPONENTS, {"f": json.dumps(["like", "key", "x"])})

"""Prismatic's own CLI, unmodified, against a sandbox tenant's stack URL.

Each command is run as a user would (``PRISMATIC_URL`` = the stack URL, tokens in the
environment) and its output is checked against what the sandbox holds, read over GraphQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from orgconn.sandbox import RunningSandbox, SandboxSettings, start_sandbox
from tests.conformance.conftest import Prism
from tests.sandbox.test_sandbox_page_queries import (
    CREATE_VALUES,
    FETCH_CONNECTION,
    FETCH_CUSTOMER,
)

CUSTOMERS = 120  # more than a page of 100: prism's customers:list must follow endCursor


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox of this module (the page's mutation writes to it)."""
    settings = SandboxSettings(port=0, customers=CUSTOMERS,
                               data_dir=tmp_path_factory.mktemp("prism-sandbox"))
    with start_sandbox(settings) as running:
        yield running


def graphql(box: RunningSandbox, query: str) -> dict[str, Any]:
    """What the sandbox holds, read directly (not through prism)."""
    answer = httpx.post(f"{box.stack_url('us')}/api", json={"query": query},
                        headers={"Authorization": f"Bearer {box.token('us')}"}, timeout=10)
    return answer.json()["data"]  # type: ignore[no-any-return]


def run(prism: Prism, box: RunningSandbox, *args: str, **tokens: str) -> str:
    """prism's standard output; fails with its error output when it exits non-zero."""
    if not tokens:
        tokens = {"access_token": box.token("us"), "refresh_token": box.refresh_token("us")}
    done = prism.run(box.stack_url("us"), *args, **tokens)
    assert done.returncode == 0, f"prism {' '.join(args)}: {done.stderr or done.stdout}"
    return done.stdout


def test_prism_me_reaches_the_org_and_tenant_with_either_spelling_of_the_token(
        prism: Prism, box: RunningSandbox) -> None:
    for tokens in ({"access_token": box.token("us"), "refresh_token": box.refresh_token("us")},
                   {"access_token": "sandbox-us"}):
        out = run(prism, box, "me", **tokens)
        assert "Organization: Acme SaaS" in out and "Name: Sandbox Admin" in out
        assert f"Tenant ID: {box.tenant_id('us')}" in out
        assert f"Endpoint URL: {box.stack_url('us')}" in out


def test_prism_lists_every_customer_across_pages(prism: Prism, box: RunningSandbox) -> None:
    listed = json.loads(run(prism, box, "customers:list", "--output", "json", "--extended"))
    held = graphql(box, "{ customers(isSystem: false, first: 100) { totalCount } }")
    external_ids = [c["externalId"] for c in listed]
    # the seed's CUSTOMERS, and two customers without an external ID
    assert len(listed) == held["customers"]["totalCount"] == CUSTOMERS + 2
    assert len(set(external_ids)) == CUSTOMERS + 1 and "my-external-id" in external_ids
    assert sum(not e for e in external_ids) == 2  # prism prints them without one


def test_prism_lists_every_org_managed_connection_and_not_a_customer_s_own(
        prism: Prism, box: RunningSandbox) -> None:
    listed = json.loads(run(prism, box, "organization:connections:list", "--managed-by", "org",
                            "--output", "json"))
    held = graphql(box, '{ scopedConfigVariables(managedBy: "org", variableScope: "customer") '
                        "{ nodes { stableKey } } }")
    org_activated = {n["stableKey"] for n in held["scopedConfigVariables"]["nodes"]}
    keys = {row["stableKey"] for row in listed}
    assert org_activated and org_activated <= keys
    assert {"acme-api-key", "sftp-drop", "billing-api", "crm-sync"} <= keys
    assert "northwind-acme-key" not in keys  # a customer's own: only with includeCustomer
    assert {row["managedBy"] for row in listed} == {"ORG"}
    assert {row["customer"] for row in listed} == {"N/A"}


def test_prism_lists_components_telling_apart_a_public_and_a_private_acme(
        prism: Prism, box: RunningSandbox) -> None:
    latest = json.loads(run(prism, box, "components:list", "--output", "json", "--extended"))
    acme = sorted((row["public"], row["versionNumber"]) for row in latest if row["key"] == "acme")
    assert acme == [("false", "1"), ("true", "3")]
    every = json.loads(run(prism, box, "components:list", "--showAllVersions", "--search",
                           "acme", "--output", "json", "--extended"))
    versions = sorted((r["public"], r["versionNumber"]) for r in every if r["key"] == "acme")
    assert versions == [("false", "1"), ("true", "1"), ("true", "2"), ("true", "3")]
    assert all("acme" in f"{r['key']} {r['label']}".lower() for r in every)
    assert len(every) < len(latest) + 2  # the search left the other components out


def test_prism_runs_the_pages_three_operations_and_the_second_create_is_refused(
        prism: Prism, box: RunningSandbox) -> None:
    found = json.loads(run(prism, box, "graphql:query", FETCH_CONNECTION))
    (connection,) = found["scopedConfigVariables"]["nodes"]
    assert connection["id"].startswith("U2Nvc") and connection["stableKey"] == "acme-api-key"
    customer = json.loads(run(prism, box, "graphql:query", FETCH_CUSTOMER))
    assert customer["customers"]["nodes"][0]["id"].startswith("Q3Vzd")
    created = json.loads(run(prism, box, "graphql:query", CREATE_VALUES))
    assert created["createCustomerConfigVariable"]["customerConfigVariable"]["id"]
    again = prism.run(box.stack_url("us"), "graphql:query", CREATE_VALUES,
                      access_token=box.token("us"), refresh_token=box.refresh_token("us"))
    assert again.returncode != 0
    assert "GraphQL query failed" in again.stderr and "already" in again.stderr

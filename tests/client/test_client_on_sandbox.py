"""Every client operation against the sandbox over loopback HTTP (reads on the shared sandbox,
writes on a fresh one)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest
from pydantic import SecretStr

from orgconn.client import (
    AsyncPrismaticClient,
    AuthError,
    InvalidValuesError,
    PayloadError,
    PrismaticClient,
)
from orgconn.config import TenantConfig
from orgconn.models import InputScope, OrgConnection
from orgconn.secrets import fingerprint


def tenant_of(sandbox: Any, name: str = "us", **overrides: Any) -> TenantConfig:
    """The TenantConfig that reaches tenant ``name`` of a running sandbox."""
    fields = {"name": name, "url": sandbox.stack_url(name), "token": sandbox.token(name)}
    fields.update(overrides)
    return TenantConfig.model_validate(fields)


@pytest.fixture(scope="module")
def us(sandbox: Any) -> Any:
    with PrismaticClient(tenant_of(sandbox)) as client:
        yield client


@pytest.fixture
def writer(fresh_sandbox: Any) -> Any:
    with PrismaticClient(tenant_of(fresh_sandbox)) as client:
        yield client


def by_key(connections: list[OrgConnection]) -> dict[str, OrgConnection]:
    return {c.stable_key: c for c in connections}


# ---------------------------------------------------------------------------------- reads

def test_whoami_names_the_org_and_tenant(us, sandbox):
    who = us.whoami()
    assert who.org_name == "Acme SaaS" and who.tenant_id == sandbox.tenant_id("us")
    assert "@" in who.email


def test_org_activated_connections_come_with_inputs_scopes_and_global_values(us):
    connections = by_key(us.org_connections())
    assert len(connections) >= 4
    assert all(c.is_org_activated_customer for c in connections.values())
    acme = connections["acme-api-key"]
    api_key = acme.input("apiKey")
    assert api_key is not None and api_key.is_per_customer and api_key.is_secret
    assert acme.connection_id and acme.component_label and acme.name
    globals_ = {i.key: i.global_value for i in acme.global_inputs}
    assert "baseUrl" in globals_ and globals_["baseUrl"] is not None
    assert globals_["baseUrl"].display.startswith("https://")


def test_a_customers_own_definition_is_read_with_its_owner_only_among_all_connections(us):
    owned = [c for c in us.all_connections() if c.owner is not None]
    assert [(c.stable_key, c.owner.external_id) for c in owned if c.owner] == [
        ("northwind-acme-key", "cust-00002")]
    assert owned[0].is_org_activated_customer
    assert "northwind-acme-key" not in {c.stable_key for c in us.org_connections()}


def test_default_for_component_is_read_as_the_seed_sets_it(us):
    defaults = {c.stable_key: c.default_for_component for c in us.org_connections()}
    assert defaults["acme-api-key"] and defaults["sftp-drop"] and not defaults["billing-api"]


def test_org_connections_can_be_limited_to_stable_keys(us):
    picked = us.org_connections(stable_keys=["acme-api-key", "sftp-drop"])
    assert sorted(c.stable_key for c in picked) == ["acme-api-key", "sftp-drop"]


def test_all_connections_include_the_kinds_orgconn_leaves_alone(us):
    every = us.all_connections()
    others = [c for c in every if not c.is_org_activated_customer]
    owned = [c for c in every if c.owner is not None]
    assert others and len(every) == len(others) + len(owned) + len(us.org_connections())
    kinds = {(c.variable_scope, c.managed_by) for c in others}
    assert kinds == {("ORG", "ORG"), ("CUSTOMER", "CUSTOMER")}
    secret_globals = [i.global_value for c in others for i in c.global_inputs
                      if i.is_secret and i.global_value is not None]
    assert secret_globals and all(isinstance(v.value, SecretStr) for v in secret_globals)
    assert all("canary-" not in repr(c) for c in every)


def test_a_connection_is_found_by_stable_key_or_id(us):
    acme = us.connection("acme-api-key")
    assert acme is not None and acme.stable_key == "acme-api-key"
    again = us.connection_by_id(acme.id)
    assert again is not None and again.id == acme.id
    assert us.connection("no-such-key") is None


def test_customers_are_listed_and_found_by_external_id(us):
    customers = us.customers()
    assert len(customers) == 42 and len({c.id for c in customers}) == 42  # 2 without ext. ID
    assert [c.name for c in customers if c.external_id is None] == [
        "Lakeside Veterinary Clinic", "Old Mill Bakery"]
    assert all(c.id.startswith("Q3Vzd") for c in customers)
    found = us.customer("my-external-id")
    assert found is not None and found.external_id == "my-external-id"
    part = found.name.split()[0].lower()
    assert found.id in {c.id for c in us.customers(name_contains=part)}
    assert us.customer("nobody-has-this-id") is None


def test_all_customer_values_agree_with_the_per_connection_streams(us):
    everything = us.customer_values()
    assert everything and not any(v.is_test for v in everything)
    per_key = Counter(v.stable_key for v in everything)
    acme = us.connection("acme-api-key")
    assert acme is not None
    by_id = us.customer_values(connection_id=acme.id)
    by_stable_key = us.customer_values(stable_key="acme-api-key")
    assert len(by_id) == len(by_stable_key) == per_key["acme-api-key"]
    assert {v.id for v in by_id} == {v.id for v in by_stable_key}
    assert all(v.customer is not None for v in by_id)


def test_one_customers_values_span_connections(us):
    customer = us.customer("my-external-id")
    assert customer is not None
    values = us.customer_values(customer_id=customer.id)
    assert all(v.customer is not None and v.customer.id == customer.id for v in values)
    assert len({v.stable_key for v in values}) == len(values)


def test_value_sets_are_read_again_by_their_ids_only_those_and_brief(us):
    everything = us.customer_values()
    chosen = everything[::3][:60]
    again = us.customer_values(ids=[v.id for v in chosen], brief=True)
    assert sorted(v.id for v in again) == sorted(v.id for v in chosen)
    before = {v.id: v for v in chosen}
    assert all({k: i.secret_value() for k, i in v.values.items()}
               == {k: i.secret_value() for k, i in before[v.id].values.items()} for v in again)
    assert all(v.last_configured_at is None for v in again)  # brief: not read


def test_seeded_secrets_are_secret_values_that_never_show(us, caplog):
    caplog.set_level(logging.DEBUG)
    acme = us.connection("acme-api-key")
    assert acme is not None
    values = us.customer_values(connection_id=acme.id)
    secrets = [v.values["apiKey"] for v in values if "apiKey" in v.values
               and v.values["apiKey"].has_value]
    assert secrets and all(isinstance(s.value, SecretStr) for s in secrets)
    assert any("canary-" in s.secret_value() for s in secrets)
    assert "canary-" not in repr(values) and "canary-" not in caplog.text


def test_snapshot_reads_the_same_data_as_the_separate_calls(sandbox):
    with PrismaticClient(tenant_of(sandbox)) as client:
        snapshot = client.read_tenant()
        requests = client.stats.requests
        assert {c.id for c in snapshot.connections} == {c.id for c in client.org_connections()}
        assert {c.id for c in snapshot.customers} == {c.id for c in client.customers()}
        assert {v.id for v in snapshot.customer_values} == {
            v.id for v in client.customer_values()}
    pages = (-(-len(snapshot.customer_values) // 100)) + 2
    assert requests <= pages + 1


def test_a_brief_snapshot_has_the_same_customers_and_values_with_only_what_a_plan_needs(us):
    full_snapshot = us.read_tenant(["acme-api-key"])
    brief_snapshot = us.read_tenant(["acme-api-key"], brief=True)
    full = {c.id: c for c in full_snapshot.customers}
    brief = brief_snapshot.customers

    assert {c.id: (c.name, c.external_id, c.labels, c.created_at) for c in brief} == {
        i: (c.name, c.external_id, c.labels, c.created_at) for i, c in full.items()}
    # what brief leaves out is there to leave out
    assert any(c.description for c in full.values())
    assert all(not c.description for c in brief)

    def plan_view(values):  # what a bulk plan reads of each value set (secrets fingerprinted)
        return {v.id: (v.stable_key, v.customer.external_id if v.customer else None, v.is_test,
                       {k: (i.has_value, fingerprint(i.secret_value(), b"t"))
                        for k, i in v.values.items()})
                for v in values}

    assert plan_view(brief_snapshot.customer_values) == plan_view(full_snapshot.customer_values)
    assert any(v.is_in_use and v.status for v in full_snapshot.customer_values)
    assert not any(v.is_in_use or v.status for v in brief_snapshot.customer_values)


def test_test_credentials_exist_for_some_connections_and_not_others(us):
    connections = by_key(us.org_connections())
    with_test = us.test_credentials(connections["acme-api-key"])
    assert with_test is not None and with_test.is_test and with_test.customer is None
    assert us.test_credentials(connections["customer-warehouse"].id) is None


def test_instance_counts_and_instances_using_values_agree(us):
    values = us.customer_values(stable_key="acme-api-key", with_instance_count=True)
    counted = [v for v in values if v.instance_count]
    assert counted and all(v.instance_count is not None for v in values)
    usage = us.instances_using(counted[0])
    assert usage.total == counted[0].instance_count == len(usage.instances)
    assert counted[0].has_deployed_instances


def test_components_list_connections_with_their_inputs(us):
    components = {c.key: c for c in us.components()}
    acme = us.connection("acme-api-key")
    assert acme is not None and acme.component_key in components
    connection = next(c for c in components[acme.component_key].connections
                      if c.id == acme.connection_id)
    assert {d.key for d in connection.inputs} >= {i.key for i in acme.inputs}


def test_the_eu_tenant_differs_from_us(sandbox):
    with PrismaticClient(tenant_of(sandbox, "eu")) as eu, \
            PrismaticClient(tenant_of(sandbox)) as us_client:
        eu_keys = {c.stable_key for c in eu.org_connections()}
        us_keys = {c.stable_key for c in us_client.org_connections()}
        assert eu_keys < us_keys
        eu_acme, us_acme = eu.connection("acme-api-key"), us_client.connection("acme-api-key")
        assert eu_acme is not None and us_acme is not None and eu_acme.id != us_acme.id
        assert [i.key for i in eu_acme.global_inputs] != [i.key for i in us_acme.global_inputs]


def test_a_refresh_token_alone_reaches_the_tenant(sandbox):
    tenant = tenant_of(sandbox, token=None, refresh_token=sandbox.refresh_token("us"),
                       tenant_id=sandbox.tenant_id("us"))
    with PrismaticClient(tenant) as client:
        assert client.whoami().org_name == "Acme SaaS"
        assert client.stats.refreshes == 1


def test_a_wrong_token_is_refused_with_the_tenants_name(sandbox):
    with PrismaticClient(tenant_of(sandbox, token="not-the-token")) as client, \
            pytest.raises(AuthError, match="'us'") as caught:
        client.whoami()
    assert caught.value.status == 401 and "not-the-token" not in str(caught.value)


def test_the_async_client_reads_what_the_sync_client_reads(sandbox):
    async def read() -> tuple[set[str], set[str]]:
        async with AsyncPrismaticClient(tenant_of(sandbox)) as client:
            snapshot, who = await asyncio.gather(client.read_tenant(), client.whoami())
            assert who.org_name == "Acme SaaS"
            return {c.id for c in snapshot.customers}, {v.id for v in snapshot.customer_values}

    customers, values = asyncio.run(read())
    with PrismaticClient(tenant_of(sandbox)) as client:
        assert customers == {c.id for c in client.customers()}
        assert values == {v.id for v in client.customer_values()}


# ---------------------------------------------------------------------------------- writes

def customer_without(client: PrismaticClient, connection: OrgConnection) -> str:
    have = {v.customer.id for v in client.customer_values(connection_id=connection.id)
            if v.customer}
    return next(c.id for c in client.customers() if c.id not in have)


def test_upsert_creates_updates_and_then_leaves_values_alone(writer):
    acme = writer.connection("acme-api-key")
    assert acme is not None
    customer = customer_without(writer, acme)
    created = writer.upsert_customer_values(acme, customer, {"apiKey": SecretStr("canary-k1")})
    assert created.action == "created" and created.values.id.startswith("Q3VzdG9tZXJDb25maWdW")
    updated = writer.upsert_customer_values(acme, customer, {"timeoutSeconds": "45"})
    assert updated.action == "updated"
    # the sandbox replaces inputs on update: the key survives because every input was sent
    assert updated.values.values["apiKey"].secret_value() == "canary-k1"
    assert updated.values.values["timeoutSeconds"].display == "45"
    again = writer.upsert_customer_values(acme, customer, {"timeoutSeconds": "45"})
    assert again.action == "unchanged"
    stored = writer.customer_values(connection_id=acme.id, customer_id=customer)
    assert len(stored) == 1 and stored[0].id == created.values.id


def test_a_second_create_for_the_same_customer_is_refused_with_a_field_error(writer):
    acme = writer.connection("acme-api-key")
    assert acme is not None
    customer = customer_without(writer, acme)
    writer.create_customer_values(acme, customer, {"apiKey": "k"})
    with pytest.raises(PayloadError) as caught:
        writer.create_customer_values(acme, customer, {"apiKey": "k2"})
    assert caught.value.errors and caught.value.errors[0].messages


def test_values_used_by_deployed_instances_cannot_be_deleted_but_others_can(writer):
    values = writer.customer_values(stable_key="acme-api-key")
    used = next(v for v in values if v.has_deployed_instances)
    with pytest.raises(PayloadError):
        writer.delete_customer_values(used)
    acme = writer.connection("acme-api-key")
    assert acme is not None
    fresh = writer.create_customer_values(acme, customer_without(writer, acme), {"apiKey": "k"})
    writer.delete_customer_values(fresh.id)
    assert writer.customer_values_by_id(fresh.id) is None


def test_update_customer_values_redeploys_on_request(writer):
    values = writer.customer_values(stable_key="acme-api-key")
    current = next(v for v in values if v.has_value("apiKey"))
    acme = writer.connection("acme-api-key")
    assert acme is not None
    updated = writer.update_customer_values(current, {"timeoutSeconds": "12"}, connection=acme,
                                            redeploy=True)
    assert updated.values["timeoutSeconds"].display == "12"
    assert updated.values["apiKey"] == current.values["apiKey"]
    assert updated.last_configured_at != current.last_configured_at


def test_test_credentials_are_created_and_then_updated(writer):
    warehouse = writer.connection("customer-warehouse")
    assert warehouse is not None and writer.test_credentials(warehouse) is None
    created = writer.set_test_credentials(warehouse, {"host": "db.test", "password": "pw-1"})
    assert created.action == "created" and created.values.is_test
    updated = writer.set_test_credentials(warehouse, {"port": "5433"})
    assert updated.action == "updated"
    now = writer.test_credentials(warehouse)
    assert now is not None and now.values["host"].display == "db.test"
    assert now.values["password"].secret_value() == "pw-1"


def test_a_new_org_connection_is_created_renamed_and_deleted(writer):
    candidates = [c for comp in writer.components() for c in comp.connections
                  if not c.is_oauth2 and len(c.inputs) >= 2]
    base = candidates[0]
    first, second = base.inputs[0].key, base.inputs[1].key
    created = writer.create_org_connection(
        base, name="Made by a test", stable_key="made-by-a-test", description="d",
        scopes={first: InputScope.ORG}, global_values={first: "global-value"})
    assert created.is_org_activated_customer and created.stable_key == "made-by-a-test"
    scopes = {i.key: i.scope for i in created.inputs}
    assert scopes[first] is InputScope.ORG and scopes[second] is InputScope.CUSTOMER
    assert "made-by-a-test" in {c.stable_key for c in writer.org_connections()}
    renamed = writer.update_org_connection(created, name="Renamed", description="new words")
    assert (renamed.name, renamed.description, renamed.stable_key) == (
        "Renamed", "new words", "made-by-a-test")
    writer.delete_org_connection(renamed)
    assert writer.connection("made-by-a-test") is None


def test_hidden_secrets_must_be_given_again_to_update(make_sandbox):
    sandbox = make_sandbox(write_only_secrets=True)
    with PrismaticClient(tenant_of(sandbox)) as client:
        acme = client.connection("acme-api-key")
        assert acme is not None
        current = next(v for v in client.customer_values(connection_id=acme.id)
                       if v.has_value("apiKey"))
        hidden = current.values["apiKey"]
        assert not hidden.is_readable and hidden.fingerprint(b"k") is None
        with pytest.raises(InvalidValuesError, match="apiKey"):
            client.update_customer_values(current, {"timeoutSeconds": "9"}, connection=acme)
        updated = client.update_customer_values(
            current, {"timeoutSeconds": "9", "apiKey": SecretStr("canary-again")},
            connection=acme)
        assert updated.values["timeoutSeconds"].display == "9"
        assert updated.has_value("apiKey")


def test_a_rate_limited_tenant_is_read_fully_by_honouring_retry_after(make_sandbox):
    sandbox = make_sandbox(rate_limit=3)
    with PrismaticClient(tenant_of(sandbox)) as client:
        for _ in range(3):
            assert len(client.customers()) == 42
            assert client.org_connections()
        assert client.stats.retries >= 1

"""Safe writes over MockTransport: every input sent, lost answers reconciled, nothing doubled."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from orgconn.client import InvalidValuesError, OutcomeUnknownError, PayloadError, PrismaticClient
from orgconn.models import ComponentConnection, InputDefinition, InputScope, OrgConnection
from tests.client.conftest import FAST, make_tenant
from tests.client.fake_prismatic import SECRET, FakePrismatic, lose_after_commit


def operations(fake: FakePrismatic) -> list[str]:
    return [json.loads(r.content)["operationName"] for r in fake.requests
            if r.url.path.endswith("/api")]


def sent_inputs(fake: FakePrismatic, operation: str) -> dict[str, str]:
    return {i["name"]: i["value"] for i in fake.sent(operation)[-1]["input"]["inputs"]}


@pytest.fixture
def acme(fake: FakePrismatic, client: PrismaticClient) -> OrgConnection:
    fake.add_connection(global_values={"baseUrl": "https://api.acme.test"})
    connection = client.connection("acme-api-key")
    assert connection is not None
    fake.requests.clear()
    return connection


@pytest.fixture
def globex(fake: FakePrismatic) -> str:
    return str(fake.add_customer("Globex", "globex")["id"])


def test_an_upsert_creates_missing_values_with_every_per_customer_input(fake, client, acme,
                                                                          globex):
    result = client.upsert_customer_values(acme, globex, {"apiKey": SecretStr(SECRET)})
    assert result.action == "created"
    assert sent_inputs(fake, "CreateCustomerValues") == {"apiKey": SECRET, "region": ""}
    assert fake.sent("CreateCustomerValues")[-1]["input"]["isTest"] is False
    assert result.values.values["apiKey"].secret_value() == SECRET
    assert result.values.customer is not None and result.values.customer.external_id == "globex"


def test_an_upsert_of_the_same_values_changes_nothing_and_sends_no_write(fake, client, acme,
                                                                         globex):
    client.upsert_customer_values(acme, globex, {"apiKey": "k1", "region": "eu"})
    fake.requests.clear()
    result = client.upsert_customer_values(acme, globex, {"apiKey": "k1", "region": "eu"})
    assert result.action == "unchanged"
    assert operations(fake) == ["CustomerValues"]


def test_an_update_sends_every_per_customer_input_merged_over_the_current_ones(fake, client,
                                                                              acme, globex):
    client.upsert_customer_values(acme, globex, {"apiKey": "k1", "region": "eu"})
    result = client.upsert_customer_values(acme, globex, {"region": "us"})
    assert result.action == "updated"
    assert sent_inputs(fake, "UpdateCustomerValues") == {"apiKey": "k1", "region": "us"}
    assert result.values.values["apiKey"].secret_value() == "k1"  # not cleared


def test_without_overwrite_only_unset_inputs_are_filled(fake, client, acme, globex):
    client.upsert_customer_values(acme, globex, {"apiKey": "k1"})
    result = client.upsert_customer_values(acme, globex, {"apiKey": "other", "region": "eu"},
                                           overwrite=False)
    assert result.action == "updated"
    assert sent_inputs(fake, "UpdateCustomerValues") == {"apiKey": "k1", "region": "eu"}


def test_a_create_whose_answer_is_lost_is_read_back_not_sent_twice(fake, client, acme, globex):
    fake.script("CreateCustomerValues", lose_after_commit)
    result = client.upsert_customer_values(acme, globex, {"apiKey": "k1"})
    assert result.action == "created"
    assert operations(fake) == ["CustomerValues", "CreateCustomerValues", "CustomerValues"]
    assert len(fake.values) == 1


def test_an_update_whose_answer_is_lost_is_read_back_not_sent_twice(fake, client, acme, globex):
    client.upsert_customer_values(acme, globex, {"apiKey": "k1"})
    fake.requests.clear()
    fake.script("UpdateCustomerValues", lose_after_commit)
    result = client.upsert_customer_values(acme, globex, {"region": "eu"})
    assert result.action == "updated" and result.values.values["region"].display == "eu"
    assert operations(fake) == ["CustomerValues", "UpdateCustomerValues", "CustomerValuesById"]


def test_an_update_lost_before_it_applied_is_sent_again_after_reading_back(fake, client, acme,
                                                                          globex):
    client.upsert_customer_values(acme, globex, {"apiKey": "k1"})
    fake.requests.clear()
    fake.script("UpdateCustomerValues", httpx.Response(502))
    result = client.upsert_customer_values(acme, globex, {"region": "eu"})
    assert result.values.values["region"].display == "eu"
    assert operations(fake) == ["CustomerValues", "UpdateCustomerValues", "CustomerValuesById",
                                "UpdateCustomerValues"]


def test_a_lost_update_is_judged_by_last_configured_at_when_secrets_are_hidden(fake, client,
                                                                              acme, globex):
    fake.hide_secrets = True
    client.upsert_customer_values(acme, globex, {"apiKey": "k1"})
    fake.requests.clear()
    fake.script("UpdateCustomerValues", lose_after_commit)
    result = client.upsert_customer_values(acme, globex, {"apiKey": "k2", "region": "eu"})
    assert result.action == "updated"
    assert operations(fake).count("UpdateCustomerValues") == 1
    assert fake.values[0]["inputs"]["nodes"][0]["value"] == "k2"


def test_a_hidden_secret_must_be_given_to_update_the_other_inputs(fake, client, acme, globex):
    client.upsert_customer_values(acme, globex, {"apiKey": "k1"})
    fake.hide_secrets = True
    with pytest.raises(InvalidValuesError, match=r"'apiKey'.*give a value for it too"):
        client.upsert_customer_values(acme, globex, {"region": "eu"})
    assert "UpdateCustomerValues" not in operations(fake)
    unchanged = client.upsert_customer_values(acme, globex, {"apiKey": "k9"}, overwrite=False)
    assert unchanged.action == "unchanged"


def test_a_create_refused_because_values_appeared_meanwhile_becomes_an_update(fake, client,
                                                                             acme, globex):
    def someone_else_first(f: FakePrismatic, request: httpx.Request) -> httpx.Response:
        scv = f.connections[0]
        customer = next(c for c in f.customers if c["id"] == globex)
        f.add_values(scv, customer, {"apiKey": "theirs", "region": "eu"})
        return f.answer(request)

    fake.script("CreateCustomerValues", someone_else_first)
    result = client.upsert_customer_values(acme, globex, {"apiKey": "mine"})
    assert result.action == "updated"
    assert sent_inputs(fake, "UpdateCustomerValues") == {"apiKey": "mine", "region": "eu"}
    assert len(fake.values) == 1


def test_a_delete_whose_answer_is_lost_is_not_sent_again(fake, client, acme, globex):
    created = client.upsert_customer_values(acme, globex, {"apiKey": "k1"}).values
    fake.requests.clear()
    fake.script("DeleteCustomerValues", lose_after_commit)
    client.delete_customer_values(created)
    assert operations(fake) == ["DeleteCustomerValues", "CustomerValuesById"]
    assert fake.values == []


def test_unknown_and_global_inputs_are_refused_before_sending(fake, client, acme, globex):
    with pytest.raises(InvalidValuesError, match=r"'apikey' is not an input.*apiKey, region"):
        client.upsert_customer_values(acme, globex, {"apikey": "x"})
    with pytest.raises(InvalidValuesError, match="'baseUrl' is a global input"):
        client.upsert_customer_values(acme, globex, {"baseUrl": "https://x.test"})
    assert operations(fake) == []


def test_payload_errors_carry_field_and_messages_without_the_secret(fake, client, acme, globex):
    fake.script("CreateCustomerValues", httpx.Response(200, json={"data": {
        "createCustomerConfigVariable": {"customerConfigVariable": None, "errors": [
            {"field": "inputs", "messages": [f"value {SECRET} is too long"]}]}}}))
    with pytest.raises(PayloadError) as caught:
        client.create_customer_values(acme, globex, {"apiKey": SecretStr(SECRET)})
    assert caught.value.errors[0].field == "inputs"
    assert "too long" in str(caught.value) and SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.errors)


def test_test_credentials_are_values_without_a_customer(fake, client, acme):
    assert client.test_credentials(acme) is None
    result = client.set_test_credentials(acme, {"apiKey": "test-key", "region": "eu"})
    assert result.action == "created"
    body = fake.sent("CreateCustomerValues")[-1]["input"]
    assert body["isTest"] is True and "customer" not in body
    again = client.test_credentials(acme)
    assert again is not None and again.is_test and again.customer is None
    assert client.set_test_credentials(acme, {"region": "us"}).action == "updated"


def test_an_update_that_changes_nothing_sends_nothing(fake, client, acme, globex):
    current = client.upsert_customer_values(acme, globex, {"apiKey": "k1"}).values
    fake.requests.clear()
    assert client.update_customer_values(current, {"apiKey": "k1"}, connection=acme) == current
    assert operations(fake) == []


def test_the_redeploy_flag_travels_with_the_update(fake, client, acme, globex):
    current = client.upsert_customer_values(acme, globex, {"apiKey": "k1"}).values
    client.update_customer_values(current, {"region": "eu"}, connection=acme, redeploy=True)
    assert fake.sent("UpdateCustomerValues")[-1]["input"]["redeploy"] is True


def wizard_connection() -> ComponentConnection:
    return ComponentConnection(
        id="Q29ubmVjdGlvbjox", key="sftp", label="SFTP", component_key="sftp",
        component_label="SFTP", inputs=tuple(InputDefinition(key=k, label=k, type=t) for k, t in
                                             (("host", "STRING"), ("apiKey", "PASSWORD"))))


def test_a_new_connection_is_created_with_scopes_in_meta_and_global_values(fake, client):
    created = client.create_org_connection(
        wizard_connection(), name="SFTP", stable_key="sftp-main",
        scopes={"host": InputScope.ORG}, global_values={"host": "sftp.acme.test"})
    inputs = {i["name"]: i for i in fake.sent("CreateOrgConnection")[-1]["input"]["inputs"]}
    assert json.loads(inputs["host"]["meta"]) == {"managedBy": "org", "inputScope": "org"}
    assert json.loads(inputs["apiKey"]["meta"])["inputScope"] == "customer"
    assert inputs["host"]["value"] == "sftp.acme.test" and inputs["apiKey"]["value"] == ""
    assert [i.key for i in created.global_inputs] == ["host"]
    assert created.is_org_activated_customer


def test_a_new_connection_whose_answer_is_lost_is_found_by_stable_key(fake, client):
    fake.script("CreateOrgConnection", lose_after_commit)
    created = client.create_org_connection(wizard_connection(), name="SFTP",
                                           stable_key="sftp-main")
    assert created.stable_key == "sftp-main" and len(fake.connections) == 1
    assert operations(fake) == ["CreateOrgConnection", "ConnectionByStableKey"]


def test_a_global_value_for_a_per_customer_input_is_refused(client):
    with pytest.raises(InvalidValuesError, match="'host' has a global value but is per-customer"):
        client.create_org_connection(wizard_connection(), name="SFTP", stable_key="s",
                                     global_values={"host": "x"})


def test_renaming_a_connection_whose_answer_is_lost_reads_it_back(fake, client, acme):
    fake.script("UpdateOrgConnection", lose_after_commit)
    renamed = client.update_org_connection(acme, name="Acme API (v2)")
    assert renamed.name == "Acme API (v2)" and renamed.stable_key == acme.stable_key
    assert operations(fake) == ["UpdateOrgConnection", "ConnectionById"]


def test_a_write_that_stays_lost_ends_in_outcome_unknown(fake, client, acme, globex):
    fake.script("CreateCustomerValues", *[httpx.Response(503)] * FAST.write_attempts)
    with pytest.raises(OutcomeUnknownError):
        client.upsert_customer_values(acme, globex, {"apiKey": "k"})
    assert fake.values == []
    assert len(fake.sent("CreateCustomerValues")) == FAST.write_attempts


def test_the_async_client_upserts_many_customers_concurrently():
    import asyncio

    from orgconn.client import AsyncPrismaticClient

    fake = FakePrismatic()
    fake.add_connection()
    ids = [fake.add_customer(f"C{i}", f"c{i}")["id"] for i in range(30)]
    for _ in range(10):
        fake.script("CreateCustomerValues", lose_after_commit)

    async def main() -> list[str]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
            client = AsyncPrismaticClient(make_tenant(), http=http, retry=FAST)
            acme = await client.connection("acme-api-key")
            assert acme is not None
            results = await asyncio.gather(*(client.upsert_customer_values(
                acme, customer, {"apiKey": f"key-{customer}"}) for customer in ids))
            return [r.action for r in results]

    assert asyncio.run(main()) == ["created"] * 30
    assert sorted(n["customer"]["id"] for n in fake.values) == sorted(ids)

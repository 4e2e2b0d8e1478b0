"""No token or secret value shows in a repr, a str, an exception or a log record."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from orgconn.client import OrgconnError, PrismaticClient
from tests.client.conftest import FAST, REFRESH, TOKEN, make_tenant
from tests.client.fake_prismatic import SECRET, FakePrismatic, lose_after_commit

GLOBAL_SECRET = "canary-global-password-77"
NEW_SECRET = "canary-new-secret-value-88"
FORBIDDEN = (SECRET, GLOBAL_SECRET, NEW_SECRET, TOKEN, REFRESH)


def models_in(obj: Any) -> list[BaseModel]:
    if isinstance(obj, BaseModel):
        return [obj, *(m for v in obj.__dict__.values() for m in models_in(v))]
    if isinstance(obj, list | tuple):
        return [m for item in obj for m in models_in(item)]
    if isinstance(obj, dict):
        return [m for item in obj.values() for m in models_in(item)]
    return []


def test_a_run_through_every_path_leaks_no_secret(caplog):
    caplog.set_level(logging.DEBUG)
    fake = FakePrismatic()
    scv = fake.add_connection(inputs=(("apiKey", "PASSWORD", "customer"),
                                      ("region", "STRING", "customer"),
                                      ("signingKey", "PASSWORD", "org")),
                              global_values={"signingKey": GLOBAL_SECRET})
    globex = fake.add_customer("Globex", "globex")
    initech = fake.add_customer("Initech", "initech")
    fake.add_values(scv, globex, {"apiKey": SECRET, "region": "eu"})
    # failures whose text could echo secrets: the server quoting the token and a value
    fake.script("WhoAmI", httpx.Response(401, json={"errors": [{"message": f"token {TOKEN}"}]}),
                httpx.Response(503), httpx.Response(200, json={"errors": [
                    {"message": f"bad header Bearer {TOKEN}"}], "data": None}))
    fake.script("CreateCustomerValues", httpx.Response(200, json={"data": {
        "createCustomerConfigVariable": {"customerConfigVariable": None, "errors": [
            {"field": "inputs", "messages": [f"{NEW_SECRET} is not accepted"]}]}}}))
    fake.script("UpdateCustomerValues", lose_after_commit)

    http = httpx.Client(transport=httpx.MockTransport(fake.handler))
    client = PrismaticClient(make_tenant(refresh_token=SecretStr(REFRESH)), http=http,
                             retry=FAST)
    results: list[Any] = []
    errors: list[OrgconnError] = []

    def attempt(call: Any) -> None:
        try:
            results.append(call())
        except OrgconnError as exc:
            errors.append(exc)

    attempt(client.whoami)  # 401 → refresh → 503 → GraphQL error quoting the token
    attempt(client.whoami)
    acme = client.connection("acme-api-key")
    assert acme is not None
    results.append(acme)
    attempt(lambda: client.org_connections())
    attempt(lambda: client.customer_values())
    attempt(lambda: client.read_tenant())
    attempt(lambda: client.create_customer_values(acme, initech["id"],
                                                  {"apiKey": SecretStr(NEW_SECRET)}))
    attempt(lambda: client.upsert_customer_values(acme, globex["id"],
                                                  {"apiKey": SecretStr(NEW_SECRET)}))
    attempt(lambda: client.upsert_customer_values(acme, globex["id"], {"nope": NEW_SECRET}))
    attempt(lambda: client.upsert_customer_values(acme, globex["id"],
                                                  {"signingKey": NEW_SECRET}))

    assert len(errors) >= 4 and len(results) >= 6
    texts = [repr(client), repr(client.tenant), str(client.tenant), repr(client.stats)]
    texts += [t for m in models_in(results) for t in (repr(m), str(m))]
    texts += [t for e in errors for t in (repr(e), str(e), repr(e.__dict__))]
    texts += [str(e.__cause__) for e in errors if e.__cause__ is not None]
    texts += [caplog.text]
    texts += [repr(r.__dict__) for r in caplog.records]
    for text in texts:
        for secret in FORBIDDEN:
            assert secret not in text
    # the secrets were really there, and did get sent where they belong
    assert any(NEW_SECRET in r.content.decode() for r in fake.requests)
    assert any(SECRET in repr(m.values["apiKey"].secret_value()) for m in models_in(results)
               if hasattr(m, "values") and isinstance(m.values, dict) and "apiKey" in m.values
               and m.values["apiKey"].has_value)


@pytest.mark.parametrize("secret_field", ["token", "refresh_token"])
def test_tenant_configuration_never_shows_its_tokens(secret_field):
    tenant = make_tenant(**{secret_field: SecretStr("canary-token-value-55")})
    assert "canary-token-value-55" not in repr(tenant) + str(tenant)
    assert "canary-token-value-55" not in repr(tenant.model_dump())


def echo(operation_field: str, *texts: str) -> httpx.Response:
    """A mutation answer refusing the request with payload errors quoting ``texts``."""
    return httpx.Response(200, json={"data": {operation_field: {
        "customerConfigVariable": None,
        "errors": [{"field": f"inputs {texts[0]}", "messages": [f"{t} is not accepted"
                                                               for t in texts]}]}}})


@pytest.mark.parametrize(("customer", "operation", "field", "echoed"), [
    ("initech", "CreateCustomerValues", "createCustomerConfigVariable", (TOKEN, NEW_SECRET)),
    ("globex", "UpdateCustomerValues", "updateCustomerConfigVariable",
     (TOKEN, NEW_SECRET, SECRET))])  # an update's answer may quote the value it replaces
def test_a_token_or_secret_echoed_in_a_mutation_payloads_errors_never_reaches_the_error(
        customer, operation, field, echoed, caplog):
    caplog.set_level(logging.DEBUG)
    fake = FakePrismatic()
    scv = fake.add_connection()
    customers = {c: fake.add_customer(c.title(), c) for c in ("globex", "initech")}
    fake.add_values(scv, customers["globex"], {"apiKey": SECRET, "region": "eu"})
    fake.script(operation, echo(field, *echoed))
    http = httpx.Client(transport=httpx.MockTransport(fake.handler))
    client = PrismaticClient(make_tenant(), http=http, retry=FAST)
    acme = client.connection("acme-api-key")
    assert acme is not None

    with pytest.raises(OrgconnError) as caught:
        client.upsert_customer_values(acme, customers[customer]["id"],
                                      {"apiKey": SecretStr(NEW_SECRET)})

    text = " ".join([str(caught.value), repr(caught.value), repr(caught.value.__dict__),
                     caplog.text])
    assert "[redacted] is not accepted" in text and "inputs [redacted]" in text
    for secret in echoed:
        assert secret not in text

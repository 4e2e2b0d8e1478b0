"""Bearer tokens per tenant, 401 with a GraphQL-style body, and the refresh flow."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx

from orgconn.sandbox import RunningSandbox
from orgconn.sandbox.auth import mint_access_token
from tests.sandbox.sandbox_api import Api

WHO = "{ authenticatedUser { tenantId org { name } } }"


def refresh(http: httpx.Client, sandbox: RunningSandbox, tenant: str,
            body: dict[str, str | None]) -> httpx.Response:
    return http.post(f"{sandbox.stack_url(tenant)}/auth/refresh", json=body)


def claims(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))  # type: ignore[no-any-return]


def test_the_tenant_token_reaches_the_org_and_tenant(us: Api, sandbox: RunningSandbox) -> None:
    user = us.data(WHO)["authenticatedUser"]
    assert user == {"tenantId": sandbox.tenant_id("us"), "org": {"name": "Acme SaaS"}}


def test_the_static_token_is_a_jwt_that_prism_can_decode_and_its_old_spelling_still_works(
        sandbox: RunningSandbox, api_for: Callable[..., Api]) -> None:
    token = sandbox.token("us")
    decoded = claims(token)
    assert decoded["tenant"] == "us" and int(str(decoded["exp"])) > time.time() + 365 * 86400
    assert token == sandbox.token("us") and token != sandbox.token("eu")
    old = api_for(sandbox, "us", token="sandbox-us").data(WHO)["authenticatedUser"]
    assert old["tenantId"] == sandbox.tenant_id("us")
    assert api_for(sandbox, "eu", token="sandbox-us").post(WHO).status_code == 401


def test_missing_wrong_and_other_tenant_tokens_get_401_with_graphql_errors(
        sandbox: RunningSandbox, api_for: Callable[..., Api]) -> None:
    for token in ("", "nope", sandbox.token("eu")):
        response = api_for(sandbox, "us", token=token).post(WHO)
        assert response.status_code == 401
        (error,) = response.json()["errors"]
        assert error["message"] and (not token or token not in error["message"])


def test_tokens_can_be_overridden_per_tenant(make_sandbox: Callable[..., RunningSandbox],
                                             api_for: Callable[..., Api]) -> None:
    sandbox = make_sandbox(tokens={"us": "custom-token"})
    assert sandbox.token("us") == "custom-token" and claims(sandbox.token("eu"))["tenant"] == "eu"
    assert api_for(sandbox, "us").data(WHO)["authenticatedUser"]["org"]["name"] == "Acme SaaS"
    assert api_for(sandbox, "us", token="sandbox-us").post(WHO).status_code == 401


def test_a_refresh_token_gives_a_jwt_that_expires_after_the_ttl(
        http: httpx.Client, make_sandbox: Callable[..., RunningSandbox],
        api_for: Callable[..., Api]) -> None:
    sandbox = make_sandbox(token_ttl_seconds=600)
    response = refresh(http, sandbox, "eu", {"refresh_token": sandbox.refresh_token("eu"),
                                             "tenant_id": sandbox.tenant_id("eu")})
    assert response.status_code == 200
    token = response.json()["access_token"]
    exp = claims(token)["exp"]
    assert isinstance(exp, int) and abs(exp - (time.time() + 600)) < 30
    assert api_for(sandbox, "eu", token=token).data(WHO)["authenticatedUser"]["tenantId"] == (
        sandbox.tenant_id("eu"))
    assert api_for(sandbox, "us", token=token).post(WHO).status_code == 401


def test_wrong_refresh_tokens_and_tenant_ids_get_401(http: httpx.Client,
                                                     sandbox: RunningSandbox) -> None:
    wrong = refresh(http, sandbox, "us", {"refresh_token": "sandbox-refresh-eu"})
    assert wrong.status_code == 401 and wrong.json()["errors"][0]["message"]
    other = refresh(http, sandbox, "us", {"refresh_token": sandbox.refresh_token("us"),
                                          "tenant_id": sandbox.tenant_id("eu")})
    assert other.status_code == 401
    assert refresh(http, sandbox, "us", {"token": "x"}).status_code == 400


def test_expired_and_forged_jwts_are_refused(sandbox: RunningSandbox,
                                              api_for: Callable[..., Api]) -> None:
    expired = mint_access_token("us", 60, now=time.time() - 3600)
    response = api_for(sandbox, "us", token=expired).post(WHO)
    assert response.status_code == 401 and "expired" in response.json()["errors"][0]["message"]
    header, body, _ = mint_access_token("us", 60).split(".")
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(b'x' * 32).decode().rstrip('=')}"
    assert api_for(sandbox, "us", token=forged).post(WHO).status_code == 401


def test_unknown_tenants_and_paths_are_404_with_a_hint(http: httpx.Client,
                                                       sandbox: RunningSandbox) -> None:
    response = http.post(f"{sandbox.base_url}/ca/api", json={"query": WHO})
    assert response.status_code == 404 and "us, eu" in response.json()["errors"][0]["message"]
    tenants = http.get(f"{sandbox.base_url}/healthz").json()["tenants"]
    assert list(tenants) == ["us", "eu"]
    assert tenants["eu"] == {"stack_url": sandbox.stack_url("eu"),
                             "api_url": f"{sandbox.stack_url('eu')}/api",
                             "token": sandbox.token("eu")}


def test_each_tenant_answers_at_its_own_stack_url_as_a_real_stack_does(
        http: httpx.Client, sandbox: RunningSandbox) -> None:
    us, eu = sandbox.stack_url("us"), sandbox.stack_url("eu")
    assert us != eu and us.count("/") == 2 and not us.startswith(sandbox.base_url)
    for tenant, stack in (("us", us), ("eu", eu)):
        answer = http.post(f"{stack}/api", json={"query": WHO},
                           headers={"Authorization": f"Bearer {sandbox.token(tenant)}"})
        assert answer.json()["data"]["authenticatedUser"]["tenantId"] == sandbox.tenant_id(tenant)
    kept = http.post(f"{sandbox.path_url('eu')}/api", json={"query": WHO},
                     headers={"Authorization": f"Bearer {sandbox.token('eu')}"})
    assert kept.json()["data"]["authenticatedUser"]["tenantId"] == sandbox.tenant_id("eu")
    refreshed = http.post(f"{eu}/auth/refresh",
                          json={"refresh_token": sandbox.refresh_token("eu")})
    assert claims(refreshed.json()["access_token"])["tenant"] == "eu"


def test_the_api_path_at_the_main_port_or_a_wrong_method_answers_json_naming_the_api(
        http: httpx.Client, sandbox: RunningSandbox) -> None:
    at_main = http.post(f"{sandbox.base_url}/api", json={"query": WHO})
    assert at_main.status_code == 404
    assert f"{sandbox.stack_url('us')}" in at_main.json()["errors"][0]["message"]
    for method, url in (("GET", f"{sandbox.stack_url('eu')}/api"),
                        ("PUT", f"{sandbox.path_url('us')}/api"),
                        ("POST", f"{sandbox.stack_url('eu')}/nowhere")):
        answer = http.request(method, url)
        assert answer.status_code == 404, (method, url)
        assert "/api" in answer.json()["errors"][0]["message"]

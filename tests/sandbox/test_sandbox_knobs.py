"""The knobs for tests and benchmarks: faults, rate limit, write-only secrets, latency."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from orgconn.sandbox import FAULT_KINDS, RunningSandbox
from tests.sandbox.sandbox_api import Api, find_customer, find_scv

COUNT = "{ customers { totalCount } }"
CREATE = """mutation($i: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $i) { errors { field } } }"""


@pytest.mark.parametrize("status", [500, 502, 503])
def test_an_http_fault_answers_that_status(status: int, make_sandbox: Callable[..., RunningSandbox],
                                           api_for: Callable[..., Api]) -> None:
    api = api_for(make_sandbox(fault_rate=1.0, fault_kinds=(str(status),), tenants=("us",)))
    assert api.post(COUNT).status_code == status


def test_a_reset_fault_drops_the_connection_without_an_answer(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    api = api_for(make_sandbox(fault_rate=1.0, fault_kinds=("reset",), tenants=("us",)))
    with pytest.raises(httpx.TransportError):
        api.post(COUNT)


def test_drop_after_commit_commits_the_write_then_drops_the_answer(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    faulty = make_sandbox(fault_rate=1.0, fault_kinds=("drop-after-commit",), tenants=("us",))
    api = api_for(faulty)
    assert api.data(COUNT)["customers"]["totalCount"] == 43  # queries are not dropped
    scv = find_scv(api, "acme-api-key")
    customer = find_customer(api, "my-external-id")
    with pytest.raises(httpx.TransportError):
        api.post(CREATE, {"i": {"scopedConfigVariable": scv["id"], "customer": customer["id"],
                                "inputs": [{"name": "apiKey", "value": "k", "type": "value"}]}})
    written = api.data("query($s: ID, $c: ID) { customerConfigVariables(scopedConfigVariable: "
                       "$s, customer: $c) { totalCount } }",
                       {"s": scv["id"], "c": customer["id"]})
    assert written["customerConfigVariables"]["totalCount"] == 1


def test_a_fault_rate_fails_about_that_fraction_reproducibly(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    def statuses(sandbox: RunningSandbox) -> list[int]:
        api = api_for(sandbox)
        return [api.post(COUNT).status_code for _ in range(40)]

    kinds = tuple(k for k in FAULT_KINDS if k.isdigit())
    first = statuses(make_sandbox(fault_rate=0.5, fault_seed=7, fault_kinds=kinds,
                                  tenants=("us",)))
    second = statuses(make_sandbox(fault_rate=0.5, fault_seed=7, fault_kinds=kinds,
                                   tenants=("us",)))
    assert first == second
    assert 8 <= sum(s != 200 for s in first) <= 32
    assert set(first) - {200} <= {500, 502, 503}


def test_the_subprocess_sandbox_injects_faults_too(make_sandbox: Callable[..., RunningSandbox],
                                                   api_for: Callable[..., Api]) -> None:
    api = api_for(make_sandbox(process=True, fault_rate=1.0, fault_kinds=("reset",),
                               tenants=("us",)))
    with pytest.raises(httpx.TransportError):
        api.post(COUNT)


def test_beyond_the_rate_limit_answers_429_with_retry_after(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    sandbox = make_sandbox(rate_limit=3, tenants=("us", "eu"))
    us = api_for(sandbox)
    answers = [us.post(COUNT) for _ in range(6)]
    limited = [a for a in answers if a.status_code == 429]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200] and limited
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert "Too many requests" in limited[0].json()["errors"][0]["message"]
    assert api_for(sandbox, "eu").post(COUNT).status_code == 200  # per token
    time.sleep(int(limited[0].headers["Retry-After"]))
    assert us.post(COUNT).status_code == 200


def test_write_only_secrets_hide_password_values_but_say_they_are_set(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    query = ('{ customerConfigVariables(scopedConfigVariable_StableKey: "sftp-drop", first: 100)'
             " { nodes { inputs { nodes { name value hasValue } } } } }")
    hidden = api_for(make_sandbox(write_only_secrets=True, tenants=("us",))).data(query)
    shown = api_for(make_sandbox(tenants=("us",))).data(query)

    def inputs(data: dict[str, dict[str, list[dict[str, dict[str, list[dict[str, object]]]]]]],
               name: str) -> list[dict[str, object]]:
        return [i for n in data["customerConfigVariables"]["nodes"]
                for i in n["inputs"]["nodes"] if i["name"] == name]

    assert inputs(hidden, "password") and all(
        i["value"] == "" and i["hasValue"] for i in inputs(hidden, "password"))
    assert all(str(i["value"]).startswith("canary-") for i in inputs(shown, "password"))
    assert inputs(hidden, "username") == inputs(shown, "username")


def test_latency_delays_every_answer(make_sandbox: Callable[..., RunningSandbox],
                                     api_for: Callable[..., Api]) -> None:
    api = api_for(make_sandbox(latency_ms=300, tenants=("us",)))
    started = time.perf_counter()
    api.data(COUNT)
    assert time.perf_counter() - started >= 0.3

"""A small in-memory Prismatic behind `httpx.MockTransport`, for the client's error paths.

It answers the client's operations by ``operationName`` from a handful of dicts, pages with
offset cursors, and lets a test script failures the real sandbox cannot produce on demand:
``fake.script("CreateCustomerValues", lose_after_commit)`` makes the next such request commit
and then lose its answer; ``fake.script(op, httpx.Response(...))`` answers that instead.
Every request is kept in ``fake.requests``.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest

Answer = httpx.Response | Callable[["FakePrismatic", httpx.Request], httpx.Response]
SECRET = "canary-fake-secret-1234"


def route_every_client(monkeypatch: pytest.MonkeyPatch,
                       handler: Callable[[httpx.Request], httpx.Response]) -> None:
    """Make every httpx client built during the test (the CLI's, a bulk apply's) answer with
    ``handler`` through MockTransport: for code that builds its own clients."""
    transport = httpx.MockTransport(handler)
    for name in ("Client", "AsyncClient"):
        real: Any = getattr(httpx, name)
        monkeypatch.setattr(httpx, name, partial(real, transport=transport))


def relay_id(kind: str) -> str:
    return base64.b64encode(f"{kind}:{uuid.uuid4()}".encode()).decode()


def cursor(index: int) -> str:
    return base64.b64encode(f"arrayconnection:{index}".encode()).decode()


def page(items: list[Any], variables: dict[str, Any], cap: int = 100) -> dict[str, Any]:
    start = 0
    if variables.get("after"):
        start = int(base64.b64decode(variables["after"]).decode().split(":")[1]) + 1
    first = min(variables.get("first") or cap, cap)
    chunk = items[start:start + first]
    end = start + len(chunk)
    return {"totalCount": len(items), "nodes": chunk,
            "pageInfo": {"hasNextPage": end < len(items),
                         "endCursor": cursor(end - 1) if chunk else None}}


def lose_after_commit(fake: FakePrismatic, request: httpx.Request) -> httpx.Response:
    """Apply the request, then drop the connection before the answer (like a reset)."""
    fake.answer(request)
    raise httpx.ReadError("connection reset after the server committed", request=request)


def scv_node(key: str = "Acme API", stable_key: str = "acme-api-key", *,
             inputs: tuple[tuple[str, str, str], ...] = (("apiKey", "PASSWORD", "customer"),
                                                         ("region", "STRING", "customer"),
                                                         ("baseUrl", "STRING", "org")),
             global_values: dict[str, str] | None = None, scope: str = "CUSTOMER",
             managed_by: str = "ORG") -> dict[str, Any]:
    """A ScopedConfigVariable node as the client's OrgConnectionFields select it."""
    values = global_values or {}
    return {
        "id": relay_id("ScopedConfigVariable"), "key": key, "stableKey": stable_key,
        "description": f"{key} for every customer", "variableScope": scope,
        "managedBy": managed_by, "status": "ACTIVE", "isInUse": True,
        "hasDeployedInstances": False, "lastConfiguredAt": "2026-01-02T03:04:05+00:00",
        "connection": {
            "id": relay_id("Connection"), "key": "apiKey", "label": "API key",
            "component": {"key": "acme", "label": "Acme SaaS"},
            "inputs": {"nodes": [
                {"key": k, "label": k.title(), "type": t, "required": k == "apiKey",
                 "shown": True, "default": None, "comments": f"help for {k}",
                 "placeholder": None} for k, t, _ in inputs]}},
        "inputs": {"nodes": [
            {"name": k, "type": "VALUE", "value": values.get(k, ""),
             "hasValue": bool(values.get(k)),
             "meta": json.dumps({"managedBy": "org", "inputScope": s})} for k, _, s in inputs]},
    }


class FakePrismatic:
    """The fake server: ``connections``, ``customers`` and ``values`` (CCVs) as API nodes."""

    def __init__(self, *, hide_secrets: bool = False) -> None:
        self.connections: list[dict[str, Any]] = []
        self.customers: list[dict[str, Any]] = []
        self.values: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []
        self.scripted: dict[str, list[Answer]] = {}
        self.hide_secrets = hide_secrets
        self.clock = 0

    # ------------------------------------------------------------------ set-up helpers
    def add_connection(self, **kwargs: Any) -> dict[str, Any]:
        node = scv_node(**kwargs)
        self.connections.append(node)
        return node

    def add_customer(self, name: str, external_id: str) -> dict[str, Any]:
        node = {"id": relay_id("Customer"), "name": name, "externalId": external_id,
                "labels": ["tier:gold"], "createdAt": "2025-06-01T00:00:00+00:00",
                "description": ""}
        self.customers.append(node)
        return node

    def add_values(self, scv: dict[str, Any], customer: dict[str, Any] | None,
                   values: dict[str, str]) -> dict[str, Any]:
        node = {"id": relay_id("CustomerConfigVariable"),
                "customer": customer and {k: customer[k] for k in ("id", "name", "externalId",
                                                                    "labels")},
                "scopedConfigVariable": {"id": scv["id"], "stableKey": scv["stableKey"]},
                "isTest": customer is None, "status": "ACTIVE", "isInUse": False,
                "hasDeployedInstances": False, "inputs": {"nodes": []}}
        self._set_inputs(node, [{"name": k, "value": v} for k, v in values.items()])
        self.values.append(node)
        return node

    def script(self, operation: str, *answers: Answer) -> None:
        """Answer the next requests for ``operation`` with ``answers``, in order."""
        self.scripted.setdefault(operation, []).extend(answers)

    def sent(self, operation: str) -> list[dict[str, Any]]:
        """The variables of every request sent for ``operation``."""
        bodies = [json.loads(r.content) for r in self.requests if r.url.path.endswith("/api")]
        return [b["variables"] for b in bodies if b["operationName"] == operation]

    # ------------------------------------------------------------------ serving
    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/auth/refresh"):
            return httpx.Response(200, json={"access_token": "fresh-token"})
        operation = json.loads(request.content)["operationName"]
        queue = self.scripted.get(operation)
        if queue:
            answer = queue.pop(0)
            return answer if isinstance(answer, httpx.Response) else answer(self, request)
        return self.answer(request)

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        handler = getattr(self, "op_" + body["operationName"])
        return httpx.Response(200, json={"data": handler(body["variables"])})

    def _set_inputs(self, node: dict[str, Any], inputs: list[dict[str, Any]]) -> None:
        self.clock += 1
        moment = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=self.clock)
        node["lastConfiguredAt"] = moment.isoformat()
        node["inputs"] = {"nodes": [{"name": i["name"], "type": "VALUE", "value": i["value"],
                                     "hasValue": bool(i["value"]), "meta": None}
                                    for i in inputs]}

    def _shown(self, node: dict[str, Any]) -> dict[str, Any]:
        if not self.hide_secrets:
            return node
        inputs = [{**i, "value": "" if i["name"] == "apiKey" else i["value"]}
                  for i in node["inputs"]["nodes"]]
        return {**node, "inputs": {"nodes": inputs}}

    def op_WhoAmI(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"authenticatedUser": {"email": "ops@acme.test", "tenantId": "t-1",
                                      "org": {"name": "Acme SaaS"}}}

    def op_OrgConnections(self, v: dict[str, Any]) -> dict[str, Any]:
        keys = v.get("stableKeys")
        found = [c for c in self.connections if c["variableScope"] == "CUSTOMER"
                 and c["managedBy"] == "ORG" and (keys is None or c["stableKey"] in keys)]
        return {"scopedConfigVariables": page(found, v)}

    def op_AllConnections(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"scopedConfigVariables": page(self.connections, v)}

    def op_ConnectionByStableKey(self, v: dict[str, Any]) -> dict[str, Any]:
        found = [c for c in self.connections if c["stableKey"] == v["stableKey"]]
        return {"scopedConfigVariables": {"nodes": found}}

    def op_ConnectionById(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"scopedConfigVariable": next(
            (c for c in self.connections if c["id"] == v["id"]), None)}

    def op_Customers(self, v: dict[str, Any]) -> dict[str, Any]:
        found = [c for c in self.customers
                 if v.get("externalId") in (None, c["externalId"])]
        return {"customers": page(found, v)}

    def op_CustomerValues(self, v: dict[str, Any]) -> dict[str, Any]:
        found = [self._shown(n) for n in self.values if not n["isTest"]
                 and v.get("connectionId") in (None, n["scopedConfigVariable"]["id"])
                 and v.get("customerId") in (None, n["customer"]["id"])]
        return {"customerConfigVariables": page(found, v)}

    def op_CoverageValues(self, v: dict[str, Any]) -> dict[str, Any]:
        found = [self._shown(n) for n in self.values if not n["isTest"]
                 and v.get("stableKey") in (None, n["scopedConfigVariable"]["stableKey"])]
        return {"customerConfigVariables": page(found, v)}

    def op_ConnectionInstances(self, v: dict[str, Any]) -> dict[str, Any]:
        """This fake tenant has no instance (scripts may answer otherwise)."""
        return {"scopedConfigVariable": {"id": v["connectionId"],
                                         "instances": page([], v)}}

    def op_TestCredentials(self, v: dict[str, Any]) -> dict[str, Any]:
        found = [self._shown(n) for n in self.values
                 if n["isTest"] and n["scopedConfigVariable"]["id"] == v["connectionId"]]
        return {"customerConfigVariables": {"nodes": found}}

    def op_CustomerValuesById(self, v: dict[str, Any]) -> dict[str, Any]:
        found = next((self._shown(n) for n in self.values if n["id"] == v["id"]), None)
        return {"customerConfigVariable": found}

    def op_CreateCustomerValues(self, v: dict[str, Any]) -> dict[str, Any]:
        data = v["input"]
        customer = next((c for c in self.customers if c["id"] == data.get("customer")), None)
        if any(n["scopedConfigVariable"]["id"] == data["scopedConfigVariable"]
               and (n["customer"] or {}).get("id") == data.get("customer") for n in self.values):
            return {"createCustomerConfigVariable": {"customerConfigVariable": None, "errors": [
                {"field": "customer", "messages": ["values already exist for this customer"]}]}}
        scv = next(c for c in self.connections if c["id"] == data["scopedConfigVariable"])
        node = self.add_values(scv, customer, {})
        self._set_inputs(node, data["inputs"])
        return {"createCustomerConfigVariable": {"customerConfigVariable": self._shown(node),
                                                 "errors": []}}

    def op_UpdateCustomerValues(self, v: dict[str, Any]) -> dict[str, Any]:
        node = next(n for n in self.values if n["id"] == v["input"]["id"])
        self._set_inputs(node, v["input"]["inputs"])  # replaces, as the sandbox does
        return {"updateCustomerConfigVariable": {"customerConfigVariable": self._shown(node),
                                                 "errors": []}}

    def op_DeleteCustomerValues(self, v: dict[str, Any]) -> dict[str, Any]:
        node = next(n for n in self.values if n["id"] == v["input"]["id"])
        self.values.remove(node)
        return {"deleteCustomerConfigVariable": {"customerConfigVariable": {"id": node["id"]},
                                                 "errors": []}}

    def op_CreateOrgConnection(self, v: dict[str, Any]) -> dict[str, Any]:
        data = v["input"]
        if any(c["stableKey"] == data["stableKey"] for c in self.connections):
            return {"createScopedConfigVariable": {"scopedConfigVariable": None, "errors": [
                {"field": "stableKey", "messages": ["stable key already in use"]}]}}
        scopes = {i["name"]: json.loads(i["meta"])["inputScope"] for i in data["inputs"]}
        node = self.add_connection(
            key=data["key"], stable_key=data["stableKey"],
            inputs=tuple((i["name"], "PASSWORD" if i["name"] == "apiKey" else "STRING",
                          scopes[i["name"]]) for i in data["inputs"]),
            global_values={i["name"]: i["value"] for i in data["inputs"]})
        return {"createScopedConfigVariable": {"scopedConfigVariable": node, "errors": []}}

    def op_UpdateOrgConnection(self, v: dict[str, Any]) -> dict[str, Any]:
        node = next(c for c in self.connections if c["id"] == v["input"]["id"])
        node.update({k: v["input"][f] for k, f in (("key", "key"), ("description", "description"))
                     if f in v["input"]})
        return {"updateScopedConfigVariable": {"scopedConfigVariable": node, "errors": []}}

    def op_DeleteOrgConnection(self, v: dict[str, Any]) -> dict[str, Any]:
        node = next(c for c in self.connections if c["id"] == v["input"]["id"])
        self.connections.remove(node)
        return {"deleteScopedConfigVariable": {"scopedConfigVariable": {"id": node["id"]},
                                               "errors": []}}

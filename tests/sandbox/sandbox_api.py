"""Calling a running sandbox over HTTP, for the sandbox's own tests."""

from __future__ import annotations

from typing import Any

import httpx

from orgconn.sandbox import RunningSandbox


class Api:
    """POSTs GraphQL to one tenant of a running sandbox with its token."""

    def __init__(self, client: httpx.Client, sandbox: RunningSandbox, tenant: str,
                 token: str | None) -> None:
        self.client, self.sandbox, self.tenant = client, sandbox, tenant
        self.token = sandbox.token(tenant) if token is None else token

    def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        """The raw response."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.client.post(self.sandbox.api_url(self.tenant), headers=headers,
                                json={"query": query, "variables": variables or {}})

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``data`` of a request that must succeed without errors."""
        response = self.post(query, variables)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        """Messages of the top-level errors of a request that must fail."""
        body = self.post(query, variables).json()
        assert body.get("errors"), body
        return [e["message"] for e in body["errors"]]

    def all_pages(self, field: str, selection: str, args: str = "", first: int = 100
                  ) -> list[dict[str, Any]]:
        """Every node of root connection ``field``, following ``endCursor``."""
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            query = (f"query($after: String) {{ {field}(first: {first}, after: $after"
                     f"{', ' + args if args else ''}) {{ totalCount pageInfo {{ hasNextPage "
                     f"endCursor }} nodes {{ {selection} }} }} }}")
            page = self.data(query, {"after": after})[field]
            nodes.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return nodes
            after = page["pageInfo"]["endCursor"]


def find_scv(api: Api, stable_key: str) -> dict[str, Any]:
    """The scoped config variable with ``stable_key`` (id, key, inputs with meta)."""
    nodes = api.data(
        "query($k: String) { scopedConfigVariables(stableKey: $k) { nodes { id key stableKey "
        "variableScope managedBy inputs { nodes { name value hasValue meta } } } } }",
        {"k": stable_key})["scopedConfigVariables"]["nodes"]
    assert len(nodes) == 1, (stable_key, nodes)
    return nodes[0]  # type: ignore[no-any-return]


def find_customer(api: Api, external_id: str) -> dict[str, Any]:
    """The customer with ``external_id``."""
    nodes = api.data("query($e: String) { customers(externalId: $e) { nodes { id name } } }",
                     {"e": external_id})["customers"]["nodes"]
    assert len(nodes) == 1, (external_id, nodes)
    return nodes[0]  # type: ignore[no-any-return]

"""Rows to GraphQL nodes: dicts keyed by field name (served by the default resolver), plus
``_``-prefixed raw values that resolvers of related fields use."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import defaultdict
from typing import Any, Protocol

from orgconn.sandbox.relay import encode_id, when_selected

Node = dict[str, Any]


def customer_node(row: sqlite3.Row) -> Node:
    """A ``Customer``."""
    return {
        "id": encode_id("Customer", row["id"]), "_id": row["id"], "name": row["name"],
        "description": row["description"], "externalId": row["external_id"],
        "labels": when_selected(functools.partial(json.loads, row["labels"])),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def scv_node(row: sqlite3.Row) -> Node:
    """A ``ScopedConfigVariable`` (related fields are resolved from the request context)."""
    return {
        "id": encode_id("ScopedConfigVariable", row["id"]), "_id": row["id"],
        "_connection_id": row["connection_id"], "key": row["key"],
        "stableKey": row["stable_key"], "description": row["description"],
        "variableScope": row["variable_scope"], "managedBy": row["managed_by"],
        "status": row["status"], "meta": row["meta"],
        "lastConfiguredAt": row["last_configured_at"], "allowUpdate": True,
        "_customer_id": row["customer_id"],
        "defaultForComponent": bool(row["default_for_component"]),
    }


def ccv_node(row: sqlite3.Row, batch: Any) -> Node:
    """A ``CustomerConfigVariable`` whose related objects load through ``batch``."""
    return {
        "id": encode_id("CustomerConfigVariable", row["id"]), "_id": row["id"],
        "_scv_id": row["scv_id"], "_customer_id": row["customer_id"], "_batch": batch,
        "isTest": bool(row["is_test"]), "status": row["status"], "meta": row["meta"],
        "lastConfiguredAt": row["last_configured_at"], "allowUpdate": True,
    }


def expression_node(raw_id: str, name: str, value: str, meta: str, secret: bool,
                    write_only: bool) -> Node:
    """An ``Expression`` of type VALUE; a secret is served as ``""`` when ``write_only``."""
    return {
        "id": encode_id("Expression", raw_id), "name": name, "type": "VALUE",
        "value": "" if secret and write_only else value, "hasValue": value != "",
        "meta": meta,
    }


class CustomerLoader(Protocol):
    """What loads the customers of a page of instances (a `CcvBatch` or an instances page)."""

    @property
    def customers(self) -> dict[str, Node]:
        """Customers of the page by raw UUID."""


def instance_node(row: sqlite3.Row, batch: CustomerLoader) -> Node:
    """An ``Instance`` (its customer is loaded through ``batch``, its integration per request)."""
    deployed = max(filter(None, (row["deployed_at"], row["last_redeployed_at"])), default=None)
    return {
        "id": encode_id("Instance", row["id"]), "_id": row["id"], "name": row["name"],
        "enabled": bool(row["enabled"]), "inFailedState": bool(row["in_failed_state"]),
        "needsDeploy": bool(row["needs_deploy"]), "lastDeployedAt": deployed,
        "createdAt": row["created_at"], "updatedAt": row["updated_at"],
        "_customer_id": row["customer_id"], "_integration_id": row["integration_id"],
        "_deployed": row["deployed_at"] is not None, "_batch": batch,
    }


class IntegrationIndex:
    """A tenant's integrations and which connections (SCVs) each uses, loaded per request."""

    def __init__(self, integrations: list[sqlite3.Row], links: list[sqlite3.Row]) -> None:
        self.by_id: dict[str, Node] = {row["id"]: {
            "id": encode_id("Integration", row["id"]), "_id": row["id"], "name": row["name"],
            "description": row["description"], "category": row["category"],
            "versionNumber": row["version_number"], "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
        } for row in integrations}
        self.of_scv: dict[str, list[Node]] = defaultdict(list)
        for link in links:
            self.of_scv[link["scv_id"]].append(self.by_id[link["integration_id"]])


class CatalogIndex:
    """A tenant's components, connections and input fields, loaded once (they never change)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.components: list[Node] = []
        self.connections: dict[str, Node] = {}
        self.connections_of: dict[str, list[Node]] = defaultdict(list)
        self.inputs_of: dict[str, list[Node]] = defaultdict(list)
        by_id: dict[str, Node] = {}
        for row in conn.execute("SELECT * FROM components ORDER BY heap_pos"):
            node = {
                "id": encode_id("Component", row["id"]), "_id": row["id"], "key": row["key"],
                "label": row["label"], "description": row["description"],
                "public": bool(row["public"]), "_category": row["category"],
                "_version_number": row["version_number"],
                "_version_created_at": row["version_created_at"], "_heap": row["heap_pos"],
                "category": row["category"], "versionNumber": row["version_number"],
                "versionCreatedAt": row["version_created_at"],
                "_latest": bool(row["version_is_latest"]), "_customer_id": row["customer_id"],
            }
            self.components.append(node)
            by_id[row["id"]] = node
        for row in conn.execute("SELECT * FROM connections ORDER BY component_id, position"):
            node = {
                "id": encode_id("Connection", row["id"]), "_id": row["id"], "key": row["key"],
                "label": row["label"], "comments": row["comments"],
                "oauth2Type": row["oauth2_type"], "component": by_id[row["component_id"]],
                "_position": row["position"],
            }
            self.connections[row["id"]] = node
            self.connections_of[row["component_id"]].append(node)
        for row in conn.execute("SELECT * FROM input_fields ORDER BY connection_id, position"):
            self.inputs_of[row["connection_id"]].append({
                "id": encode_id("InputField", row["id"]), "key": row["key"],
                "label": row["label"], "type": row["type"], "required": bool(row["required"]),
                "shown": bool(row["shown"]), "default": row["default_value"],
                "comments": row["comments"], "placeholder": row["placeholder"],
                "example": row["example"], "language": row["language"],
                "_position": row["position"],
            })
        self._secrets = {
            conn_id: {f["key"] for f in fields if f["type"] == "PASSWORD"}
            for conn_id, fields in self.inputs_of.items()
        }

    def is_secret(self, connection_id: str | None, key: str) -> bool:
        """Whether input ``key`` of the connection is a PASSWORD."""
        return key in self._secrets.get(connection_id or "", set())

    def input_keys(self, connection_id: str) -> list[str]:
        """The connection's input keys in its order."""
        return [f["key"] for f in self.inputs_of.get(connection_id, [])]

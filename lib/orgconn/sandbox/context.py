"""What resolvers share during one request: the tenant's database, knobs and per-request caches.

Scoped config variables and the component catalog are small, so a request loads them whole,
once, on first use. Values (CCVs) come in pages: `CcvBatch` loads the customers, inputs and
instances of a whole page in one query each, the first time any node of the page needs them,
so a page of 100 values costs a handful of queries whatever the selection (no N+1).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from orgconn.sandbox.db import TenantDatabase
from orgconn.sandbox.nodes import (
    CatalogIndex,
    IntegrationIndex,
    ccv_node,
    customer_node,
    expression_node,
    instance_node,
    scv_node,
)
from orgconn.sandbox.settings import SandboxSettings
from orgconn.sandbox.writes import Lookups

Node = dict[str, Any]


@dataclass
class RequestContext:
    """One GraphQL request against one tenant."""

    tenant: str
    db: TenantDatabase
    settings: SandboxSettings
    catalog: CatalogIndex
    rng: random.Random
    _scvs: dict[str, Node] | None = field(default=None, repr=False)
    lookups: Lookups = field(default_factory=Lookups, repr=False)
    """What this request's value writes looked up (see `Lookups`)."""

    def read(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        """Rows of one read-only statement."""
        return self.db.read(lambda conn: conn.execute(sql, params).fetchall())

    def forget(self) -> None:
        """Drop the per-request caches (after a write inside this request)."""
        self._scvs = None
        self.__dict__.pop("scv_inputs", None)
        self.__dict__.pop("scv_usage", None)
        self.__dict__.pop("integrations", None)

    def scvs(self) -> dict[str, Node]:
        """Every scoped config variable of the tenant by raw UUID, as nodes."""
        if self._scvs is None:
            rows = self.read("SELECT * FROM scoped_config_variables ORDER BY heap_pos")
            self._scvs = {row["id"]: scv_node(row) for row in rows}
        return self._scvs

    @cached_property
    def scv_inputs(self) -> dict[str, list[Node]]:
        """Each scoped config variable's input expressions (global values and per-customer
        declarations), in the connection's order; meta as written, else in lowercase."""
        result: dict[str, list[Node]] = defaultdict(list)
        for row in self.read("SELECT * FROM scv_inputs ORDER BY scv_id, position"):
            scv = self.scvs().get(row["scv_id"])
            if scv is None:
                continue
            meta = row["meta"] or json.dumps({"managedBy": scv["managedBy"].lower(),
                                              "inputScope": row["input_scope"]})
            secret = self.catalog.is_secret(scv["_connection_id"], row["name"])
            result[row["scv_id"]].append(expression_node(
                row["id"], row["name"], row["value"], meta, secret, self.write_only))
        return result

    @cached_property
    def scv_usage(self) -> dict[str, tuple[int, int]]:
        """Per scoped config variable: (instances using it, deployed ones), whether or not
        their customers have values."""
        rows = self.read("SELECT scv_id, COUNT(*), COUNT(deployed_at) FROM connection_instances "
                         "GROUP BY scv_id")
        return {row[0]: (row[1], row[2]) for row in rows}

    @cached_property
    def integrations(self) -> IntegrationIndex:
        """The tenant's integrations and the connections each uses."""
        return IntegrationIndex(
            self.read("SELECT * FROM integrations ORDER BY position"),
            self.read("SELECT ic.scv_id, ic.integration_id FROM integration_connections ic "
                      "JOIN integrations g ON g.id = ic.integration_id ORDER BY g.position"))

    @property
    def write_only(self) -> bool:
        """Whether PASSWORD values are served as ``""`` (``--write-only-secrets``)."""
        return self.settings.write_only_secrets

    def ccv_nodes(self, rows: list[sqlite3.Row]) -> list[Node]:
        """Nodes for CCV rows, sharing one `CcvBatch` for their related objects."""
        return CcvBatch(self, rows).nodes


class Info(Protocol):
    """What resolvers use of graphql-core's ``GraphQLResolveInfo`` (not generic in 3.2): the
    request's context."""

    @property
    def context(self) -> RequestContext:
        """The `RequestContext` the request runs with."""


class CcvBatch:
    """The CCVs of one page and, loaded on first use, everything they point to."""

    def __init__(self, ctx: RequestContext, rows: list[sqlite3.Row]) -> None:
        self.ctx = ctx
        self.nodes = [ccv_node(row, self) for row in rows]
        self._ids = [row["id"] for row in rows]
        self._customer_ids = sorted({row["customer_id"] for row in rows if row["customer_id"]})

    def _in(self, sql: str, ids: list[str]) -> list[sqlite3.Row]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.ctx.read(sql.replace("(?)", f"({marks})"), ids)

    @cached_property
    def customers(self) -> dict[str, Node]:
        """Customers of the batch by raw UUID."""
        rows = self._in("SELECT * FROM customers WHERE id IN (?)", self._customer_ids)
        return {row["id"]: customer_node(row) for row in rows}

    @cached_property
    def inputs(self) -> dict[str, list[Node]]:
        """Input expressions of each CCV of the batch, by raw CCV UUID."""
        scvs = self.ctx.scvs()
        owner = {node["_id"]: node["_scv_id"] for node in self.nodes}
        result: dict[str, list[Node]] = defaultdict(list)
        metas: dict[str, str] = {}  # the same text for every input of one SCV
        rows = self._in("SELECT * FROM ccv_inputs WHERE ccv_id IN (?) ORDER BY ccv_id, position",
                        self._ids)
        for row in rows:
            scv = scvs[owner[row["ccv_id"]]]
            meta = metas.get(scv["_id"]) or metas.setdefault(scv["_id"], json.dumps(
                {"managedBy": scv["managedBy"].lower(), "inputScope": "customer"}))
            secret = self.ctx.catalog.is_secret(scv["_connection_id"], row["name"])
            result[row["ccv_id"]].append(expression_node(
                row["id"], row["name"], row["value"], meta, secret, self.ctx.write_only))
        return result

    @cached_property
    def instances(self) -> dict[str, list[Node]]:
        """Instances using each CCV of the batch (its customer's instances of integrations
        that use its SCV), by raw CCV UUID."""
        ccv_of = {(n["_customer_id"], n["_scv_id"]): n["_id"] for n in self.nodes}
        result: dict[str, list[Node]] = defaultdict(list)
        rows = self._in("SELECT * FROM connection_instances WHERE customer_id IN (?) "
                        "ORDER BY created_at, id", self._customer_ids)
        for row in rows:
            ccv_id = ccv_of.get((row["customer_id"], row["scv_id"]))
            if ccv_id is not None:
                result[ccv_id].append(instance_node(row, self))
        return result

    def preload(self) -> None:
        """Load everything now (before the rows are deleted)."""
        _ = self.customers, self.inputs, self.instances

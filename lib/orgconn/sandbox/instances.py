"""Paged reads of instances: ``ScopedConfigVariable.instances`` and ``Customer.instances``.

An instance uses a connection when its integration does (`connection_instances`), whether or
not its customer has values of that connection: ``ScopedConfigVariable.instances(customer:)``
lists that customer's instances even while the customer has no values (what the sandbox
assumes Prismatic does; see the README). A page loads its customers in one query (no N+1).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from orgconn.sandbox.context import Node, RequestContext
from orgconn.sandbox.filters import Where
from orgconn.sandbox.nodes import customer_node, instance_node
from orgconn.sandbox.queries import paged_rows
from orgconn.sandbox.relay import connection, decode_id

_INTEGRATION = "(SELECT g.{column} FROM integrations g WHERE g.id = i.integration_id)"
INSTANCE_ORDER = {
    "CREATED_AT": "i.created_at", "UPDATED_AT": "i.updated_at", "NAME": "i.name",
    "ENABLED": "i.enabled", "DESCRIPTION": "''", "INSTANCE_TYPE": "''",
    "LAST_EXECUTED_AT": "NULL",
    "CUSTOMER": "(SELECT c.name FROM customers c WHERE c.id = i.customer_id)",
    "INTEGRATION": _INTEGRATION.format(column="name"),
    "CATEGORY": _INTEGRATION.format(column="category"),
    "VERSION": _INTEGRATION.format(column="version_number"),
}


class InstancePage:
    """The instance rows of one page as nodes, and their customers loaded on first use."""

    def __init__(self, ctx: RequestContext, rows: list[Any]) -> None:
        self.ctx = ctx
        self.nodes = [instance_node(row, self) for row in rows]
        self._customer_ids = sorted({row["customer_id"] for row in rows})

    @cached_property
    def customers(self) -> dict[str, Node]:
        """Customers of the page by raw UUID."""
        if not self._customer_ids:
            return {}
        marks = ",".join("?" * len(self._customer_ids))
        rows = self.ctx.read(f"SELECT * FROM customers WHERE id IN ({marks})",  # noqa: S608
                             self._customer_ids)
        return {row["id"]: customer_node(row) for row in rows}


def instance_filters(args: dict[str, Any]) -> Where:
    """Conditions on ``connection_instances i`` (or ``instances i``) from the arguments the
    sandbox serves: ``customer``, ``integration``, ``enabled``, ``inFailedState``,
    ``needsDeploy``."""
    where = Where()
    if args.get("customer") is not None:
        where.add("i.customer_id = ?", decode_id(args["customer"], "Customer", "customer"))
    if args.get("integration") is not None:
        where.add("i.integration_id = ?",
                  decode_id(args["integration"], "Integration", "integration"))
    for argument, column in (("enabled", "enabled"), ("inFailedState", "in_failed_state"),
                             ("needsDeploy", "needs_deploy")):
        if args.get(argument) is not None:
            where.add(f"i.{column} = ?", int(args[argument]))
    return where


def instances_page(ctx: RequestContext, args: dict[str, Any], *, scv_id: str | None = None,
                   customer_id: str | None = None) -> dict[str, Any]:
    """An ``InstanceConnection``: the instances that use SCV ``scv_id``, or those of customer
    ``customer_id``, filtered and paged."""
    where = instance_filters(args)
    if scv_id is not None:
        where.add("i.scv_id = ?", scv_id)
        source = "connection_instances i"
    else:
        where.add("i.customer_id = ?", customer_id)
        source = "instances i"
    rows, page = paged_rows(ctx, source, "i", where, args, INSTANCE_ORDER)
    return connection(InstancePage(ctx, rows).nodes, page)

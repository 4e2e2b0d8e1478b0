"""``Component`` and ``Connection`` fields (the catalog is in memory)."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from orgconn.sandbox.context import Info
from orgconn.sandbox.queries import customer_by_id, sort_in_memory
from orgconn.sandbox.relay import in_memory_connection

component = ObjectType("Component")
connection = ObjectType("Connection")


@component.field("connections")
def resolve_connections(comp: dict[str, Any], info: Info, **args: Any) -> Any:
    """The component's connections, optionally one ``key``."""
    ctx = info.context
    items = ctx.catalog.connections_of.get(comp["_id"], [])
    if args.get("key") is not None:
        items = [c for c in items if c["key"] == args["key"]]
    columns = {"KEY": "key", "LABEL": "label", "ORDER": "_position"}
    if not args.get("sortBy"):
        args = {**args, "sortBy": [{"field": "ORDER", "direction": "ASC"}]}
    return in_memory_connection(sort_in_memory(ctx, items, args, columns), args)


@component.field("customer")
def resolve_customer(comp: dict[str, Any], info: Info) -> Any:
    """The customer the component belongs to, or None for the organization's (or public)."""
    return customer_by_id(info.context, comp["_customer_id"])


@connection.field("inputs")
def resolve_inputs(conn: dict[str, Any], info: Info, **args: Any) -> Any:
    """The connection's input fields in their order (``key``/``shown`` filter them)."""
    items = info.context.catalog.inputs_of.get(conn["_id"], [])
    if args.get("key") is not None:
        items = [f for f in items if f["key"] == args["key"]]
    if args.get("shown") is not None:
        items = [f for f in items if f["shown"] == args["shown"]]
    return in_memory_connection(items, args)

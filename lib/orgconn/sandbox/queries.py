"""Paged reads: filter in SQL, count, slice by the Relay window, order as asked.

With ``sortBy``/``orderBy`` the order is total (the row's UUID breaks ties), so paging visits
every row once. Without it, rows follow ``heap_pos`` (PostgreSQL's physical order, where an
updated row moves to the end) and each page comes back shuffled by a per-request random: the
same items, in an order that differs between calls — and, if rows change while a client pages,
items repeat or go missing, as on Prismatic.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from orgconn.sandbox.context import Node, RequestContext
from orgconn.sandbox.errors import SandboxError
from orgconn.sandbox.filters import (
    Where,
    ccv_filters,
    customer_filters,
    matches_filter_query,
    scv_filters,
)
from orgconn.sandbox.nodes import customer_node, scv_node
from orgconn.sandbox.relay import connection, decode_id, in_memory_connection, window

_COMPONENT_LABEL = ("(SELECT cp.label FROM connections cn JOIN components cp "
                    "ON cp.id = cn.component_id WHERE cn.id = {scv}.connection_id)")
_SCV_OF_CCV = "(SELECT {column} FROM scoped_config_variables s WHERE s.id = v.scv_id)"
CUSTOMER_ORDER = {
    "CREATED_AT": "c.created_at", "UPDATED_AT": "c.updated_at", "NAME": "c.name",
    "DESCRIPTION": "c.description", "CONCURRENCY_REJECTIONS": "0",
    "CONCURRENT_EXECUTION_LIMIT": "0",
}
SCV_ORDER = {
    "CREATED_AT": "s.created_at", "UPDATED_AT": "s.updated_at", "KEY": "s.key",
    "STATUS": "s.status", "LAST_CONFIGURED_AT": "s.last_configured_at",
    "COMPONENT_LABEL": _COMPONENT_LABEL.format(scv="s"),
}
CCV_ORDER = {
    "CREATED_AT": "v.created_at", "UPDATED_AT": "v.updated_at",
    "KEY": _SCV_OF_CCV.format(column="s.key"), "STATUS": "v.status",
    "LAST_CONFIGURED_AT": "v.last_configured_at",
    "COMPONENT_LABEL": _SCV_OF_CCV.format(column=_COMPONENT_LABEL.format(scv="s")),
}


def sort_keys(args: dict[str, Any]) -> list[dict[str, str]]:
    """The requested ordering: ``sortBy`` items, else ``orderBy``, else none."""
    if args.get("sortBy"):
        return [item for item in args["sortBy"] if item is not None]
    if args.get("orderBy"):
        return [args["orderBy"]]
    return []


def order_sql(args: dict[str, Any], columns: dict[str, str], alias: str) -> str | None:
    """``ORDER BY`` for the requested ordering (PostgreSQL's NULL placement), else None."""
    keys = sort_keys(args)
    if not keys:
        return None
    parts = []
    for key in keys:
        column = columns[key["field"]]
        nulls = "NULLS LAST" if key["direction"] == "ASC" else "NULLS FIRST"
        parts.append(f"{column} {key['direction']} {nulls}")
    return ", ".join([*parts, f"{alias}.id ASC"])


def paged_rows(ctx: RequestContext, source: str, alias: str, where: Where,
               args: dict[str, Any], columns: dict[str, str]) -> tuple[list[Any], Any]:
    """One page of ``SELECT alias.* FROM source`` and its window."""
    (total,) = ctx.read(f"SELECT COUNT(*) FROM {source}{where.sql()}", where.params)[0]  # noqa: S608
    page = window(total, args)
    if page.size == 0:
        return [], page
    order = order_sql(args, columns, alias)
    rows = ctx.read(
        f"SELECT {alias}.* FROM {source}{where.sql()} "  # noqa: S608
        f"ORDER BY {order or f'{alias}.heap_pos'} LIMIT ? OFFSET ?",
        [*where.params, page.size, page.start],
    )
    if order is None:
        ctx.rng.shuffle(rows)
    return rows, page


def customers_page(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    """The ``customers`` connection."""
    rows, page = paged_rows(ctx, "customers c", "c", customer_filters(args), args,
                            CUSTOMER_ORDER)
    return connection([customer_node(r) for r in rows], page)


def scvs_page(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    """The ``scopedConfigVariables`` connection."""
    rows, page = paged_rows(ctx, "scoped_config_variables s", "s", scv_filters(args), args,
                            SCV_ORDER)
    cached = ctx.scvs()
    return connection([cached.get(r["id"]) or scv_node(r) for r in rows], page)


def ccvs_page(ctx: RequestContext, args: dict[str, Any], scv_id: str | None = None
              ) -> dict[str, Any]:
    """The ``customerConfigVariables`` connection (of one SCV when ``scv_id`` is given)."""
    where = ccv_filters(args)
    if scv_id is not None:
        where.add("v.scv_id = ?", scv_id)
    rows, page = paged_rows(ctx, "customer_config_variables v", "v", where, args, CCV_ORDER)
    return connection(ctx.ccv_nodes(rows), page)


def components_page(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    """The ``components`` connection (the catalog is small: filtered in memory)."""
    items = list(ctx.catalog.components)
    if not args.get("allVersions"):
        items = [c for c in items if c["_latest"]]
    if args.get("filterQuery") is not None:
        items = [c for c in items if matches_filter_query(args["filterQuery"], c)]
    if args.get("key") is not None:
        items = [c for c in items if c["key"] == args["key"]]
    if args.get("key_In") is not None:
        items = [c for c in items if c["key"] in args["key_In"]]
    if args.get("label_Icontains") is not None:
        needle = args["label_Icontains"].lower()
        items = [c for c in items if needle in c["label"].lower()]
    if args.get("hasConnections") is not None:
        items = [c for c in items
                 if bool(ctx.catalog.connections_of.get(c["_id"])) == args["hasConnections"]]
    columns = {"LABEL": "label", "DESCRIPTION": "description", "CATEGORY": "_category",
               "VERSION_NUMBER": "_version_number", "VERSION_CREATED_AT": "_version_created_at",
               "CUSTOMER": "_heap"}
    return in_memory_connection(sort_in_memory(ctx, items, args, columns), args)


def sort_in_memory(ctx: RequestContext, items: list[Node], args: dict[str, Any],
                   columns: dict[str, str]) -> list[Node]:
    """``items`` in the requested order, else shuffled (no stable order without ``sortBy``)."""
    keys = sort_keys(args)
    if not keys:
        items = list(items)
        ctx.rng.shuffle(items)
        return items
    items = sorted(items, key=lambda n: n["id"])
    for key in reversed(keys):
        items.sort(key=itemgetter(columns[key["field"]]), reverse=key["direction"] == "DESC")
    return items


def customer_by_id(ctx: RequestContext, raw_id: str | None) -> Node | None:
    """The ``Customer`` with raw UUID ``raw_id`` (None for None or a deleted customer)."""
    if raw_id is None:
        return None
    rows = ctx.read("SELECT * FROM customers WHERE id = ?", (raw_id,))
    return customer_node(rows[0]) if rows else None


def one(ctx: RequestContext, type_name: str, value: str, loader: str) -> Any:
    """The node with global ID ``value``; a GraphQL error when it does not exist."""
    raw = decode_id(value, type_name, "id")
    if loader == "customer":
        rows = ctx.read("SELECT * FROM customers WHERE id = ?", (raw,))
        found: Any = customer_node(rows[0]) if rows else None
    elif loader == "scv":
        found = ctx.scvs().get(raw)
    elif loader == "ccv":
        rows = ctx.read("SELECT * FROM customer_config_variables WHERE id = ?", (raw,))
        found = ctx.ccv_nodes(rows)[0] if rows else None
    else:
        found = next((c for c in ctx.catalog.components if c["_id"] == raw), None)
    if found is None:
        raise SandboxError(f"{type_name} matching query does not exist.")
    return found

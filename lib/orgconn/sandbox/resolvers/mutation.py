"""Root mutations: run the write in one transaction, answer ``{<object> errors}`` with HTTP 200."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from ariadne import ObjectType

from orgconn.sandbox import queries
from orgconn.sandbox.context import Info, RequestContext
from orgconn.sandbox.errors import FieldErrors
from orgconn.sandbox.relay import encode_id, when_selected
from orgconn.sandbox.writes import Written, create_ccv, delete_ccv, update_ccv
from orgconn.sandbox.writes_scv import create_scv, delete_scv, update_scv

mutation = ObjectType("RootMutation")
Write = Callable[[sqlite3.Connection], Written]

CCV, SCV = "CustomerConfigVariable", "ScopedConfigVariable"
LOADERS = {CCV: "ccv", SCV: "scv"}


def _payload_key(type_name: str) -> str:
    return type_name[0].lower() + type_name[1:]


def _run(ctx: RequestContext, data: dict[str, Any], type_name: str, write: Write,
         deleting: bool = False) -> dict[str, Any]:
    """Run ``write``; the payload carries the object (as it was, when deleting) or the errors."""
    key = _payload_key(type_name)
    before = None
    if deleting and data.get("id"):
        before = _snapshot(ctx, type_name, data["id"])
    if type_name == SCV:  # a connection changes: what the request's writes looked up goes
        ctx.lookups.clear()
    try:
        written = ctx.db.write(write)
    except FieldErrors as refused:
        return {key: None, "errors": refused.payload(),
                "clientMutationId": data.get("clientMutationId")}
    if not deleting:
        ctx.forget()
        # read back (as the write left it) only if selected: bulk requests ask for errors alone
        before = when_selected(functools.partial(
            queries.one, ctx, type_name, encode_id(type_name, written.raw_id),
            LOADERS[type_name]))
    return {key: before, "errors": [], "clientMutationId": data.get("clientMutationId")}


def _snapshot(ctx: RequestContext, type_name: str, global_id: str) -> Any:
    """The object about to be deleted, with everything it points to loaded."""
    try:
        node = queries.one(ctx, type_name, global_id, LOADERS[type_name])
    except Exception:
        return None
    if type_name == CCV:
        node["_batch"].preload()
    else:
        _ = ctx.scv_inputs, ctx.scv_usage
    return node


@mutation.field("createCustomerConfigVariable")
def resolve_create_ccv(_: Any, info: Info, input: dict[str, Any]) -> Any:
    """A customer's values for an org-activated connection, or its test credentials."""
    ctx = info.context
    return _run(ctx, input, CCV, lambda conn: create_ccv(conn, ctx.catalog, input,
                                                           ctx.lookups))


@mutation.field("updateCustomerConfigVariable")
def resolve_update_ccv(_: Any, info: Info, input: dict[str, Any]) -> Any:
    """Replace a customer's values (inputs left out are cleared); ``redeploy`` instances."""
    ctx = info.context
    return _run(ctx, input, CCV, lambda conn: update_ccv(conn, ctx.catalog, input,
                                                           ctx.lookups))


@mutation.field("deleteCustomerConfigVariable")
def resolve_delete_ccv(_: Any, info: Info, input: dict[str, Any]) -> Any:
    """Delete a customer's values (refused while deployed instances use them)."""
    return _run(info.context, input, CCV, lambda conn: delete_ccv(conn, input), deleting=True)


@mutation.field("createScopedConfigVariable")
def resolve_create_scv(_: Any, info: Info, input: dict[str, Any]) -> Any:
    """A new connection (scoped config variable)."""
    ctx = info.context
    return _run(ctx, input, SCV, lambda conn: create_scv(conn, ctx.catalog, input))


@mutation.field("updateScopedConfigVariable")
def resolve_update_scv(_: Any, info: Info, input: dict[str, Any]) -> Any:
    """Rename, describe, set unset global values, redeploy."""
    ctx = info.context
    return _run(ctx, input, SCV, lambda conn: update_scv(conn, ctx.catalog, input))


@mutation.field("deleteScopedConfigVariable")
def resolve_delete_scv(_: Any, info: Info, input: dict[str, Any]) -> Any:
    """Delete a connection and its customers' values (refused while instances use them)."""
    return _run(info.context, input, SCV, lambda conn: delete_scv(conn, input), deleting=True)

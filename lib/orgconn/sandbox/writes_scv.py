"""Writes of ``createScopedConfigVariable``, ``updateScopedConfigVariable`` and
``deleteScopedConfigVariable`` (connections themselves, not customers' values).

Input scopes come from each ``InputExpression.meta`` (``{"inputScope": "org"}`` = global, in
any case), and that meta is stored and served back exactly as sent; inputs not listed are per
customer (all global for variableScope org). ``customer`` makes a definition owned by one
customer; ``defaultForComponent`` is set on update (the reference's create input lacks it).
SCV ``inputs`` MERGE on update: only the named inputs change, and a global value, once set,
cannot change.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from orgconn.sandbox.db import next_heap_pos
from orgconn.sandbox.errors import ALL_FIELDS, FieldErrors
from orgconn.sandbox.nodes import CatalogIndex
from orgconn.sandbox.relay import decode_id
from orgconn.sandbox.seed import iso
from orgconn.sandbox.writes import Written
from orgconn.sandbox.writes_common import (
    USES_SCV,
    Errors,
    existing,
    input_scopes,
    mark_redeployed,
    new_id,
    now,
    parse_inputs,
)

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
SCOPES = {"customer": "CUSTOMER", "org": "ORG"}


def _choice(errors: Errors, field: str, value: str | None) -> str | None:
    if value is None or value in SCOPES:
        return value
    errors.add(field, f"Select a valid choice. {value} is not one of the available choices "
                      "(customer, org).")
    return None


def create_scv(conn: sqlite3.Connection, catalog: CatalogIndex, data: dict[str, Any]) -> Written:
    """``createScopedConfigVariable``: a connection definition with its input scopes."""
    errors = Errors()
    key, stable_key = data["key"].strip(), data["stableKey"]
    if not key:
        errors.add("key", "This field is required.")
    elif conn.execute("SELECT 1 FROM scoped_config_variables WHERE key = ?", (key,)).fetchone():
        errors.add("key", "Scoped config variable with this Key already exists.")
    if not SLUG.match(stable_key):
        errors.add("stableKey", "Enter a valid “slug” consisting of letters, numbers, "
                                "underscores or hyphens.")
    elif conn.execute("SELECT 1 FROM scoped_config_variables WHERE stable_key = ?",
                      (stable_key,)).fetchone():
        errors.add("stableKey", "Scoped config variable with this Stable key already exists.")
    scope = _choice(errors, "variableScope", data["variableScope"]) or "customer"
    managed = _choice(errors, "managedBy", data.get("managedBy")) or (
        "org" if scope == "org" else "customer")
    if scope == "org" and managed != "org":
        errors.add("managedBy", "A connection with variableScope org is managed by the org.")
    connection_id = None
    if data.get("connection") is None:
        errors.add("connection", "This field is required.")
    else:
        connection_id = decode_id(data["connection"], "Connection", "connection")
        connection = catalog.connections.get(connection_id)
        if connection is None:
            errors.add("connection", "No connection with this ID exists.")
            connection_id = None
        elif connection["oauth2Type"] and (scope, managed) == ("customer", "org"):
            errors.add("connection", "OAuth 2.0 connections cannot be organization-activated: "
                                     "choose a connection with static inputs (API key, "
                                     "username and password, ...).")
    owner = None
    if data.get("customer") is not None:
        owner = decode_id(data["customer"], "Customer", "customer")
        if not conn.execute("SELECT 1 FROM customers WHERE id = ?", (owner,)).fetchone():
            errors.add("customer", "No customer with this ID exists.")
    rows: list[tuple[str, str, str, str | None]] = []
    if connection_id is not None:
        given = {i.name: i for i in parse_inputs(catalog, connection_id, data.get("inputs"),
                                                 errors)}
        default_scope = "org" if scope == "org" else "customer"
        for name in catalog.input_keys(connection_id):
            item = given.get(name)
            input_scope = (item.scope if item else None) or default_scope
            value = item.value if item else ""
            if scope == "org" and input_scope == "customer":
                errors.add("inputs", f"Input {name!r}: a connection with variableScope org has "
                                     "only global inputs.")
            if input_scope == "customer" and value:
                errors.add("inputs", f"Input {name!r} is per customer: set its value on each "
                                     "customer (or mark it global with meta "
                                     "{\"inputScope\": \"org\"}).")
            rows.append((name, input_scope, value, item.meta if item else None))
    errors.raise_any()
    raw_id, stamp = new_id(), iso(now())
    conn.execute(
        "INSERT INTO scoped_config_variables VALUES (?,?,?,?,?,?,'ACTIVE',?,'{}',?,?,?,?,?,0)",
        (raw_id, key, stable_key, data.get("description"), SCOPES[scope], SCOPES[managed],
         connection_id, stamp, stamp, stamp, next_heap_pos(conn, "scoped_config_variables"),
         owner),
    )
    conn.executemany("INSERT INTO scv_inputs VALUES (?,?,?,?,?,?,?)", [
        (new_id(), raw_id, name, input_scope, value, pos, meta)
        for pos, (name, input_scope, value, meta) in enumerate(rows, start=1)
    ])
    return Written(raw_id)


def update_scv(conn: sqlite3.Connection, catalog: CatalogIndex, data: dict[str, Any]) -> Written:
    """``updateScopedConfigVariable``: name, description, unset global values, redeploy."""
    scv = existing(conn, data, "ScopedConfigVariable")
    raw_id = scv["id"]
    errors = Errors()
    key = data.get("key")
    if key is not None and not key.strip():
        errors.add("key", "This field is required.")
    elif key is not None and conn.execute(
            "SELECT 1 FROM scoped_config_variables WHERE key = ? AND id != ?",
            (key.strip(), raw_id)).fetchone():
        errors.add("key", "Scoped config variable with this Key already exists.")
    changes: list[tuple[str, str]] = []
    if data.get("inputs") is not None:
        current = input_scopes(conn, raw_id)
        for item in parse_inputs(catalog, scv["connection_id"], data["inputs"], errors):
            scope, value = current[item.name]
            if item.scope is not None and item.scope != scope:
                errors.add("inputs", f"Input {item.name!r} is {scope}-scoped; an input's "
                                     "scope cannot change once the connection exists.")
            elif scope == "customer" and item.value:
                errors.add("inputs", f"Input {item.name!r} is per customer: set its value on "
                                     "each customer.")
            elif scope == "org" and value and item.value != value:
                errors.add("inputs", f"Global input {item.name!r} is already set; global "
                                     "values cannot be changed once set.")
            elif scope == "org" and not value:
                changes.append((item.value, item.name))
    errors.raise_any()
    stamp = iso(now())
    conn.executemany("UPDATE scv_inputs SET value = ? WHERE scv_id = ? AND name = ?",
                     [(value, raw_id, name) for value, name in changes])
    conn.execute(
        "UPDATE scoped_config_variables SET key = ?, description = ?, updated_at = ?, "
        "last_configured_at = CASE WHEN ? THEN ? ELSE last_configured_at END, heap_pos = ?, "
        "default_for_component = COALESCE(?, default_for_component) WHERE id = ?",
        ((key or scv["key"]).strip(), data.get("description", scv["description"]), stamp,
         data.get("inputs") is not None, stamp, next_heap_pos(conn, "scoped_config_variables"),
         data.get("defaultForComponent"), raw_id))
    if data.get("redeploy"):
        mark_redeployed(conn, USES_SCV, raw_id)
    return Written(raw_id)


def delete_scv(conn: sqlite3.Connection, data: dict[str, Any]) -> Written:
    """``deleteScopedConfigVariable``: with every customer's values, unless deployed instances
    use it (whether or not their customers have values); the instances stay."""
    raw_id = existing(conn, data, "ScopedConfigVariable")["id"]
    (deployed,) = conn.execute(
        "SELECT COUNT(*) FROM connection_instances WHERE scv_id = ? AND deployed_at IS NOT NULL",
        (raw_id,)).fetchone()
    if deployed:
        raise FieldErrors.one(ALL_FIELDS, f"{deployed} deployed instance(s) use this "
                                          "connection; remove it from them first.")
    conn.execute("DELETE FROM scoped_config_variables WHERE id = ?", (raw_id,))
    return Written(raw_id)


"""The mutations' writes: small functions that take a connection inside `TenantDatabase.write`.

Each checks everything first and raises `FieldErrors` (all problems at once) before writing,
the rules being the ones documented in prismatic-api.md: one value set per customer and
connection, one set of test credentials per connection, unknown inputs refused, global inputs
set on the connection only and never changed once set, required inputs NOT enforced, values
in use by deployed instances not deletable. ``updateCustomerConfigVariable.inputs`` REPLACES:
inputs left out are cleared.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from orgconn.sandbox.db import next_heap_pos
from orgconn.sandbox.errors import ALL_FIELDS, FieldErrors
from orgconn.sandbox.nodes import CatalogIndex
from orgconn.sandbox.relay import decode_id
from orgconn.sandbox.seed import iso
from orgconn.sandbox.writes_common import (
    Errors,
    clean_inputs,
    existing,
    fetch,
    mark_redeployed,
    new_id,
    now,
    org_activated,
)

DUPLICATE = ("Customer config variable with this Scoped config variable and Customer "
             "already exists.")
ORG_MANAGED = json.dumps({"managedBy": "org"})


@dataclass(frozen=True)
class Written:
    """The raw UUID of the object a mutation wrote, and its table row when the write has it
    at hand (else the mutation reads it back)."""

    raw_id: str
    row: sqlite3.Row | None = None


def create_ccv(conn: sqlite3.Connection, catalog: CatalogIndex, data: dict[str, Any]) -> Written:
    """``createCustomerConfigVariable``: a customer's values (or the test credentials)."""
    scv_id = decode_id(data["scopedConfigVariable"], "ScopedConfigVariable",
                       "scopedConfigVariable")
    scv = fetch(conn, "scoped_config_variables", scv_id)
    if scv is None:
        raise FieldErrors.one("scopedConfigVariable",
                              "No scoped config variable with this ID exists in this tenant.")
    org_activated(scv, "scopedConfigVariable")
    errors = Errors()
    is_test = bool(data.get("isTest"))
    customer_id = (decode_id(data["customer"], "Customer", "customer")
                   if data.get("customer") is not None else None)
    if is_test and customer_id is not None:
        errors.add("customer", "Test credentials belong to no customer: leave out customer "
                               "when isTest is true.")
    elif is_test and conn.execute("SELECT 1 FROM customer_config_variables WHERE scv_id = ? "
                                  "AND is_test", (scv_id,)).fetchone():
        errors.add("isTest", "This connection already has test credentials; update them "
                             "instead.")
    elif not is_test and customer_id is None:
        errors.add("customer", "This field is required.")
    elif not is_test and fetch(conn, "customers", customer_id or "") is None:
        errors.add("customer", "No customer with this ID exists in this tenant.")
    elif not is_test and conn.execute(
            "SELECT 1 FROM customer_config_variables WHERE scv_id = ? AND customer_id = ?",
            (scv_id, customer_id)).fetchone():
        errors.add(ALL_FIELDS, DUPLICATE)
    values = clean_inputs(conn, catalog, scv, data.get("inputs"), errors)
    errors.raise_any()
    raw_id = new_id()
    stamp = iso(now())
    # heap_pos NULL: SQLite numbers the row after every other one (see `next_heap_pos`)
    (row,) = conn.execute(
        "INSERT INTO customer_config_variables VALUES (?,?,?,?,'ACTIVE',?,?,?,?,NULL) "
        "RETURNING *", (raw_id, scv_id, customer_id, int(is_test), ORG_MANAGED, stamp, stamp,
                        stamp)).fetchall()
    _write_values(conn, raw_id, values)
    return Written(raw_id, row)


def update_ccv(conn: sqlite3.Connection, catalog: CatalogIndex, data: dict[str, Any]) -> Written:
    """``updateCustomerConfigVariable``: replace the values and/or redeploy the instances."""
    ccv = existing(conn, data, "CustomerConfigVariable")
    raw_id = ccv["id"]
    scv = fetch(conn, "scoped_config_variables", ccv["scv_id"])
    assert scv is not None  # a CCV's SCV is deleted with it
    org_activated(scv, ALL_FIELDS)
    errors = Errors()
    if data.get("inputs") is not None:
        values = clean_inputs(conn, catalog, scv, data["inputs"], errors)
        errors.raise_any()
        conn.execute("DELETE FROM ccv_inputs WHERE ccv_id = ?", (raw_id,))
        _write_values(conn, raw_id, values)
        stamp = iso(now())
        conn.execute(
            "UPDATE customer_config_variables SET last_configured_at = ?, updated_at = ?, "
            "status = 'ACTIVE', heap_pos = ? WHERE id = ?",
            (stamp, stamp, next_heap_pos(conn, "customer_config_variables"), raw_id))
    if data.get("redeploy"):
        mark_redeployed(conn, "ccv_id = ?", raw_id)
    return Written(raw_id)


def delete_ccv(conn: sqlite3.Connection, data: dict[str, Any]) -> Written:
    """``deleteCustomerConfigVariable``: refused while deployed instances use the values."""
    raw_id = existing(conn, data, "CustomerConfigVariable")["id"]
    (deployed,) = conn.execute("SELECT COUNT(*) FROM instances WHERE ccv_id = ? AND "
                               "deployed_at IS NOT NULL", (raw_id,)).fetchone()
    if deployed:
        raise FieldErrors.one(ALL_FIELDS, f"These values are used by {deployed} deployed "
                                          "instance(s); remove them from those instances first.")
    conn.execute("DELETE FROM customer_config_variables WHERE id = ?", (raw_id,))
    return Written(raw_id)


def _write_values(conn: sqlite3.Connection, ccv_id: str, values: list[tuple[str, str]]) -> None:
    conn.executemany("INSERT INTO ccv_inputs VALUES (?,?,?,?,?)", [
        (new_id(), ccv_id, name, value, pos)
        for pos, (name, value) in enumerate(values, start=1)
    ])

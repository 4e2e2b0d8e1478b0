"""The mutations' writes: small functions that take a connection inside `TenantDatabase.write`.

Each checks everything first and raises `FieldErrors` (all problems at once) before writing,
the rules being the ones documented in prismatic-api.md: one value set per customer and
connection, one set of test credentials per connection, unknown inputs refused, global inputs
set on the connection only and never changed once set, required inputs NOT enforced, values
in use by deployed instances not deletable. ``updateCustomerConfigVariable.inputs`` REPLACES:
inputs left out are cleared.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from orgconn.sandbox.db import next_heap_pos
from orgconn.sandbox.errors import ALL_FIELDS, FieldErrors
from orgconn.sandbox.nodes import CatalogIndex
from orgconn.sandbox.relay import decode_id
from orgconn.sandbox.seed import iso
from orgconn.sandbox.writes_common import (
    USES_SCV,
    Errors,
    clean_inputs,
    existing,
    fetch,
    input_scopes,
    mark_redeployed,
    new_id,
    now,
    org_activated,
)

DUPLICATE = ("Customer config variable with this Scoped config variable and Customer "
             "already exists.")
ORG_MANAGED = json.dumps({"managedBy": "org"})
CUSTOMER_CHECK = ("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?), EXISTS (SELECT 1 FROM "
                  "customer_config_variables WHERE scv_id = ? AND customer_id = ?)")


@dataclass(frozen=True)
class Written:
    """The raw UUID of the object a mutation wrote (the payload reads it back if selected)."""

    raw_id: str


@dataclass
class Lookups:
    """What the writes of one request look up again and again, looked up once: each scoped
    config variable's row and its inputs' scopes (a bulk request names the same connection in
    every one of its 50 mutations). Only valid while nothing else changes connections: the
    request's connection writes `clear` it, and a request's writes run under its lock."""

    scvs: dict[str, sqlite3.Row | None] = field(default_factory=dict)
    scopes: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    def scv(self, conn: sqlite3.Connection, scv_id: str) -> sqlite3.Row | None:
        """The row of scoped config variable ``scv_id``, if any."""
        if scv_id not in self.scvs:
            self.scvs[scv_id] = fetch(conn, "scoped_config_variables", scv_id)
        return self.scvs[scv_id]

    def input_scopes(self, conn: sqlite3.Connection, scv_id: str) -> dict[str, tuple[str, str]]:
        """Each input of ``scv_id``: (scope, global value); see `writes_common.input_scopes`."""
        if scv_id not in self.scopes:
            self.scopes[scv_id] = input_scopes(conn, scv_id)
        return self.scopes[scv_id]

    def clear(self) -> None:
        """Forget everything (a connection was written)."""
        self.scvs.clear()
        self.scopes.clear()


def create_ccv(conn: sqlite3.Connection, catalog: CatalogIndex, data: dict[str, Any],
               lookups: Lookups | None = None) -> Written:
    """``createCustomerConfigVariable``: a customer's values (or the test credentials).

    ``lookups`` shares the connection's row and input scopes between the writes of one
    request (a fresh one when None).
    """
    lookups = lookups or Lookups()
    scv_id = decode_id(data["scopedConfigVariable"], "ScopedConfigVariable",
                       "scopedConfigVariable")
    scv = lookups.scv(conn, scv_id)
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
    elif not is_test:
        known, taken = conn.execute(CUSTOMER_CHECK, (customer_id, scv_id, customer_id)
                                    ).fetchone()
        if not known:
            errors.add("customer", "No customer with this ID exists in this tenant.")
        elif taken:
            errors.add(ALL_FIELDS, DUPLICATE)
    scopes = lookups.input_scopes(conn, scv_id)
    values = clean_inputs(catalog, scv, scopes, data.get("inputs"), errors)
    errors.raise_any()
    raw_id = new_id()
    stamp = iso(now())
    # heap_pos NULL: SQLite numbers the row after every other one (see `next_heap_pos`)
    conn.execute(
        "INSERT INTO customer_config_variables VALUES (?,?,?,?,'ACTIVE',?,?,?,?,NULL)",
        (raw_id, scv_id, customer_id, int(is_test), ORG_MANAGED, stamp, stamp, stamp))
    _write_values(conn, raw_id, values)
    return Written(raw_id)


def update_ccv(conn: sqlite3.Connection, catalog: CatalogIndex, data: dict[str, Any],
               lookups: Lookups | None = None) -> Written:
    """``updateCustomerConfigVariable``: replace the values and/or redeploy the instances
    (``lookups`` as for `create_ccv`)."""
    lookups = lookups or Lookups()
    ccv = existing(conn, data, "CustomerConfigVariable")
    raw_id = ccv["id"]
    scv = lookups.scv(conn, ccv["scv_id"])
    assert scv is not None  # a CCV's SCV is deleted with it
    org_activated(scv, ALL_FIELDS)
    errors = Errors()
    if data.get("inputs") is not None:
        values = clean_inputs(catalog, scv, lookups.input_scopes(conn, scv["id"]),
                              data["inputs"], errors)
        errors.raise_any()
        conn.execute("DELETE FROM ccv_inputs WHERE ccv_id = ?", (raw_id,))
        _write_values(conn, raw_id, values)
        stamp = iso(now())
        conn.execute(
            "UPDATE customer_config_variables SET last_configured_at = ?, updated_at = ?, "
            "status = 'ACTIVE', heap_pos = ? WHERE id = ?",
            (stamp, stamp, next_heap_pos(conn, "customer_config_variables"), raw_id))
    if data.get("redeploy"):
        mark_redeployed(conn, f"customer_id = ? AND {USES_SCV}", ccv["customer_id"],
                        ccv["scv_id"])
    return Written(raw_id)


def delete_ccv(conn: sqlite3.Connection, data: dict[str, Any]) -> Written:
    """``deleteCustomerConfigVariable``: refused while deployed instances use the values (the
    customer's instances of integrations that use the connection); the instances stay."""
    ccv = existing(conn, data, "CustomerConfigVariable")
    raw_id = ccv["id"]
    (deployed,) = conn.execute("SELECT COUNT(*) FROM connection_instances WHERE customer_id = ? "
                               "AND scv_id = ? AND deployed_at IS NOT NULL",
                               (ccv["customer_id"], ccv["scv_id"])).fetchone()
    if deployed:
        raise FieldErrors.one(ALL_FIELDS, f"These values are used by {deployed} deployed "
                                          "instance(s); remove them from those instances first.")
    conn.execute("DELETE FROM customer_config_variables WHERE id = ?", (raw_id,))
    return Written(raw_id)


@functools.cache
def _insert_inputs(count: int) -> str:
    """One INSERT of ``count`` input rows (cheaper than executemany of one-row INSERTs)."""
    return "INSERT INTO ccv_inputs VALUES " + ",".join(["(?,?,?,?,?)"] * count)  # noqa: S608 - placeholders only


def _write_values(conn: sqlite3.Connection, ccv_id: str, values: list[tuple[str, str]]) -> None:
    if values:
        conn.execute(_insert_inputs(len(values)), [
            field for pos, (name, value) in enumerate(values, start=1)
            for field in (new_id(), ccv_id, name, value, pos)])

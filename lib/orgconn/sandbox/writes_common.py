"""Checks shared by the mutations: IDs, input expressions, the org-activated rule."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orgconn.sandbox.errors import FieldErrors
from orgconn.sandbox.nodes import CatalogIndex
from orgconn.sandbox.relay import decode_id

TABLES = frozenset({"customers", "scoped_config_variables", "customer_config_variables"})


class Errors:
    """Field errors collected while checking one mutation's input."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        """Note one problem with ``field`` (camelCase input name or ``__all__``)."""
        self.by_field.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        """Raise `FieldErrors` if any problem was noted."""
        if self.by_field:
            raise FieldErrors(self.by_field)


@dataclass(frozen=True)
class CleanInput:
    """One checked ``InputExpression``: name, value (``""`` for none), scope asked in meta
    (lowercase, whatever case was sent) and the meta text exactly as sent."""

    name: str
    value: str
    scope: str | None
    meta: str | None = None


def now() -> datetime:
    """The time a write happens."""
    return datetime.now(UTC)


_last_stamp = [0, 0]  # [milliseconds, counter] of the last ID made: see `new_id`


def new_id() -> str:
    """A fresh time-ordered (version 7) UUID for an object created through the API.

    Opaque to callers like any UUID, but IDs made later sort after earlier ones (48-bit
    millisecond clock, then a 12-bit counter within the millisecond, then 62 random bits), so
    the rows and index entries a bulk write adds land at the end of the B-trees instead of on
    random pages: a commit of 50 values writes a few dozen pages to the WAL rather than
    hundreds. Built from bytes, not a UUID object (a write makes one per value it stores).
    """
    millis = time.time_ns() // 1_000_000
    last = _last_stamp
    if millis <= last[0]:  # same millisecond (or the clock stepped back): count on
        millis, counter = last[0], last[1] + 1
        if counter > 0xFFF:
            millis, counter = millis + 1, 0
    else:
        counter = 0
    last[0], last[1] = millis, counter
    rand = int.from_bytes(os.urandom(8)) & 0x3FFF_FFFF_FFFF_FFFF
    value = (millis << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def fetch(conn: sqlite3.Connection, table: str, raw_id: str) -> sqlite3.Row | None:
    """The row of ``table`` with UUID ``raw_id``, if any."""
    assert table in TABLES
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM {table} WHERE id = ?", (raw_id,)).fetchone()  # noqa: S608
    return row


def require_id(data: dict[str, Any], type_name: str) -> str:
    """The UUID of ``data["id"]``: a field error when absent, a GraphQL error when malformed."""
    if not data.get("id"):
        raise FieldErrors.one("id", "This field is required.")
    return decode_id(data["id"], type_name, "id")


def existing(conn: sqlite3.Connection, data: dict[str, Any], type_name: str) -> sqlite3.Row:
    """The row that ``data["id"]`` names; field errors when it is absent or names nothing."""
    table = {"CustomerConfigVariable": "customer_config_variables",
             "ScopedConfigVariable": "scoped_config_variables"}[type_name]
    row = fetch(conn, table, require_id(data, type_name))
    if row is None:
        noun = "customer" if type_name.startswith("Customer") else "scoped"
        raise FieldErrors.one("id", f"No {noun} config variable with this ID exists in this "
                                    "tenant.")
    return row


def org_activated(scv: sqlite3.Row, field: str) -> None:
    """Refuse values for anything but an org-activated customer connection (CUSTOMER/ORG)."""
    scope, managed = scv["variable_scope"], scv["managed_by"]
    if (scope, managed) != ("CUSTOMER", "ORG"):
        raise FieldErrors.one(field, (
            f"{scv['key']} is variableScope {scope}, managedBy {managed}: the organization sets "
            "per-customer values only on org-activated customer connections (CUSTOMER/ORG)."))


def parse_inputs(catalog: CatalogIndex, connection_id: str, inputs: list[Any] | None,
                 errors: Errors) -> list[CleanInput]:
    """Check ``InputExpression`` items against the connection's inputs; problems go to
    ``errors`` under ``inputs``."""
    keys = catalog.input_keys(connection_id)
    label = catalog.connections[connection_id]["label"]
    seen: set[str] = set()
    result: list[CleanInput] = []
    for item in inputs or []:
        if item is None:
            continue
        name = item["name"]
        if name not in keys:
            errors.add("inputs", f"Unknown input {name!r}: the inputs of {label} are "
                                 f"{', '.join(keys)}.")
            continue
        if name in seen:
            errors.add("inputs", f"Input {name!r} is given more than once.")
        seen.add(name)
        if item.get("type") not in (None, "value"):
            errors.add("inputs", f"Input {name!r} has type {item.get('type')!r}; connection "
                                 "values take type \"value\" (lowercase).")
        scope = None
        if item.get("meta"):  # any case: Prismatic's own script sends "ORG"/"CUSTOMER"
            try:
                meta = json.loads(item["meta"])
                scope = meta.get("inputScope") if isinstance(meta, dict) else None
                scope = scope.lower() if isinstance(scope, str) else scope
                if not isinstance(meta, dict) or scope not in (None, "customer", "org"):
                    raise ValueError
            except ValueError:
                errors.add("inputs", f"Input {name!r}: meta must be a JSON object whose "
                                     "inputScope is \"customer\" or \"org\" (any case).")
        result.append(CleanInput(name, item.get("value") or "", scope, item.get("meta")))
    return result


def input_scopes(conn: sqlite3.Connection, scv_id: str) -> dict[str, tuple[str, str]]:
    """Each input of a scoped config variable: (scope, global value)."""
    rows = conn.execute("SELECT name, input_scope, value FROM scv_inputs WHERE scv_id = ?",
                        (scv_id,))
    return {row["name"]: (row["input_scope"], row["value"]) for row in rows}


def clean_inputs(catalog: CatalogIndex, scv: sqlite3.Row, scopes: dict[str, tuple[str, str]],
                 inputs: list[Any] | None, errors: Errors) -> list[tuple[str, str]]:
    """A customer's checked values as (name, value); global inputs are refused. ``scopes``
    are the connection's `input_scopes`."""
    values = []
    for item in parse_inputs(catalog, scv["connection_id"], inputs, errors):
        if scopes.get(item.name, ("customer", ""))[0] == "org":
            errors.add("inputs", f"Input {item.name!r} is global for {scv['key']}: its value "
                                 "is set once on the connection, not per customer.")
            continue
        values.append((item.name, item.value))
    return values


USES_SCV = ("integration_id IN (SELECT integration_id FROM integration_connections "
            "WHERE scv_id = ?)")
"""A condition on ``instances``: the instance's integration uses the SCV (the parameter)."""


def mark_redeployed(conn: sqlite3.Connection, where: str, *params: str) -> None:
    """Count a redeploy on every deployed instance selected by ``where`` (on ``instances``)."""
    sql = ("UPDATE instances SET redeploy_count = redeploy_count + 1, "  # noqa: S608
           f"last_redeployed_at = ? WHERE deployed_at IS NOT NULL AND {where}")
    conn.execute(sql, (now().isoformat(timespec="microseconds"), *params))

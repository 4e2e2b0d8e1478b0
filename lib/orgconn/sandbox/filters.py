"""Filter arguments to SQL, as strict as graphene-django's filtersets.

String filters naming an enum value take the value in lowercase (``managedBy: "org"``); any
other spelling is a GraphQL error in django-filter's JSON form, which names the argument and
the accepted values. ID filters must be IDs of the right type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orgconn.sandbox.errors import SandboxError
from orgconn.sandbox.relay import decode_id

MANAGED_BY = ("customer", "org", "system")
VARIABLE_SCOPE = ("customer", "org")
STATUS = ("active", "error", "failed", "pending")


def invalid_choice(argument: str, value: object, choices: tuple[str, ...]) -> SandboxError:
    """The error django-filter reports for a value outside ``choices``."""
    message = (f"Select a valid choice. {value} is not one of the available choices "
               f"({', '.join(choices)}).")
    return SandboxError(json.dumps({argument: [{"message": message, "code": "invalid_choice"}]}))


def choice(argument: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` as stored (uppercase) if it is one of the lowercase ``choices``."""
    if value not in choices:
        raise invalid_choice(argument, value, choices)
    return value.upper()


def iso_utc(moment: datetime) -> str:
    """A time in the stored form, for comparisons (naive times are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class Where:
    """SQL conditions joined with AND, and their parameters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        """Add one condition."""
        self.clauses.append(clause)
        self.params.extend(params)

    def add_in(self, column: str, values: list[Any]) -> None:
        """Add ``column IN (values)`` (false for an empty list, as Django does)."""
        if not values:
            self.clauses.append("0")
            return
        self.add(f"{column} IN ({','.join('?' * len(values))})", *values)

    def sql(self) -> str:
        """`` WHERE ...`` or nothing."""
        return f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def customer_filters(args: dict[str, Any]) -> Where:
    """Conditions on ``customers c`` from the ``customers`` arguments."""
    where = Where()
    if args.get("externalId") is not None:
        where.add("c.external_id = ?", args["externalId"])
    if args.get("isSystem") is not None:
        where.add("c.is_system = ?", int(args["isSystem"]))
    if args.get("name") is not None:
        where.add("c.name = ?", args["name"])
    if args.get("name_Icontains") is not None:
        where.add("instr(lower(c.name), lower(?)) > 0", args["name_Icontains"])
    if args.get("labels_Contains") is not None:
        where.add("EXISTS (SELECT 1 FROM json_each(c.labels) WHERE value = ?)",
                  args["labels_Contains"])
    if args.get("labels_Icontains") is not None:
        where.add("EXISTS (SELECT 1 FROM json_each(c.labels) "
                  "WHERE instr(lower(value), lower(?)) > 0)", args["labels_Icontains"])
    if args.get("createdAt_Gte") is not None:
        where.add("c.created_at >= ?", iso_utc(args["createdAt_Gte"]))
    if args.get("createdAt_Lte") is not None:
        where.add("c.created_at <= ?", iso_utc(args["createdAt_Lte"]))
    return where


def scv_filters(args: dict[str, Any], prefix: str = "") -> Where:
    """Conditions on ``scoped_config_variables s`` from ``scopedConfigVariables`` arguments
    (or, with ``prefix="scopedConfigVariable_"``, from the CCV arguments that reach it:
    ``scopedConfigVariable_StableKey``, ``scopedConfigVariable_ManagedBy``, ...)."""

    def arg(name: str) -> str:
        return f"{prefix}{name[0].upper()}{name[1:]}" if prefix else name

    where = Where()
    if args.get(arg("stableKey")) is not None:
        where.add("s.stable_key = ?", args[arg("stableKey")])
    if args.get(arg("stableKey_In")) is not None:
        where.add_in("s.stable_key", list(args[arg("stableKey_In")]))
    if args.get(arg("key")) is not None:
        where.add("s.key = ?", args[arg("key")])
    if args.get(arg("key_Icontains")) is not None:
        where.add("instr(lower(s.key), lower(?)) > 0", args[arg("key_Icontains")])
    if args.get(arg("managedBy")) is not None:
        where.add("s.managed_by = ?", choice(arg("managedBy"), args[arg("managedBy")], MANAGED_BY))
    if args.get(arg("variableScope")) is not None:
        where.add("s.variable_scope = ?",
                  choice(arg("variableScope"), args[arg("variableScope")], VARIABLE_SCOPE))
    if not prefix:
        if not args.get("includeCustomer"):  # customers' own definitions only when asked
            where.add("s.customer_id IS NULL")
        _status_filters(args, "s", where)
        if args.get("id_In") is not None:
            where.add_in("s.id", [decode_id(v, "ScopedConfigVariable", "id_In")
                                  for v in args["id_In"]])
    return where


def ccv_filters(args: dict[str, Any]) -> Where:
    """Conditions on ``customer_config_variables v`` (conditions on its scoped config variable
    become one ``IN (SELECT ...)`` evaluated once)."""
    scv_where = scv_filters(args, prefix="scopedConfigVariable_")
    where = Where()
    if scv_where.clauses:
        subquery = f"SELECT s.id FROM scoped_config_variables s{scv_where.sql()}"  # noqa: S608
        where.add(f"v.scv_id IN ({subquery})", *scv_where.params)
    if args.get("scopedConfigVariable") is not None:
        where.add("v.scv_id = ?", decode_id(args["scopedConfigVariable"],
                                            "ScopedConfigVariable", "scopedConfigVariable"))
    if args.get("customer") is not None:
        where.add("v.customer_id = ?", decode_id(args["customer"], "Customer", "customer"))
    if args.get("isTest") is not None:
        where.add("v.is_test = ?", int(args["isTest"]))
    _status_filters(args, "v", where)
    if args.get("id_In") is not None:
        where.add_in("v.id", [decode_id(v, "CustomerConfigVariable", "id_In")
                              for v in args["id_In"]])
    return where


FILTER_OPERATORS = ("and", "or", "not", "in", "eq")


def matches_filter_query(query: Any, node: dict[str, Any]) -> bool:
    """Whether ``node`` passes a ``filterQuery`` (JSON text or its parsed list), as Prismatic's
    CLI sends it: ``["or", ["in", "key", "acme"], ["in", "label", "acme"]]``. ``in`` is a
    case-insensitive "contains"; ``and``/``or``/``not``/``eq`` combine and compare."""
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError:
            raise SandboxError(f"filterQuery is not JSON: {query[:80]!r}") from None
    if not isinstance(query, list) or not query or query[0] not in FILTER_OPERATORS:
        raise SandboxError(f"filterQuery must be a list starting with one of "
                           f"{', '.join(FILTER_OPERATORS)}, e.g. [\"in\", \"key\", \"acme\"]")
    operator, *operands = query
    if operator == "and":
        return all(matches_filter_query(each, node) for each in operands)
    if operator == "or":
        return any(matches_filter_query(each, node) for each in operands)
    if operator == "not":
        return not any(matches_filter_query(each, node) for each in operands)
    if len(operands) != 2 or not isinstance(operands[0], str):
        raise SandboxError(f"filterQuery: {operator} takes a field name and a value")
    field_value, wanted = node.get(operands[0]), operands[1]
    if operator == "eq":
        return bool(field_value == wanted)
    return str(wanted).lower() in str(field_value or "").lower()


def _status_filters(args: dict[str, Any], alias: str, where: Where) -> None:
    if args.get("status") is not None:
        where.add(f"{alias}.status = ?", choice("status", args["status"], STATUS))
    if args.get("status_In") is not None:
        where.add_in(f"{alias}.status", [choice("status_In", v, STATUS)
                                         for v in args["status_In"]])

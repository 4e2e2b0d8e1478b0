"""Plans that write, safely: nothing lost, nothing doubled, nothing cleared by accident.

- An update always sends every per-customer input: given values merged over the current ones
  (Prismatic does not document whether ``inputs`` replaces or merges; the sandbox replaces).
  A current secret the tenant will not return cannot be sent back, so such an update needs
  that secret among the given values (`InvalidValuesError` otherwise).
- A write whose answer is lost (`OutcomeUnknownError` from the transport) is never re-sent
  blindly: the plan reads the object back and re-sends only if the write did not happen —
  a create is found by (connection, customer), an update by its values (or, when secrets are
  hidden, by ``lastConfiguredAt`` having moved), a delete by the object being gone.
- `upsert_values` finds existing values first, creates or updates, and turns a create refused
  because the values appeared meanwhile into an update.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import SecretStr

from orgconn.client.documents import Call, operation
from orgconn.client.plans import Plan
from orgconn.client.reads import (
    Definitions,
    connection_by_id,
    connection_by_stable_key,
    customer_values,
    customer_values_by_id,
    test_credentials,
)
from orgconn.errors import FieldError, InvalidValuesError, OutcomeUnknownError, PayloadError
from orgconn.models import (
    ComponentConnection,
    CustomerValues,
    InputScope,
    OrgConnection,
    UpsertResult,
)

log = logging.getLogger("orgconn.client")

T = TypeVar("T")
Values = Mapping[str, "str | SecretStr | None"]


def _text(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def _payload(data: Mapping[str, Any], field: str, object_field: str, call: Call
             ) -> dict[str, Any]:
    """The object a mutation answered, or the `PayloadError` its ``errors`` mean (already
    scrubbed of secrets by the transport)."""
    payload = data.get(field) or {}
    errors = [FieldError(str(e.get("field") or "__all__"), tuple(map(str, e.get("messages") or [])))
              for e in payload.get("errors") or [] if isinstance(e, dict)]
    if errors:
        raise PayloadError(call.operation.name, errors)
    obj = payload.get(object_field)
    if not isinstance(obj, dict):
        raise PayloadError(call.operation.name, [FieldError("__all__", ("answered no object",))])
    return obj


def check_values(connection: OrgConnection, values: Values) -> None:
    """Refuse keys that are not per-customer inputs of ``connection``, saying which ones are."""
    if not connection.is_org_activated_customer:
        raise InvalidValuesError(
            f"{connection.name!r} ({connection.stable_key}) is not an org-activated customer "
            "connection; orgconn only writes customers' values of those")
    for key in values:
        found = connection.input(key)
        if found is None:
            allowed = ", ".join(i.key for i in connection.per_customer_inputs) or "none"
            raise InvalidValuesError(f"{key!r} is not an input of {connection.name!r} "
                                     f"({connection.stable_key}); its per-customer inputs are "
                                     f"{allowed}")
        if found.is_global:
            raise InvalidValuesError(f"{key!r} is a global input of {connection.name!r}: its one "
                                     "value is set on the connection, not per customer")


def intended_values(connection: OrgConnection, current: CustomerValues | None, values: Values,
                    *, overwrite: bool = True) -> dict[str, str] | None:
    """Every per-customer input's value after merging ``values`` over ``current``.

    Returns None when that changes nothing. ``overwrite=False`` keeps values that are already
    set. Raises `InvalidValuesError` when a change needs a hidden secret to be sent back.
    """
    check_values(connection, values)
    intended: dict[str, str] = {}
    changed = current is None
    hidden: list[str] = []
    for key in (i.key for i in connection.per_customer_inputs):
        now = current.values.get(key) if current else None
        given = values.get(key)
        if given is not None and (overwrite or now is None or not now.has_value):
            intended[key] = _text(given)
            if now is None:
                changed = changed or intended[key] != ""
            elif not now.is_readable or now.secret_value() != intended[key]:
                changed = True  # a hidden secret cannot be compared: assume it changes
        elif now is not None and now.is_readable:
            intended[key] = now.secret_value()
        elif now is not None:
            hidden.append(key)  # kept, but would have to be sent back
        else:
            intended[key] = ""
    if not changed:
        return None
    if hidden:
        raise InvalidValuesError(
            f"the tenant does not return the value of {', '.join(map(repr, hidden))}, and an "
            "update must send every per-customer input: give a value for it too")
    return intended


def _inputs(intended: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": key, "type": "value", "value": value} for key, value in intended.items()]


def secrets_carried(connection: OrgConnection, intended: Mapping[str, str],
            current: CustomerValues | None = None) -> tuple[str, ...]:
    """The secret values a write carries, and those it replaces (a tenant may echo either)."""
    replaced = [v.secret_value() for v in (current.values.values() if current else ())
                if v.is_secret and v.secret_value()]
    return (*(v for k, v in intended.items() if k in connection.secret_keys and v), *replaced)


def _find(definitions: Definitions, connection: OrgConnection, customer_id: str | None
          ) -> Plan[CustomerValues | None]:
    if customer_id is None:
        found = yield from test_credentials(definitions, connection.id)
        return found
    matches = yield from customer_values(definitions, connection_id=connection.id,
                                         customer_id=customer_id)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Applied(Generic[T]):
    """A read-back's verdict that a write took effect, with the result to return."""

    result: T


def reconciled(call: Call, *, read_back: Callable[[], Plan[Applied[T] | None]],
               parse: Callable[[dict[str, Any]], T], attempts: int) -> Plan[T]:
    """Send the write ``call``; after a lost answer, read back before sending it again.

    ``read_back`` answers `Applied` (with the result to return) if the write took effect,
    else None; ``parse`` turns a normal answer's ``data`` into the result (raising
    `PayloadError`). Gives up with the last `OutcomeUnknownError` after ``attempts`` sends.
    """
    last: OutcomeUnknownError | None = None
    for _ in range(attempts):
        try:
            data = yield call
        except OutcomeUnknownError as lost:
            log.info("%s: answer lost, reading back before any retry", call.operation.name)
            verdict = yield from read_back()
            if verdict is not None:
                return verdict.result
            last = lost
            continue
        return parse(data)
    assert last is not None, "attempts must be at least 1"
    raise last


def create_values(definitions: Definitions, connection: OrgConnection, customer_id: str | None,
                  values: Values, *, attempts: int) -> Plan[CustomerValues]:
    """Create a customer's values (or, with ``customer_id`` None, the test credentials)."""
    intended = intended_values(connection, None, values) or {}
    body: dict[str, Any] = {"scopedConfigVariable": connection.id,
                            "isTest": customer_id is None,
                            "inputs": _inputs(intended)}
    if customer_id is not None:
        body["customer"] = customer_id
    call = Call(operation("CreateCustomerValues"), {"input": body},
                redact=secrets_carried(connection, intended))

    def read_back() -> Plan[Applied[CustomerValues] | None]:
        existing = yield from _find(definitions, connection, customer_id)
        return Applied(existing) if existing is not None else None

    def parse(data: dict[str, Any]) -> CustomerValues:
        node = _payload(data, "createCustomerConfigVariable", "customerConfigVariable", call)
        return CustomerValues.from_node(node, connection.secret_keys)

    return (yield from reconciled(call, read_back=read_back, parse=parse, attempts=attempts))


def update_values(definitions: Definitions, connection: OrgConnection, current: CustomerValues,
                  intended: Mapping[str, str], *, redeploy: bool, attempts: int
                  ) -> Plan[CustomerValues]:
    """Send every per-customer input (``intended``, see `intended_values`) to ``current``."""
    call = Call(operation("UpdateCustomerValues"), {"input": {
        "id": current.id, "inputs": _inputs(intended), "redeploy": redeploy}},
        redact=secrets_carried(connection, intended, current))

    def read_back() -> Plan[Applied[CustomerValues] | None]:
        now = yield from customer_values_by_id(definitions, current.id)
        if now is None:
            raise OutcomeUnknownError("these values were deleted by someone else while "
                                      "orgconn was updating them; reload and try again")
        return Applied(now) if _update_applied(now, current, intended) else None

    def parse(data: dict[str, Any]) -> CustomerValues:
        node = _payload(data, "updateCustomerConfigVariable", "customerConfigVariable", call)
        return CustomerValues.from_node(node, connection.secret_keys)

    return (yield from reconciled(call, read_back=read_back, parse=parse, attempts=attempts))


def _update_applied(now: CustomerValues, before: CustomerValues, intended: Mapping[str, str]
                    ) -> bool:
    readable = [now.values.get(k) for k in intended]
    if all(v is not None and v.is_readable for v in readable):
        return all(v is not None and v.secret_value() == intended[v.name] for v in readable)
    return now.last_configured_at != before.last_configured_at


def _deleted(read: Callable[[], Plan[object | None]]) -> Plan[Applied[None] | None]:
    """Read-back of a delete: it took effect when the object is gone."""
    now = yield from read()
    return Applied(None) if now is None else None


def delete_values(definitions: Definitions, values_id: str, *, attempts: int) -> Plan[None]:
    """Delete a CCV by ID (refused with a `PayloadError` while deployed instances use it)."""
    call = Call(operation("DeleteCustomerValues"), {"input": {"id": values_id}})
    return (yield from reconciled(
        call, read_back=lambda: _deleted(lambda: customer_values_by_id(definitions, values_id)),
        parse=lambda data: _checked(data, "deleteCustomerConfigVariable",
                                    "customerConfigVariable", call),
        attempts=attempts))


def _checked(data: Mapping[str, Any], field: str, object_field: str, call: Call) -> None:
    _payload(data, field, object_field, call)


def upsert_values(definitions: Definitions, connection: OrgConnection, customer_id: str | None,
                  values: Values, *, overwrite: bool, redeploy: bool, attempts: int
                  ) -> Plan[UpsertResult]:
    """Create or update one customer's values (``customer_id`` None: test credentials)."""
    check_values(connection, values)
    existing = yield from _find(definitions, connection, customer_id)
    if existing is None:
        try:
            created = yield from create_values(definitions, connection, customer_id, values,
                                               attempts=attempts)
            return UpsertResult(action="created", values=created)
        except PayloadError:
            existing = yield from _find(definitions, connection, customer_id)
            if existing is None:
                raise
    intended = intended_values(connection, existing, values, overwrite=overwrite)
    if intended is None:
        return UpsertResult(action="unchanged", values=existing)
    updated = yield from update_values(definitions, connection, existing, intended,
                                       redeploy=redeploy, attempts=attempts)
    return UpsertResult(action="updated", values=updated)


def create_connection(definitions: Definitions, connection: ComponentConnection, *, name: str,
                      stable_key: str, description: str, scopes: Mapping[str, InputScope],
                      global_values: Values, default_for_component: bool = False,
                      attempts: int) -> Plan[OrgConnection]:
    """Create an org-activated customer connection on a component connection.

    ``CreateScopedConfigVariableInput`` has no ``defaultForComponent``: when asked, it is set
    by an update of the connection just created (as Prismatic's provisioning script does).
    """
    keys = [i.key for i in connection.inputs]
    for key in [*scopes, *global_values]:
        if key not in keys:
            raise InvalidValuesError(f"{key!r} is not an input of {connection.label!r}; its "
                                     f"inputs are {', '.join(keys) or 'none'}")
    inputs, redact = [], []
    secret = {i.key for i in connection.inputs if i.is_secret}
    for key in keys:
        scope = InputScope(scopes.get(key, InputScope.CUSTOMER))
        given = global_values.get(key)
        if given is not None and scope is not InputScope.ORG:
            raise InvalidValuesError(f"{key!r} has a global value but is per-customer: make it "
                                     "global (scope org) or leave its value out")
        value = _text(given) if given is not None else ""
        if key in secret and value:
            redact.append(value)
        inputs.append({"name": key, "type": "value", "value": value,
                       "meta": json.dumps({"managedBy": "org", "inputScope": scope.value})})
    call = Call(operation("CreateOrgConnection"), {"input": {
        "key": name, "stableKey": stable_key, "variableScope": "customer", "managedBy": "org",
        "connection": connection.id, "description": description, "inputs": inputs}},
        redact=tuple(redact))

    def read_back() -> Plan[Applied[OrgConnection] | None]:
        existing = yield from connection_by_stable_key(definitions, stable_key)
        return Applied(existing) if existing is not None else None

    created = yield from reconciled(
        call, read_back=read_back, attempts=attempts,
        parse=lambda data: _connection(definitions, data, "createScopedConfigVariable", call))
    if default_for_component and not created.default_for_component:
        created = yield from update_connection(definitions, created, name=None, description=None,
                                               default_for_component=True, attempts=attempts)
    return created


def _connection(definitions: Definitions, data: Mapping[str, Any], field: str, call: Call
                ) -> OrgConnection:
    connection = OrgConnection.from_node(_payload(data, field, "scopedConfigVariable", call))
    definitions.learn([connection])
    return connection


def update_connection(definitions: Definitions, connection: OrgConnection, *,
                      name: str | None, description: str | None,
                      default_for_component: bool | None = None, attempts: int
                      ) -> Plan[OrgConnection]:
    """Rename a connection, change its description or whether the designer uses it by default
    (its stable key never changes); None leaves a field as it is."""
    body = {"id": connection.id, "key": name, "description": description,
            "defaultForComponent": default_for_component}
    call = Call(operation("UpdateOrgConnection"),
                {"input": {k: v for k, v in body.items() if v is not None}})

    def read_back() -> Plan[Applied[OrgConnection] | None]:
        now = yield from connection_by_id(definitions, connection.id)
        if now is not None and name in (None, now.name) and description in (
                None, now.description) and default_for_component in (
                None, now.default_for_component):
            return Applied(now)
        return None

    return (yield from reconciled(
        call, read_back=read_back, attempts=attempts,
        parse=lambda data: _connection(definitions, data, "updateScopedConfigVariable", call)))


def delete_connection(definitions: Definitions, connection_id: str, *, attempts: int
                      ) -> Plan[None]:
    """Delete a connection definition (refused with a `PayloadError` while in use)."""
    call = Call(operation("DeleteOrgConnection"), {"input": {"id": connection_id}})
    return (yield from reconciled(
        call, read_back=lambda: _deleted(lambda: connection_by_id(definitions, connection_id)),
        parse=lambda data: _checked(data, "deleteScopedConfigVariable", "scopedConfigVariable",
                                    call),
        attempts=attempts))

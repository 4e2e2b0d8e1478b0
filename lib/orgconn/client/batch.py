"""Many value writes in one request: aliased create/update mutations, answered row by row.

Prismatic's API takes several mutation fields in one document (``r0: createCustomerConfig...``,
``r1: ...``), each answering its own ``errors``. `ClientMethods.write_values_batch` sends such a
batch of rows of one kind (all creates or all updates, so the same few documents repeat),
selecting only ``errors`` (empty: written, as Prismatic documents it): one HTTP request and one
parse for up to `BATCH_SIZE` rows instead of one each. Written as sans-IO plans like the other
methods (`plans`): `batch_call` builds the request, `read_answers` reads it.

Safety stays the caller's choice, the client's way: a batch whose answer was lost (or that
failed as a whole) raises and must never be re-sent as is — send each of its rows with
`upsert_customer_values`, which reads the values back first and writes only what is still
missing (bulk apply does). Every document here is validated against Prismatic's reference schema
in the tests, like the operations in ``operations/*.graphql``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import SecretStr

from orgconn.client.documents import Call, Operation
from orgconn.client.plans import Plan
from orgconn.client.writes import intended_values, secrets_carried
from orgconn.models import Customer, CustomerValues, OrgConnection

BATCH_SIZE = 50  # per request: the sandbox's HTTP and commit costs shared by 50 rows; a real
# stack answers 50 writes well within the client's 30 s read timeout
WriteKind = Literal["create", "update"]
_FIELDS = {"create": ("createCustomerConfigVariable", "CreateCustomerConfigVariableInput"),
           "update": ("updateCustomerConfigVariable", "UpdateCustomerConfigVariableInput")}


class ValuesWrite(Protocol):
    """One row of a batch: ``values`` of ``connection`` for ``customer``, over ``current``.

    A create needs ``connection`` and ``customer``; an update also ``current`` (the values
    read before). Any object with these attributes will do (bulk sends its plan's rows as
    they are).
    """

    @property
    def connection(self) -> OrgConnection | None: ...
    @property
    def customer(self) -> Customer | None: ...
    @property
    def current(self) -> CustomerValues | None: ...
    @property
    def values(self) -> Mapping[str, str | SecretStr]: ...


@functools.cache
def batch_operation(kind: WriteKind, size: int) -> Operation:
    """The mutation writing ``size`` rows of ``kind`` at once (variables ``$v0``...)."""
    field, input_type = _FIELDS[kind]
    name = f"Bulk{kind.title()}CustomerValues{size}"
    variables = ", ".join(f"$v{n}: {input_type}!" for n in range(size))
    fields = "\n".join(f"  r{n}: {field}(input: $v{n}) {{ errors {{ field messages }} }}"
                       for n in range(size))
    return Operation(name, f"mutation {name}({variables}) {{\n{fields}\n}}", is_mutation=True)


def _input(row: ValuesWrite, kind: WriteKind, overwrite: bool
           ) -> tuple[dict[str, Any], list[str]]:
    """The mutation input of one row and the secret values it carries (to redact)."""
    assert row.connection is not None and row.customer is not None
    intended = intended_values(row.connection, row.current if kind == "update" else None,
                               row.values, overwrite=overwrite) or {}
    inputs = [{"name": key, "type": "value", "value": value} for key, value in intended.items()]
    secrets = list(secrets_carried(row.connection, intended,
                                   row.current if kind == "update" else None))
    if kind == "create":
        return {"scopedConfigVariable": row.connection.id, "customer": row.customer.id,
                "isTest": False, "inputs": inputs}, secrets
    assert row.current is not None
    return {"id": row.current.id, "inputs": inputs, "redeploy": False}, secrets


def batch_call(kind: WriteKind, rows: Sequence[ValuesWrite], *, overwrite: bool) -> Call:
    """One request writing ``rows`` (all of ``kind``), secrets listed for redaction."""
    variables, redact = {}, []
    for n, row in enumerate(rows):
        variables[f"v{n}"], secrets = _input(row, kind, overwrite)
        redact += secrets
    return Call(batch_operation(kind, len(rows)), variables, redact=tuple(redact))


@dataclass(frozen=True)
class RowAnswer:
    """What the batch answered for one row: written, or the reason it was refused."""

    written: bool
    message: str = ""


def send_batch(call: Call) -> Plan[list[RowAnswer]]:
    """Send ``call`` and read each row's answer (raises the transport's errors as they are)."""
    data = yield call
    return read_answers(data, len(call.variables))


def read_answers(data: Mapping[str, Any], size: int) -> list[RowAnswer]:
    """Each aliased field's verdict: written (its ``errors`` came back empty) or its errors
    (scrubbed of secrets by the transport; a missing answer is not written)."""
    answers = []
    for n in range(size):
        payload = data.get(f"r{n}") or {}
        errors = payload.get("errors")
        if errors == []:
            answers.append(RowAnswer(True))
            continue
        text = "; ".join(f"{e.get('field') or '__all__'}: {' '.join(e.get('messages') or [])}"
                         for e in errors or []) or "the tenant answered nothing for this row"
        answers.append(RowAnswer(False, text))
    return answers

"""Per stable key: how the tenants' connection definitions differ.

Compared, for the org-activated customer connections (CUSTOMER/ORG) of each stable key:

- where it exists (`Kind.CONNECTION_MISSING`; a tenant where the key belongs to an
  org-activated global or customer-activated connection says so — orgconn leaves those alone
  and does not compare them otherwise);
- name, description, component connection (``component/connection``);
- which inputs exist and each input's scope; for inputs global everywhere, their values
  (plain values shown, secrets by fingerprint, "can't compare" when a tenant hides them).

Each difference is reported once: a tenant lacking the key takes no part in the other rows;
when the component connection differs, the inputs (which follow from it) are not compared; an
input missing somewhere or scoped differently has no value row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from orgconn.models import ConnectionInput, OrgConnection
from orgconn.services.compare.compare_kinds import (
    EMPTY,
    MISSING,
    NOT_CONCERNED,
    NOT_SET,
    PRESENT,
    SCOPE_LABELS,
    Difference,
    Kind,
    ValueState,
    difference,
    value_state,
    verdict,
)

Connections = Mapping[str, Mapping[str, OrgConnection]]  # tenant -> stable key -> connection

OTHER_KINDS = {("ORG", "ORG"): "org-activated global", ("CUSTOMER", "CUSTOMER"):
               "customer-activated"}


def other_kind(connection: OrgConnection) -> str:
    """What a connection orgconn leaves alone is, in users' words."""
    if connection.owner is not None and connection.is_org_activated_customer:
        return f"customer {connection.owner.name}'s own"
    return OTHER_KINDS.get((connection.variable_scope, connection.managed_by),
                           f"{connection.variable_scope.lower()}/{connection.managed_by.lower()}")


def component_of(connection: OrgConnection) -> str:
    """``component/connection`` keys of a connection's component connection."""
    return f"{connection.component_key or '?'}/{connection.connection_key or '?'}"


def _spread(tenants: Sequence[str], values: Mapping[str, str]) -> dict[str, str]:
    return {t: values.get(t, NOT_CONCERNED) for t in tenants}


def _differs(values: Mapping[str, str]) -> bool:
    return len(set(values.values())) > 1


def definition_differences(tenants: Sequence[str], connections: Connections,
                           others: Connections, key: bytes) -> list[Difference]:
    """Every definition difference between ``tenants``, stable keys in alphabetical order.

    ``connections`` holds each tenant's org-activated customer connections by stable key,
    ``others`` its other connections by stable key; ``key`` keys the fingerprints.
    """
    found: list[Difference] = []
    for stable_key in sorted({k for t in tenants for k in connections[t]}):
        having = [t for t in tenants if stable_key in connections[t]]
        if len(having) < len(tenants):
            where = {t: PRESENT if t in having else (
                f"{other_kind(others[t][stable_key])} (left alone)"
                if stable_key in others[t] else MISSING) for t in tenants}
            found.append(difference(Kind.CONNECTION_MISSING, where, stable_key=stable_key))
        if len(having) >= 2:
            found.extend(_one_key(tenants, stable_key, {t: connections[t][stable_key]
                                                        for t in having}, key))
    return found


def _one_key(tenants: Sequence[str], stable_key: str, having: Mapping[str, OrgConnection],
             key: bytes) -> Iterable[Difference]:
    texts = {
        Kind.NAME: {t: c.name for t, c in having.items()},
        Kind.DESCRIPTION: {t: c.description or EMPTY for t, c in having.items()},
        Kind.COMPONENT: {t: component_of(c) for t, c in having.items()},
        Kind.DEFAULT_FOR_COMPONENT: {t: "on" if c.default_for_component else "off"
                                     for t, c in having.items()},
    }
    for kind, values in texts.items():
        if _differs(values):
            yield difference(kind, _spread(tenants, values), stable_key=stable_key)
    if _differs(texts[Kind.COMPONENT]):
        return  # the inputs follow from the component connection: one difference, not many
    order = list(dict.fromkeys(i.key for c in having.values() for i in c.inputs))
    for input_key in order:
        inputs = {t: c.input(input_key) for t, c in having.items()}
        present = {t: i for t, i in inputs.items() if i is not None}
        if len(present) < len(having):
            where = {t: SCOPE_LABELS[i.scope.value] if i else MISSING for t, i in inputs.items()}
            yield difference(Kind.INPUT_MISSING, _spread(tenants, where),
                             stable_key=stable_key, input_key=input_key)
            continue
        scopes = {t: SCOPE_LABELS[i.scope.value] for t, i in present.items()}
        if _differs(scopes):
            yield difference(Kind.INPUT_SCOPE, _spread(tenants, scopes),
                             stable_key=stable_key, input_key=input_key)
        elif all(i.is_global for i in present.values()):
            row = _global_value(tenants, stable_key, present, key)
            if row is not None:
                yield row


def _global_value(tenants: Sequence[str], stable_key: str,
                  inputs: Mapping[str, ConnectionInput], key: bytes) -> Difference | None:
    states = {t: value_state(i.global_value, key) for t, i in inputs.items()}
    differs = verdict(states)
    if differs is False:
        return None
    details = {t: _global_detail(i, states[t]) for t, i in inputs.items()}
    input_key = next(iter(inputs.values())).key
    if differs:
        return difference(Kind.GLOBAL_VALUE, _spread(tenants, details), stable_key=stable_key,
                          input_key=input_key)
    return difference(Kind.CANT_COMPARE, _spread(tenants, details), stable_key=stable_key,
                      input_key=input_key, drift_in=tuple(t for t, s in states.items()
                                                          if s.hidden))


def _global_detail(connection_input: ConnectionInput, state: ValueState) -> str:
    """A global value as shown: the text of a plain one, a fingerprint for a secret."""
    value = connection_input.global_value
    if connection_input.is_secret or value is None or not state.is_set:
        return state.detail()
    text = value.secret_value()
    return text if text else NOT_SET


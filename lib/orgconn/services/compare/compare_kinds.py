"""The vocabulary of a cross-tenant comparison: kinds of difference, details, value states.

One `Difference` is one row of the comparison: a ``kind``, the ``stable_key`` and/or
``customer_external_id`` it concerns (where one applies), the ``input`` (where one applies) and
a short ``details`` text per tenant. Tenants a difference does not concern (the connection or
the customer is absent there, already reported as its own difference) read `NOT_CONCERNED`.

Values are never put in a detail except plain *global* values of a connection (shown, as the
issue asks); customers' values — plain or secret — and secret global values appear only as
keyed fingerprints (`orgconn.secrets.fingerprint`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from orgconn.models import InputValue
from orgconn.secrets import fingerprint


class Kind(StrEnum):
    """A kind of difference between tenants (the ``kind`` column)."""

    CONNECTION_MISSING = "connection_missing"
    NAME = "name"
    DESCRIPTION = "description"
    COMPONENT = "component"
    DEFAULT_FOR_COMPONENT = "default_for_component"
    INPUT_MISSING = "input_missing"
    INPUT_SCOPE = "input_scope"
    GLOBAL_VALUE = "global_value"
    CUSTOMER_MISSING = "customer_missing"
    CUSTOMER_CONFIGURED = "customer_configured"
    CUSTOMER_VALUE = "customer_value"
    CANT_COMPARE = "cant_compare"

    @property
    def label(self) -> str:
        """What the kind is called on the page."""
        return KIND_LABELS[self]

    @property
    def help(self) -> str:
        """One sentence saying what a difference of this kind is."""
        return KIND_HELP[self]

    @property
    def is_drift(self) -> bool:
        """Whether rows of this kind are known differences ("can't compare" is not)."""
        return self is not Kind.CANT_COMPARE

    @property
    def is_definition(self) -> bool:
        """Whether this kind is about connection definitions (what a sync plan can fix)."""
        return self in DEFINITION_KINDS


KIND_LABELS: dict[Kind, str] = {
    Kind.CONNECTION_MISSING: "Connection missing",
    Kind.NAME: "Name",
    Kind.DESCRIPTION: "Description",
    Kind.COMPONENT: "Component",
    Kind.DEFAULT_FOR_COMPONENT: "Default for component",
    Kind.INPUT_MISSING: "Input missing",
    Kind.INPUT_SCOPE: "Input scope",
    Kind.GLOBAL_VALUE: "Global value",
    Kind.CUSTOMER_MISSING: "Customer missing",
    Kind.CUSTOMER_CONFIGURED: "Configured",
    Kind.CUSTOMER_VALUE: "Customer value",
    Kind.CANT_COMPARE: "Can't compare",
}
KIND_HELP: dict[Kind, str] = {
    Kind.CONNECTION_MISSING: "A stable key that exists in some tenants only.",
    Kind.NAME: "The same stable key has another name.",
    Kind.DESCRIPTION: "The same stable key has another description.",
    Kind.COMPONENT: "The same stable key is built on another component connection.",
    Kind.DEFAULT_FOR_COMPONENT: "The integration designer uses the connection by default for "
                                "its component in some tenants only (defaultForComponent).",
    Kind.INPUT_MISSING: "An input exists in some tenants only.",
    Kind.INPUT_SCOPE: "An input is global in one tenant and per-customer in another.",
    Kind.GLOBAL_VALUE: "A global input's value differs (secrets by fingerprint).",
    Kind.CUSTOMER_MISSING: "An external ID that exists in some tenants only.",
    Kind.CUSTOMER_CONFIGURED: "A customer has values for a connection in some tenants only.",
    Kind.CUSTOMER_VALUE: "A customer's value of an input differs (by fingerprint).",
    Kind.CANT_COMPARE: "Secret values a tenant does not return: equal or not is unknown.",
}
DEFINITION_KINDS = frozenset({
    Kind.CONNECTION_MISSING, Kind.NAME, Kind.DESCRIPTION, Kind.COMPONENT,
    Kind.DEFAULT_FOR_COMPONENT, Kind.INPUT_MISSING, Kind.INPUT_SCOPE, Kind.GLOBAL_VALUE})

# the details a tenant's column can read besides names, values and fingerprints
PRESENT = "present"
MISSING = "missing"
NOT_CONCERNED = "—"
CONFIGURED = "configured"
NOT_CONFIGURED = "not configured"
NOT_SET = "not set"
HIDDEN = "set, not returned by the API"
EMPTY = "(empty)"
SCOPE_LABELS = {"customer": "per-customer", "org": "global"}
ABSENT = frozenset({MISSING, NOT_CONFIGURED})


@dataclass(frozen=True)
class Difference:
    """One difference between tenants: one row of the comparison (see the module docstring).

    ``drift_in`` names the tenants that differ: those lacking something, or those whose
    detail is not the most common one (every tenant concerned when there is no majority).
    """

    kind: Kind
    stable_key: str
    customer_external_id: str
    input: str
    details: Mapping[str, str]
    drift_in: tuple[str, ...]
    customer_name: str = ""


def odd_ones(details: Mapping[str, str]) -> tuple[str, ...]:
    """The tenants a difference is charged to, by the rule of `Difference.drift_in`."""
    concerned = {t: d for t, d in details.items() if d != NOT_CONCERNED}
    absent = [t for t, d in concerned.items() if d in ABSENT]
    if absent:
        return tuple(absent)
    counts = Counter(concerned.values()).most_common()
    if len(counts) > 1 and counts[0][1] > counts[1][1]:
        return tuple(t for t, d in concerned.items() if d != counts[0][0])
    return tuple(concerned)


def difference(kind: Kind, details: Mapping[str, str], *, stable_key: str = "",
               customer_external_id: str = "", input_key: str = "", customer_name: str = "",
               drift_in: tuple[str, ...] | None = None) -> Difference:
    """A `Difference`; ``drift_in`` is worked out from ``details`` unless given."""
    charged = odd_ones(details) if drift_in is None else drift_in
    return Difference(kind, stable_key, customer_external_id, input_key, dict(details),
                      charged, customer_name)


@dataclass(frozen=True)
class ValueState:
    """What can be known of one value without looking at it: unset, hidden, or a fingerprint."""

    is_set: bool
    fingerprint: str | None  # None when unset or hidden

    @property
    def hidden(self) -> bool:
        """Set, but the tenant would not return it (write-only secrets)."""
        return self.is_set and self.fingerprint is None

    def detail(self) -> str:
        """The fingerprint detail of the value: ``fingerprint …``, hidden or not set."""
        if not self.is_set:
            return NOT_SET
        return HIDDEN if self.fingerprint is None else f"fingerprint {self.fingerprint}"


def value_state(value: InputValue | None, key: bytes) -> ValueState:
    """The `ValueState` of one input's value (None: the input has no value at all)."""
    if value is None or not value.has_value:
        return ValueState(False, None)
    if not value.is_readable:
        return ValueState(True, None)
    return ValueState(True, fingerprint(value.secret_value(), key))


def verdict(states: Mapping[str, ValueState]) -> bool | None:
    """Whether the values differ: True, False, or None when hidden values leave it unknown.

    Set against unset is a known difference even when the set value is hidden.
    """
    if len({s.is_set for s in states.values()}) > 1:
        return True
    prints = {s.fingerprint for s in states.values() if s.fingerprint is not None}
    if len(prints) > 1:
        return True
    if any(s.hidden for s in states.values()):
        return None
    return False

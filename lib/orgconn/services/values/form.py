"""Editing one customer's values (or a connection's test credentials): the form and its checks.

- `load_form` / `build_form`: the form model of a connection for one customer (or, with no
  customer, its test credentials): one `FormField` per per-customer input (label, type,
  required mark, default, help, what to prefill) and one read-only `GlobalField` per global
  input. Secret (PASSWORD) inputs are never prefilled: a field says whether the secret is set
  and its fingerprint.
- `prepare`: form input -> a `Submission` of the values to send, through the shared validators
  of `services.values.validation`. A secret left blank keeps its current value (it is not sent, and
  the client's update merges the current value back in); every other per-customer input is
  always sent. Invalid input raises `FormInvalid`, whose ``issues`` name each input.
- `find_conflict`: whether someone else changed the values since the form was loaded
  (``lastConfiguredAt``, or values created or deleted meanwhile); the `Conflict` shows both
  sides, secrets only as set/not set and fingerprint.

Writing (save, delete, audit) is in `orgconn.services.values.save`. Nothing here renders.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import SecretStr

from orgconn.client import InvalidValuesError, PrismaticClient
from orgconn.models import (
    ConnectionInput,
    Customer,
    CustomerValues,
    InputValue,
    InstanceUsage,
    OrgConnection,
)
from orgconn.services.values.validation import (
    IssueKind,
    ValueIssue,
    ValueKind,
    ValueWarning,
    check_values,
    is_blank,
    kind_of,
    normalize,
    warn_values,
)

KEEP = "leave blank to keep the current value"


def secret_state(value: InputValue | None, key: bytes) -> str:
    """What a page may say about a secret: ``not set``, ``set · <fingerprint>`` or hidden."""
    if value is None or not value.has_value:
        return "not set"
    mark = value.fingerprint(key)
    return f"set · {mark}" if mark else "set (the tenant does not return it)"


@dataclass(frozen=True)
class FormField:
    """One per-customer input as a form shows it; fits `services.values.validation.InputSpec`.

    ``initial`` is the text to prefill: the current value, or the default when the customer
    has no values yet; always ``""`` for a secret. For secrets ``is_set`` and ``state``
    (set/not set and fingerprint) describe the current value instead.
    """

    key: str
    label: str
    type: str
    kind: ValueKind
    required: bool
    default: str | None
    help: str | None
    placeholder: str | None
    initial: str
    is_set: bool
    state: str = ""
    hidden: bool = False
    language: str | None = None

    @property
    def is_secret(self) -> bool:
        """Whether the input is a secret (never prefilled, never shown)."""
        return self.kind is ValueKind.SECRET


@dataclass(frozen=True)
class GlobalField:
    """A global input: one value for every customer, set on the connection; read-only here.

    ``display`` is the value, or for a secret its state (set/not set and fingerprint).
    """

    key: str
    label: str
    display: str
    is_secret: bool
    help: str | None


@dataclass(frozen=True)
class ValuesForm:
    """The form of one customer's values for one connection (``customer`` None: test credentials).

    ``current`` is what the tenant held when the form was loaded (None: no values yet);
    ``dependents`` the instances using it, for the redeploy count and the delete warning.
    """

    tenant: str
    connection: OrgConnection
    customer: Customer | None
    current: CustomerValues | None
    fields: tuple[FormField, ...]
    globals: tuple[GlobalField, ...]
    dependents: InstanceUsage = field(default_factory=lambda: InstanceUsage(total=0))

    @property
    def is_test(self) -> bool:
        """Whether this form edits the connection's test credentials."""
        return self.customer is None

    @property
    def loaded_at(self) -> datetime | None:
        """``lastConfiguredAt`` of the values when the form was loaded."""
        return self.current.last_configured_at if self.current else None

    @property
    def what(self) -> str:
        """A short description for messages: whose values of which connection, in which tenant."""
        if self.customer is None:
            return f"the test credentials of {self.connection.stable_key} in {self.tenant}"
        who = self.customer.external_id or self.customer.name
        return f"{who}'s values for {self.connection.stable_key} in {self.tenant}"

    def input_field(self, key: str) -> FormField | None:
        """The per-customer field called ``key``, or None."""
        return next((f for f in self.fields if f.key == key), None)


def _form_field(item: ConnectionInput, current: CustomerValues | None, key: bytes) -> FormField:
    definition = item.definition
    value = current.values.get(item.key) if current else None
    kind = kind_of(definition)
    if kind is ValueKind.SECRET:
        initial = ""
    elif current is None:
        initial = definition.default or ""
    else:
        initial = value.secret_value() if value is not None else ""
    return FormField(
        key=item.key, label=definition.label or item.key, type=definition.type, kind=kind,
        required=definition.required, default=definition.default, help=definition.comments,
        placeholder=definition.placeholder, initial=initial,
        is_set=value is not None and value.has_value,
        state=secret_state(value, key) if kind is ValueKind.SECRET else "",
        hidden=value is not None and not value.is_readable, language=definition.language)


def _global_field(item: ConnectionInput, key: bytes) -> GlobalField:
    value = item.global_value
    if item.is_secret:
        display = secret_state(value, key)
    else:
        display = value.display if value is not None and value.has_value else "(not set)"
    return GlobalField(key=item.key, label=item.definition.label or item.key, display=display,
                       is_secret=item.is_secret, help=item.definition.comments)


def build_form(tenant: str, connection: OrgConnection, customer: Customer | None,
               current: CustomerValues | None, key: bytes,
               dependents: InstanceUsage | None = None) -> ValuesForm:
    """The form of ``current`` (None: no values yet); ``key`` fingerprints secrets."""
    return ValuesForm(
        tenant=tenant, connection=connection, customer=customer, current=current,
        fields=tuple(_form_field(i, current, key) for i in connection.per_customer_inputs),
        globals=tuple(_global_field(i, key) for i in connection.global_inputs),
        dependents=dependents or InstanceUsage(total=0))


def read_current(client: PrismaticClient, connection: OrgConnection,
                 customer: Customer | None) -> CustomerValues | None:
    """The values as the tenant holds them now (``customer`` None: the test credentials)."""
    if customer is None:
        return client.test_credentials(connection)
    found = client.customer_values(connection_id=connection.id, customer_id=customer.id)
    return found[0] if found else None


def load_form(client: PrismaticClient, tenant: str, connection: OrgConnection,
              customer: Customer | None, key: bytes) -> ValuesForm:
    """Read the current values (and the instances using them) and build their form.

    Two requests for existing customer values, one otherwise. Raises `InvalidValuesError`
    for a connection that is not org-activated (orgconn edits only those).
    """
    if not connection.is_org_activated_customer:
        raise InvalidValuesError(
            f"{connection.name!r} ({connection.stable_key}) is not an org-activated customer "
            "connection: orgconn shows it but does not edit its values")
    current = read_current(client, connection, customer)
    dependents = (client.instances_using(current) if current is not None and customer
                  is not None else None)
    return build_form(tenant, connection, customer, current, key, dependents)


def find_connection(client: PrismaticClient, stable_key: str) -> OrgConnection:
    """The org-activated connection with ``stable_key``; `InvalidValuesError` naming the fix."""
    found = client.connection(stable_key)
    if found is None:
        known = ", ".join(c.stable_key for c in client.org_connections()) or "none"
        raise InvalidValuesError(f"no connection has the stable key {stable_key!r} in tenant "
                                 f"{client.tenant.name}: its org-activated connections are {known}")
    if not found.is_org_activated_customer:
        raise InvalidValuesError(f"{stable_key!r} is not an org-activated customer connection "
                                 "(it is a global or customer-activated one): orgconn does "
                                 "not set its values")
    return found


def is_customer_id(text: str) -> bool:
    """Whether ``text`` is shaped like a Prismatic customer ID (base64 of ``Customer:...``)."""
    try:
        return base64.b64decode(text, validate=True).startswith(b"Customer:")
    except (binascii.Error, ValueError):
        return False


def find_customer(client: PrismaticClient, reference: str) -> Customer:
    """The customer ``reference`` names: its external ID, else its Prismatic customer ID, else
    its exact name (customers without an external ID exist on real tenants).

    Raises `InvalidValuesError` when none matches, or when the name is shared (the message lists
    each such customer's Prismatic ID to give instead).
    """
    found = client.customer(reference)
    if found is None and is_customer_id(reference):
        found = client.customer_by_id(reference)
    if found is not None:
        return found
    named = [c for c in client.customers(name_contains=reference) if c.name == reference]
    if len(named) == 1:
        return named[0]
    tenant = client.tenant.name
    if named:
        ids = "; ".join(f"{c.id} ({c.external_id or 'no external ID'})" for c in named)
        raise InvalidValuesError(f"{len(named)} customers of tenant {tenant} are named "
                                 f"{reference!r}: give one's external ID or Prismatic ID "
                                 f"instead ({ids})")
    raise InvalidValuesError(f"no customer of tenant {tenant} has the external ID, Prismatic ID "
                             f"or name {reference!r}: check it (external IDs are case-sensitive)")


# --------------------------------------------------------------------------- submitting


class FormInvalid(InvalidValuesError):
    """Form input refused before anything was sent; ``issues`` name each input and the fix."""

    def __init__(self, issues: list[ValueIssue]) -> None:
        self.issues = issues
        super().__init__("Nothing was sent: " + " ".join(i.message for i in issues))


@dataclass(frozen=True)
class Submission:
    """What a save sends: every per-customer input except the secrets kept as they are.

    ``values`` holds secrets as `SecretStr`; ``kept`` names the secrets left blank to keep;
    ``warnings`` the values that do not look like their inputs' names suggest (sent as typed).
    """

    values: Mapping[str, str | SecretStr]
    kept: tuple[str, ...] = ()
    warnings: tuple[ValueWarning, ...] = ()

    def raw(self) -> dict[str, str]:
        """The values as plain text, for `services.audit.changed_inputs` only (never display)."""
        return {k: v.get_secret_value() if isinstance(v, SecretStr) else v
                for k, v in self.values.items()}

    def __repr__(self) -> str:
        return f"Submission(inputs={sorted(self.values)!r}, kept={self.kept!r})"


def prepare(form: ValuesForm, typed: Mapping[str, str | None]) -> Submission:
    """Check the typed values of ``form``'s inputs and return what to send.

    A missing or blank value is blank; a blank secret that is already set is kept. Keys that
    are not per-customer inputs are refused (global ones with their own reason). Raises
    `FormInvalid` listing every problem, each naming its input; values that only do not look
    like their names suggest are sent, with their warnings in ``Submission.warnings``.
    """
    issues = [ValueIssue(k, IssueKind.UNKNOWN_INPUT,
                         f"{k} is a global input of {form.connection.stable_key}: its one value "
                         "is set on the connection for every customer and cannot change here.")
              for k in typed if any(g.key == k for g in form.globals)]
    kept = tuple(f.key for f in form.fields if f.is_secret and f.is_set
                 and is_blank(typed.get(f.key)))
    given = {k: v for k, v in typed.items() if not any(g.key == k for g in form.globals)}
    issues += check_values(form.fields, given, keep_blank=kept)
    if issues:
        raise FormInvalid(issues)
    values: dict[str, str | SecretStr] = {}
    for item in form.fields:
        if item.key in kept:
            continue
        text = typed.get(item.key) or ""
        if item.is_secret:
            values[item.key] = SecretStr(text)
        else:
            values[item.key] = normalize(item, text) if not is_blank(text) else ""
    submission = Submission(values=values, kept=kept,
                            warnings=tuple(warn_values(form.fields, given)))
    hidden = [f for f in form.fields if f.key in kept and f.hidden]
    if hidden and _changes(form, submission):
        raise FormInvalid([ValueIssue(f.key, IssueKind.REQUIRED, (
            f"{f.label}: the tenant does not return this secret, and a save sends every "
            "input, so enter it again.")) for f in hidden])
    return submission


def _changes(form: ValuesForm, submission: Submission) -> bool:
    """Whether ``submission`` changes anything readable in ``form``'s current values."""
    if form.current is None:
        return True
    for key, text in submission.raw().items():
        now = form.current.values.get(key)
        if now is None:
            if text:
                return True
        elif not now.is_readable or now.secret_value() != text:
            return True
    return False


# --------------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class ConflictRow:
    """One input in a conflict: what this form would save and what the tenant holds now."""

    key: str
    label: str
    mine: str
    theirs: str

    @property
    def differs(self) -> bool:
        """Whether the two sides disagree on this input."""
        return self.mine != self.theirs


@dataclass(frozen=True)
class Conflict:
    """The values changed since the form was loaded; the user keeps theirs or saves theirs over.

    ``theirs`` is what the tenant holds now (None: someone deleted the values); ``rows``
    compare both sides input by input; ``theirs_form`` is the form rebuilt on ``theirs``
    (take theirs: show it; keep mine: save the same submission with it). ``after_save``: our
    write was sent (and recorded), and reading it back showed another writer's change since.
    """

    form: ValuesForm
    theirs: CustomerValues | None
    rows: tuple[ConflictRow, ...]
    theirs_form: ValuesForm
    after_save: bool = False

    @property
    def summary(self) -> str:
        """One sentence saying what happened, for the page and the CLI."""
        if self.after_save:
            return (f"Saved {self.form.what}, but reading them back shows another change "
                    "made right after (outside orgconn): check which values should stay.")
        if self.theirs is None:
            return f"Someone deleted {self.form.what} after you loaded them."
        if self.form.current is None:
            return f"Someone created {self.form.what} after you loaded the form."
        when = self.theirs.last_configured_at
        stamp = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "an unknown time"
        return f"Someone changed {self.form.what} at {stamp}, after you loaded them."


def _side(item: FormField, value: InputValue | None, key: bytes) -> str:
    if item.is_secret:
        return secret_state(value, key)
    return value.secret_value() if value is not None and value.has_value else ""


def _mine(item: FormField, submission: Submission, theirs: CustomerValues | None,
          key: bytes) -> str:
    if item.key in submission.kept:
        now = theirs.values.get(item.key) if theirs else None
        return "keep the current secret" + (f" ({secret_state(now, key)})" if now else "")
    sent = submission.values.get(item.key, "")
    if isinstance(sent, SecretStr):
        text = sent.get_secret_value()
        return secret_state(InputValue.of(item.key, text, secret=True), key)
    return sent


def same_values(before: CustomerValues | None, now: CustomerValues | None) -> bool:
    """Whether ``now`` (a fresh read) is still ``before``: both absent, or the same values
    object, configured at the same time, with the same value of every readable input."""
    if before is None or now is None:
        return before is None and now is None
    if before.id != now.id or before.last_configured_at != now.last_configured_at:
        return False
    return all(v.secret_value() == now.values[k].secret_value() for k, v in before.values.items()
               if v.is_readable and k in now.values and now.values[k].is_readable)


def find_conflict(form: ValuesForm, now: CustomerValues | None, submission: Submission,
                  key: bytes) -> Conflict | None:
    """The `Conflict` when ``now`` (a fresh read) is not what ``form`` was loaded from."""
    if same_values(form.current, now):
        return None
    rows = tuple(ConflictRow(
        key=item.key, label=item.label, mine=_mine(item, submission, now, key),
        theirs=_side(item, now.values.get(item.key) if now else None, key))
        for item in form.fields)
    rebuilt = build_form(form.tenant, form.connection, form.customer, now, key,
                         form.dependents if now is not None else None)
    return Conflict(form=form, theirs=now, rows=rows, theirs_form=rebuilt)

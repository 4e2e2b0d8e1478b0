"""Connection definitions: list a tenant's org-activated connections, plan and create new ones,
rename them and set their test credentials.

- Listing: `definitions_frame` (one row per tenant-wide org-activated connection: inputs, global
  values with secrets masked and fingerprinted, whether the designer uses it by default, coverage
  %) and `inputs_frame` (one row per input). Definitions owned by one customer are listed apart
  (`coverage.owned_connections_frame`).
- Choosing a component connection: `component_choices` keys each by its ID and labels it with
  public/private and version, since components may share a key.
- Planning a new connection, one checker per wizard step, each returning `Issue`s (empty: go on):
  `check_component_connection` (OAuth 2.0 refused), `check_identity` (name; stable key format and
  uniqueness), `check_global_values` (`values.validation`, and the "cannot be changed once set"
  confirmation). `suggest_stable_keys` proposes the stable key the same component connection has
  in other tenants; `slugify` turns a name into a stable key.
- Writing (each one `services.audit.audited_write` with its `WriteContext`): `create_connection`
  (with ``defaultForComponent`` if asked), `update_connection` (name, description and
  ``defaultForComponent``: the stable key and global values never change) and
  `set_test_credentials` (the customer-values save of `services.values.save`, with no customer).
  Each first checks the actor's role and, for a protected tenant, the typed confirmation;
  each leaves exactly one audit row, failures included (a call that changes nothing writes
  nothing and records nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from pydantic import SecretStr

from orgconn.client import PrismaticClient
from orgconn.errors import InvalidValuesError, OrgconnError
from orgconn.models import (
    MASK,
    Component,
    ComponentConnection,
    InputScope,
    OrgConnection,
)
from orgconn.secrets import fingerprint
from orgconn.services import coverage
from orgconn.services.access import Action
from orgconn.services.audit import AuditRow, WriteContext, audited_write
from orgconn.services.values import form, validation
from orgconn.services.values.save import Saved, save
from orgconn.store import ChangedInput

STABLE_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
STABLE_KEY_MAX = 100
SCOPE_LABELS = {InputScope.CUSTOMER: "per customer", InputScope.ORG: "global"}
DEFINITION_COLUMNS = ["tenant", "stable_key", "name", "description", "component",
                      "per_customer_inputs", "global_values", "default_for_component",
                      "coverage_percent"]
INPUT_COLUMNS = ["tenant", "stable_key", "input", "label", "type", "required", "scope",
                 "global_value", "fingerprint"]


@dataclass(frozen=True)
class Issue:
    """Why a wizard step cannot go on: the field (``name``, ``stable_key``, ``global:<input>``,
    ``confirmation``, ``connection``...) and a sentence that says what to fix."""

    field: str
    message: str


# ----------------------------------------------------------------------------- listing

def _component(connection: OrgConnection) -> str:
    parts = [connection.component_label or connection.component_key or "",
             connection.connection_label or connection.connection_key or ""]
    return " · ".join(p for p in parts if p)


def _global_display(connection: OrgConnection, key: bytes) -> list[tuple[str, str, str]]:
    """(input, shown value, fingerprint) of each global input; secrets masked."""
    shown = []
    for item in connection.global_inputs:
        value = item.global_value
        if value is None or not value.has_value:
            shown.append((item.key, "not set", ""))
        elif item.is_secret:
            shown.append((item.key, MASK, value.fingerprint(key) or "hidden by the tenant"))
        else:
            shown.append((item.key, value.display, ""))
    return shown


def definitions_frame(tenant: str, connections: Sequence[OrgConnection], covered: pd.DataFrame,
                      key: bytes) -> pd.DataFrame:
    """One row per org-activated connection of ``tenant`` (columns `DEFINITION_COLUMNS`).

    ``connections`` are the tenant's org-activated ones (others, and those owned by one
    customer, are skipped); ``covered`` is the tenant's coverage frame
    (`coverage.coverage_frame`: the dashboard's cached one, never rebuilt here), which gives
    ``coverage_percent``, the share of customers with complete values (None when the tenant
    has no customers). ``per_customer_inputs`` lists input keys (secrets marked),
    ``global_values`` reads ``host = sftp.example.com; password = •••••• (fingerprint)``.
    """
    percent = coverage.percent_complete(covered)
    percent = percent[percent["tenant"] == tenant]
    by_key = dict(zip(percent["stable_key"], percent["percent_complete"], strict=True))
    rows = []
    for connection in connections:
        if not connection.is_org_activated_customer or connection.owner is not None:
            continue
        inputs = [f"{i.key} (secret)" if i.is_secret else i.key
                  for i in connection.per_customer_inputs]
        globals_ = [f"{name} = {shown}" + (f" ({mark})" if mark else "")
                    for name, shown, mark in _global_display(connection, key)]
        rows.append((tenant, connection.stable_key, connection.name, connection.description,
                     _component(connection), ", ".join(inputs), "; ".join(globals_),
                     connection.default_for_component, by_key.get(connection.stable_key)))
    return pd.DataFrame.from_records(rows, columns=DEFINITION_COLUMNS)


def inputs_frame(tenant: str, connections: Sequence[OrgConnection], key: bytes) -> pd.DataFrame:
    """One row per input of each org-activated connection (columns `INPUT_COLUMNS`).

    ``global_value`` is empty for per-customer inputs, ``•••••• `` for a set secret (whose
    ``fingerprint`` is filled) and ``not set`` for a global input without a value.
    """
    rows = []
    for connection in connections:
        if not connection.is_org_activated_customer:
            continue
        globals_ = {name: (shown, mark) for name, shown, mark in _global_display(connection, key)}
        for item in connection.inputs:
            shown, mark = globals_.get(item.key, ("", ""))
            rows.append((tenant, connection.stable_key, item.key, item.definition.label,
                         item.definition.type, item.definition.required,
                         SCOPE_LABELS[item.scope], shown, mark))
    return pd.DataFrame.from_records(rows, columns=INPUT_COLUMNS)


# ----------------------------------------------------------------------------- planning

def component_choices(components: Sequence[Component]) -> dict[str, str]:
    """Each component connection's ID -> the label a picker shows.

    Components may share a key (a public and a private one; each at some version), so a choice
    is keyed by the connection's ID and labelled with public/private (and whose) and version,
    e.g. ``Acme · API key (private to Northwind, v2)``. OAuth 2.0 ones are marked.
    """
    out: dict[str, str] = {}
    for component in components:
        for c in component.connections:
            kind = "public" if c.component_public else (
                f"private to {c.component_owner}" if c.component_owner else "private")
            version = f", v{c.component_version}" if c.component_version is not None else ""
            oauth = " — OAuth 2.0" if c.is_oauth2 else ""
            out[c.id] = f"{c.component_label} · {c.label} ({kind}{version}){oauth}"
    return out


def slugify(text: str) -> str:
    """A stable key made from a name: lowercase letters and digits joined by single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:STABLE_KEY_MAX].strip("-")


def check_component_connection(connection: ComponentConnection) -> list[Issue]:
    """Refuse OAuth 2.0 connections: Prismatic org-activates only static inputs."""
    if not connection.is_oauth2:
        return []
    return [Issue("connection", f"{connection.component_label} · {connection.label} is an "
                  "OAuth 2.0 connection, which Prismatic cannot organization-activate: choose "
                  "a connection with static inputs (API key, username and password, ...).")]


def check_identity(name: str, stable_key: str, existing: Sequence[OrgConnection],
                   tenant: str) -> list[Issue]:
    """Check a new connection's name and stable key against ``existing`` (every SCV of the tenant).

    The stable key must match ``^[a-z0-9]+(-[a-z0-9]+)*$`` and be unused; the name must be
    given and unused (Prismatic refuses a second connection with the same name).
    """
    issues = []
    if not name.strip():
        issues.append(Issue("name", "Give the connection a name, e.g. Acme API key."))
    elif any(c.name == name.strip() for c in existing):
        issues.append(Issue("name", f"A connection named {name.strip()!r} already exists in "
                                    f"tenant {tenant}: choose another name."))
    if not stable_key:
        issues.append(Issue("stable_key", "Give a stable key, e.g. acme-api-key."))
    elif len(stable_key) > STABLE_KEY_MAX or not STABLE_KEY.match(stable_key):
        hint = slugify(stable_key)
        issues.append(Issue("stable_key", f"Stable key {stable_key!r} is not a slug: use "
                            "lowercase letters and digits joined by single hyphens, at most "
                            f"{STABLE_KEY_MAX} characters" + (f", e.g. {hint}." if hint else ".")))
    else:
        taken = next((c for c in existing if c.stable_key == stable_key), None)
        if taken is not None:
            issues.append(Issue("stable_key", f"Stable key {stable_key} is already used in "
                                f"tenant {tenant} by {taken.name!r}: choose another."))
    return issues


def check_global_values(connection: ComponentConnection, scopes: Mapping[str, InputScope],
                        values: Mapping[str, str], confirmed: bool) -> list[Issue]:
    """Validate the global inputs' values and require the "cannot be changed" confirmation.

    The confirmation is needed whenever some input is global; blank values count as the
    input's default (see `global_values_to_send`).
    """
    issues = []
    for spec in connection.inputs:
        if scopes.get(spec.key, InputScope.CUSTOMER) is InputScope.ORG:
            found = validation.check_value(spec, values.get(spec.key))
            if found is not None:
                issues.append(Issue(f"global:{spec.key}", found.message))
    if any(s is InputScope.ORG for s in scopes.values()) and not confirmed:
        issues.append(Issue("confirmation", "Confirm that you understand global values cannot "
                                            "be changed once set."))
    return issues


def global_value_warnings(connection: ComponentConnection, scopes: Mapping[str, InputScope],
                          values: Mapping[str, str]) -> list[Issue]:
    """Global values that do not look like their inputs' names suggest (a port, URL or number):
    shown beside the value, never blocking the create (`values.validation.warn_value`)."""
    found = (validation.warn_value(spec, values.get(spec.key)) for spec in connection.inputs
             if scopes.get(spec.key, InputScope.CUSTOMER) is InputScope.ORG)
    return [Issue(f"global:{w.input_key}", w.message) for w in found if w is not None]


@dataclass(frozen=True)
class NewConnection:
    """Everything the wizard gathered for a new org-activated connection."""

    connection: ComponentConnection
    name: str
    stable_key: str
    description: str = ""
    scopes: Mapping[str, InputScope] = field(default_factory=dict)
    global_values: Mapping[str, str] = field(default_factory=dict, repr=False)
    confirmed: bool = False
    default_for_component: bool = False

    def check(self, existing: Sequence[OrgConnection], tenant: str) -> list[Issue]:
        """Every issue of every step (empty: it may be created)."""
        return [*check_component_connection(self.connection),
                *check_identity(self.name, self.stable_key, existing, tenant),
                *check_global_values(self.connection, self.scopes, self.global_values,
                                     self.confirmed)]

    def global_values_to_send(self) -> dict[str, str | SecretStr]:
        """The global inputs' values, normalised; a blank one takes the input's default."""
        out: dict[str, str | SecretStr] = {}
        for spec in self.connection.inputs:
            if self.scopes.get(spec.key, InputScope.CUSTOMER) is not InputScope.ORG:
                continue
            given = self.global_values.get(spec.key) or ""
            text = validation.normalize(spec, given) if given.strip() else (spec.default or "")
            out[spec.key] = SecretStr(text) if spec.is_secret else text
        return out


@dataclass(frozen=True)
class Suggestion:
    """A stable key the same component connection has in other tenants, with its name there."""

    stable_key: str
    name: str
    description: str
    tenants: tuple[str, ...]


def suggest_stable_keys(connection: ComponentConnection, here: Sequence[OrgConnection],
                        elsewhere: Mapping[str, Sequence[OrgConnection]]) -> list[Suggestion]:
    """Stable keys of org-activated connections on ``connection`` in other tenants, unused here.

    ``elsewhere`` maps other tenants' names to their connections. Most widely used first:
    giving a connection the same stable key in every tenant lets synced integrations find it.
    """
    used = {c.stable_key for c in here}
    found: dict[str, tuple[OrgConnection, list[str]]] = {}
    for tenant, connections in elsewhere.items():
        for other in connections:
            same = (other.component_key, other.connection_key) == (
                connection.component_key, connection.key)
            if same and other.is_org_activated_customer and other.stable_key not in used:
                found.setdefault(other.stable_key, (other, []))[1].append(tenant)
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1][1]), kv[0]))
    return [Suggestion(key, other.name, other.description, tuple(tenants))
            for key, (other, tenants) in ranked]


# ----------------------------------------------------------------------------- writing

def _line(text: str) -> str:
    return " ".join(text.split())[:300]


def _changed_globals(plan: NewConnection, values: Mapping[str, str | SecretStr], key: bytes
                     ) -> tuple[ChangedInput, ...]:
    secret = {i.key for i in plan.connection.inputs if i.is_secret}
    out = []
    for name, value in values.items():
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text:  # a global left empty is not set, so nothing about it changes
            out.append(ChangedInput.secret_input(name, fingerprint(text, key)) if name in secret
                       else ChangedInput.plain(name))
    return tuple(out)


def create_connection(client: PrismaticClient, ctx: WriteContext, plan: NewConnection
                      ) -> OrgConnection:
    """Create the org-activated connection ``plan`` describes (admin; one audit row).

    Checks the whole plan again against the tenant's connections first and raises
    `InvalidValuesError` (listing every issue) rather than send a bad definition.
    """
    values = plan.global_values_to_send()

    def write() -> OrgConnection:
        issues = plan.check(client.all_connections(), ctx.tenant.name)
        if issues:
            raise InvalidValuesError(" ".join(i.message for i in issues))
        return client.create_org_connection(
            plan.connection, name=plan.name.strip(), stable_key=plan.stable_key,
            description=plan.description.strip(), scopes=dict(plan.scopes), global_values=values,
            default_for_component=plan.default_for_component)

    row = AuditRow(Action.CREATE_CONNECTION, plan.stable_key,
                   changed=_changed_globals(plan, values, ctx.fingerprint_key),
                   detail=_line(f"created {plan.name.strip()!r} on {plan.connection.component_key}"
                                f"/{plan.connection.key}; global inputs: "
                                f"{', '.join(values) or 'none'}"
                                + ("; default for its component"
                                   if plan.default_for_component else "")))
    return audited_write(ctx, row, lambda _: write())


def update_connection(client: PrismaticClient, ctx: WriteContext, connection: OrgConnection, *,
                      name: str, description: str, default_for_component: bool | None = None
                      ) -> OrgConnection:
    """Change a connection's name, description and whether the integration designer uses it
    by default (None: as it is) (admin; one audit row, none if unchanged).

    The stable key and global values cannot change. A blank or already used name is refused
    with `InvalidValuesError`.
    """
    name, description = name.strip(), description.strip()
    default = (connection.default_for_component if default_for_component is None
               else default_for_component)
    if (name, description, default) == (connection.name, connection.description,
                                        connection.default_for_component):
        return connection
    changes = [f"name {connection.name!r} → {name!r}"] if name != connection.name else []
    changes += ["description changed"] if description != connection.description else []
    changes += [f"default for its component: {'on' if default else 'off'}"
                ] if default != connection.default_for_component else []

    def write() -> OrgConnection:
        others = [c for c in client.all_connections() if c.id != connection.id]
        issues = [i for i in check_identity(name, connection.stable_key, others, ctx.tenant.name)
                  if i.field == "name"]
        if issues:
            raise InvalidValuesError(issues[0].message)
        return client.update_org_connection(
            connection, name=name, description=description,
            default_for_component=default if default != connection.default_for_component
            else None)

    row = AuditRow(Action.UPDATE_CONNECTION, connection.stable_key,
                   detail=_line("; ".join(changes)))
    return audited_write(ctx, row, lambda _: write())


def set_test_credentials(client: PrismaticClient, ctx: WriteContext, connection: OrgConnection,
                         values: Mapping[str, str | None]) -> Saved:
    """Create or update the connection's test credentials (editor; one audit row).

    The values form of `services.values.form` with no customer: ``values`` maps per-customer
    input keys to text; a blank secret that is already set keeps its value. Invalid values
    raise `form.FormInvalid` (``issues`` name each input) before anything is sent or recorded.
    """
    loaded = form.load_form(client, ctx.tenant.name, connection, None, ctx.fingerprint_key)
    saved = save(client, loaded, form.prepare(loaded, values), ctx)
    if isinstance(saved, form.Conflict):  # changed between the read and the write just now
        raise OrgconnError(f"{saved.summary} Nothing was saved: reload and try again.")
    return saved

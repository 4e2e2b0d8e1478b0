"""Pydantic models of what orgconn reads from Prismatic (snake_case attributes, camelCase aliases).

- `OrgConnection`: a ScopedConfigVariable (SCV): a connection definition with its inputs, each
  with its `InputDefinition` (label, type, ...), its `InputScope` and, for global inputs, value.
- `Customer`; `CustomerValues`: a CustomerConfigVariable (CCV): one customer's values for one
  connection, or the connection's test credentials (``is_test``, no customer).
- `Component` / `ComponentConnection`: what a new org-activated connection can be built on.
- `WhoAmI`, `Instance`, `InstanceUsage`, `UpsertResult`; `InstanceImpact` (instances per
  connection and customer, for coverage).
- `CoverageRead`: the lean read of coverage — connections as models, but customers and values
  as small tuples (`CoverageCustomer`, `CoverageValues`) holding no value, only which inputs
  have one: 10,000 customers × 6 connections stay a few tens of MB.

Values are `InputValue` objects; a PASSWORD input's value is a `pydantic.SecretStr`, so reprs,
logs and exceptions show ``**********``. Build models from API nodes with ``from_node``; the
models are frozen. Enum-like fields keep Prismatic's uppercase output (``"ORG"``, ``"ACTIVE"``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, SecretStr
from pydantic.alias_generators import to_camel

from orgconn.secrets import fingerprint

SECRET_TYPES = frozenset({"PASSWORD"})
MASK = "••••••"


class ApiModel(BaseModel):
    """Base of the models: frozen, camelCase aliases, built by field name or alias."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, validate_by_name=True,
                              validate_by_alias=True, extra="ignore")


class InputScope(StrEnum):
    """Where an input's value lives: per customer (on each CCV) or global (on the SCV)."""

    CUSTOMER = "customer"
    ORG = "org"

    @classmethod
    def of(cls, meta_value: object, fallback: InputScope) -> InputScope:
        """The scope an expression's meta ``inputScope`` names, in any case (Prismatic's own
        script writes ``"ORG"``/``"CUSTOMER"``, its web app lowercase); ``fallback`` when the
        meta names none."""
        spelled = meta_value.lower() if isinstance(meta_value, str) else None
        return cls(spelled) if spelled in ("customer", "org") else fallback


class InputDefinition(ApiModel):
    """One input of a component connection: key, label, type and the form's hints.

    ``type`` is Prismatic's InputFieldType (``"STRING"``, ``"PASSWORD"``, ``"BOOLEAN"``,
    ``"CODE"``...); ``default`` is text (JSON defaults are serialised); ``comments`` is the
    help text; ``language`` the code editor's language of a CODE input (``json`` is checked).
    """

    key: str
    label: str
    type: str = "STRING"
    required: bool = False
    default: str | None = None
    comments: str | None = None
    placeholder: str | None = None
    shown: bool = True
    language: str | None = None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> InputDefinition:
        """Build from an ``InputField`` node (``default`` may be JSON)."""
        default = node.get("default")
        if default is not None and not isinstance(default, str):
            default = json.dumps(default)
        return cls(key=node["key"], label=node.get("label") or node["key"],
                   type=node.get("type") or "STRING", required=bool(node.get("required")),
                   default=default, comments=node.get("comments"),
                   placeholder=node.get("placeholder"), shown=node.get("shown", True) is not False,
                   language=node.get("language"))

    @property
    def is_secret(self) -> bool:
        """Whether values of this input are secrets (PASSWORD inputs)."""
        return self.type in SECRET_TYPES


class InputValue(ApiModel):
    """One input's value: text, or a `SecretStr` for secret inputs; ``has_value`` as reported.

    A tenant may hide secret values (answering ``""`` with ``has_value`` true): then
    ``is_readable`` is false and the value can be neither shown nor compared.
    """

    name: str
    value: str | SecretStr
    has_value: bool
    is_secret: bool

    @classmethod
    def of(cls, name: str, value: str | None, *, has_value: bool | None = None,
           secret: bool) -> InputValue:
        """Wrap a raw value, as a `SecretStr` when ``secret``."""
        text = value or ""
        has = bool(text) if has_value is None else has_value
        return cls(name=name, value=SecretStr(text) if secret else text, has_value=has,
                   is_secret=secret)

    def secret_value(self) -> str:
        """The raw text, secret or not (to send it back; never display or log it)."""
        return self.value.get_secret_value() if isinstance(self.value, SecretStr) else self.value

    @property
    def is_readable(self) -> bool:
        """False when the tenant reports a secret as set but does not return it."""
        return not (self.is_secret and self.has_value and not self.secret_value())

    @property
    def display(self) -> str:
        """What a page may show: the text, a mask for a set secret, or ``""`` when unset."""
        if not self.has_value:
            return ""
        return MASK if self.is_secret else self.secret_value()

    def fingerprint(self, key: bytes | str | SecretStr) -> str | None:
        """The keyed fingerprint of the value; None when unset or unreadable."""
        if not self.has_value or not self.is_readable:
            return None
        return fingerprint(self.secret_value(), key)


class ConnectionInput(ApiModel):
    """An input of an org-activated connection: definition, scope and global value (if global)."""

    definition: InputDefinition
    scope: InputScope
    global_value: InputValue | None = None

    @property
    def key(self) -> str:
        """The input's key (the ``name`` of its values)."""
        return self.definition.key

    @property
    def is_secret(self) -> bool:
        """Whether the input is a secret (PASSWORD)."""
        return self.definition.is_secret

    @property
    def is_per_customer(self) -> bool:
        """Whether each customer has its own value."""
        return self.scope is InputScope.CUSTOMER

    @property
    def is_global(self) -> bool:
        """Whether one value, set on the connection, serves every customer (cannot change)."""
        return self.scope is InputScope.ORG


def parse_meta(meta: Any) -> dict[str, Any]:
    """Return an Expression's ``meta`` (a JSON string, or already decoded) as a dict."""
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return {}
    return dict(meta) if isinstance(meta, Mapping) else {}


def _nodes(connection: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return [n for n in (connection or {}).get("nodes") or [] if n is not None]


class OrgConnection(ApiModel):
    """A connection definition (ScopedConfigVariable): ``name`` is its key, shown to users.

    Org-activated customer connections (`is_org_activated_customer`) are the ones orgconn
    manages; org-activated global (ORG/ORG) and customer-activated (CUSTOMER/CUSTOMER) ones are
    listed but not edited. ``inputs`` follow the component connection's order.

    ``owner`` is set on a definition that belongs to one customer
    (``ScopedConfigVariable.customer``, read only with ``includeCustomer``): it concerns that
    customer alone, so it is listed apart, never counted as a tenant-wide gap and never copied
    to another tenant.
    ``default_for_component`` makes the integration designer use this connection by default for
    its component (Prismatic's ``defaultForComponent``).
    """

    id: str
    name: str
    stable_key: str
    description: str = ""
    variable_scope: str
    managed_by: str
    status: str | None = None
    component_key: str | None = None
    component_label: str | None = None
    connection_id: str | None = None
    connection_key: str | None = None
    connection_label: str | None = None
    inputs: tuple[ConnectionInput, ...] = ()
    is_in_use: bool = False
    has_deployed_instances: bool = False
    last_configured_at: datetime | None = None
    owner: Customer | None = None
    default_for_component: bool = False

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> OrgConnection:
        """Build from a ``ScopedConfigVariable`` node of ``OrgConnectionFields``."""
        conn = node.get("connection") or {}
        component = conn.get("component") or {}
        definitions = {d["key"]: InputDefinition.from_node(d) for d in _nodes(conn.get("inputs"))}
        expressions = {e["name"]: e for e in _nodes(node.get("inputs"))}
        fallback = InputScope.ORG if node.get("variableScope") == "ORG" else InputScope.CUSTOMER
        inputs = []
        for key in [*definitions, *(k for k in expressions if k not in definitions)]:
            definition = definitions.get(key) or InputDefinition(key=key, label=key)
            expression = expressions.get(key)
            meta = parse_meta(expression.get("meta")) if expression else {}
            scope = InputScope.of(meta.get("inputScope"), fallback)
            value = None
            if expression is not None and scope is InputScope.ORG:
                value = InputValue.of(key, expression.get("value"), secret=definition.is_secret,
                                      has_value=expression.get("hasValue"))
            inputs.append(ConnectionInput(definition=definition, scope=scope, global_value=value))
        return cls(
            id=node["id"], name=node.get("key") or "", stable_key=node.get("stableKey") or "",
            description=node.get("description") or "", variable_scope=node["variableScope"],
            managed_by=node["managedBy"], status=node.get("status"),
            component_key=component.get("key"), component_label=component.get("label"),
            connection_id=conn.get("id"), connection_key=conn.get("key"),
            connection_label=conn.get("label"), inputs=tuple(inputs),
            is_in_use=bool(node.get("isInUse")),
            has_deployed_instances=bool(node.get("hasDeployedInstances")),
            last_configured_at=node.get("lastConfiguredAt"),
            owner=Customer.from_node(node["customer"]) if node.get("customer") else None,
            default_for_component=bool(node.get("defaultForComponent")))

    @property
    def is_org_activated_customer(self) -> bool:
        """Whether this is an org-activated customer connection (CUSTOMER scope, ORG managed)."""
        return self.variable_scope == "CUSTOMER" and self.managed_by == "ORG"

    # Derived once per (frozen) model: a bulk plan asks them for every row and every input.
    # Never build a changed copy with model_copy(update=...): it would keep these.
    @cached_property
    def per_customer_inputs(self) -> tuple[ConnectionInput, ...]:
        """The inputs each customer gives a value for."""
        return tuple(i for i in self.inputs if i.is_per_customer)

    @cached_property
    def global_inputs(self) -> tuple[ConnectionInput, ...]:
        """The inputs whose one value is set on the connection itself."""
        return tuple(i for i in self.inputs if i.is_global)

    @cached_property
    def secret_keys(self) -> frozenset[str]:
        """The keys of the secret (PASSWORD) inputs."""
        return frozenset(i.key for i in self.inputs if i.is_secret)

    @cached_property
    def _inputs_by_key(self) -> dict[str, ConnectionInput]:
        return {i.key: i for i in reversed(self.inputs)}  # the first of a key wins

    def input(self, key: str) -> ConnectionInput | None:
        """The input called ``key``, or None."""
        return self._inputs_by_key.get(key)


class Customer(ApiModel):
    """A customer; ``external_id`` is what matches it across tenants."""

    id: str
    name: str
    external_id: str | None = None
    labels: tuple[str, ...] = ()
    created_at: datetime | None = None
    description: str = ""

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> Customer:
        """Build from a ``Customer`` node."""
        return cls(id=node["id"], name=node.get("name") or "", external_id=node.get("externalId"),
                   labels=tuple(node.get("labels") or ()), created_at=node.get("createdAt"),
                   description=node.get("description") or "")


OrgConnection.model_rebuild()  # its owner is a Customer, defined after it


class CustomerValues(ApiModel):
    """A CustomerConfigVariable: a customer's values for one connection, or its test credentials.

    ``values`` maps input keys to `InputValue` (secrets as `SecretStr`); ``instance_count`` is
    set only when asked for. ``last_configured_at`` changes on every reconfiguration.
    """

    id: str
    connection_id: str
    stable_key: str
    customer: Customer | None = None
    is_test: bool = False
    status: str | None = None
    values: dict[str, InputValue] = {}
    last_configured_at: datetime | None = None
    is_in_use: bool = False
    has_deployed_instances: bool = False
    instance_count: int | None = None

    @classmethod
    def from_node(cls, node: Mapping[str, Any], secret_keys: Collection[str] | None
                  ) -> CustomerValues:
        """Build from a ``CustomerValuesFields`` node.

        ``secret_keys`` are the connection's secret input keys; None (unknown) treats every
        value as secret, so nothing leaks when the definitions are not at hand.
        """
        scv = node.get("scopedConfigVariable") or {}
        values = {}
        for expression in _nodes(node.get("inputs")):
            name = expression["name"]
            secret = secret_keys is None or name in secret_keys
            values[name] = InputValue.of(name, expression.get("value"), secret=secret,
                                         has_value=expression.get("hasValue"))
        instances = node.get("instances")
        return cls(
            id=node["id"], connection_id=scv.get("id") or "", stable_key=scv.get("stableKey") or "",
            customer=Customer.from_node(node["customer"]) if node.get("customer") else None,
            is_test=bool(node.get("isTest")), status=node.get("status"), values=values,
            last_configured_at=node.get("lastConfiguredAt"), is_in_use=bool(node.get("isInUse")),
            has_deployed_instances=bool(node.get("hasDeployedInstances")),
            instance_count=instances.get("totalCount") if isinstance(instances, Mapping) else None)

    def has_value(self, key: str) -> bool:
        """Whether input ``key`` has a value."""
        value = self.values.get(key)
        return value is not None and value.has_value


class ComponentConnection(ApiModel):
    """A connection type of a component, with its input definitions (for the new-connection wizard).

    OAuth 2.0 connections (`is_oauth2`) cannot be org-activated.
    """

    id: str
    key: str
    label: str
    comments: str | None = None
    oauth2_type: str | None = None
    component_key: str
    component_label: str
    inputs: tuple[InputDefinition, ...] = ()
    component_id: str = ""
    component_public: bool = True
    component_version: int | None = None
    component_owner: str | None = None  # the customer a private component belongs to, if any

    @property
    def is_oauth2(self) -> bool:
        """Whether this is an OAuth 2.0 connection (not usable as org-activated)."""
        return self.oauth2_type is not None


class Component(ApiModel):
    """A component and its connections."""

    id: str
    key: str
    label: str
    description: str = ""
    connections: tuple[ComponentConnection, ...] = ()
    public: bool = True
    version_number: int | None = None
    category: str | None = None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> Component:
        """Build from a ``Component`` node of the Components query.

        Several components may share a key (a public and a private one, several versions):
        ``id`` tells them apart, ``public`` and ``version_number`` say which is which.
        """
        public = node.get("public") is not False
        version = node.get("versionNumber")
        owner = (node.get("customer") or {}).get("name")
        connections = tuple(
            ComponentConnection(
                id=c["id"], key=c["key"], label=c.get("label") or c["key"],
                comments=c.get("comments"), oauth2_type=c.get("oauth2Type"),
                component_key=node["key"], component_label=node.get("label") or node["key"],
                inputs=tuple(InputDefinition.from_node(d) for d in _nodes(c.get("inputs"))),
                component_id=node["id"], component_public=public, component_version=version,
                component_owner=owner)
            for c in _nodes(node.get("connections")))
        return cls(id=node["id"], key=node["key"], label=node.get("label") or node["key"],
                   description=node.get("description") or "", connections=connections,
                   public=public, version_number=version, category=node.get("category"))


class WhoAmI(ApiModel):
    """Which user, organization and tenant a token reaches."""

    tenant_id: str
    org_name: str
    email: str

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> WhoAmI:
        """Build from an ``authenticatedUser`` node."""
        return cls(tenant_id=node.get("tenantId") or "", org_name=(node.get("org") or {}).get(
            "name") or "", email=node.get("email") or "")


class Instance(ApiModel):
    """An instance (deployed integration) that uses some values."""

    id: str
    name: str
    enabled: bool = True


class InstanceUsage(ApiModel):
    """How many instances use a CCV (``total``) and the first of them (up to 100)."""

    total: int
    instances: tuple[Instance, ...] = ()


class UpsertResult(ApiModel):
    """What an upsert did (``created``, ``updated`` or ``unchanged``) and the values now."""

    action: Literal["created", "updated", "unchanged"]
    values: CustomerValues


def secret_texts(values: Iterable[InputValue | str | SecretStr]) -> tuple[str, ...]:
    """The raw texts of secret values, for scrubbing error messages."""
    out = []
    for value in values:
        if isinstance(value, InputValue) and value.is_secret:
            out.append(value.secret_value())
        elif isinstance(value, SecretStr):
            out.append(value.get_secret_value())
    return tuple(out)


class TenantData(ApiModel):
    """Everything coverage needs from one tenant, read in one go (streams run concurrently).

    What `read_tenant()` returns. (A "snapshot" in orgconn is only a coverage record kept in
    the store for the rollout charts, never this read.)
    """

    connections: tuple[OrgConnection, ...]
    customers: tuple[Customer, ...]
    customer_values: tuple[CustomerValues, ...]


class InstanceCount(NamedTuple):
    """How many of a customer's instances use a connection, and how many of those are enabled
    and in a failed state."""

    instances: int
    enabled: int
    failing: int


NO_INSTANCES = InstanceCount(0, 0, 0)


class InstanceImpact(ApiModel):
    """Which customers' instances use each org-activated connection, read for coverage.

    ``counts[connection_id][customer_id]`` is an `InstanceCount`; only customers with at least
    one instance appear. Only the connections in ``counts`` were read: use `of`, which says 0
    for a customer without instances of a connection that was read and None (impact unknown,
    never 0) for a connection that was not.
    """

    counts: dict[str, dict[str, InstanceCount]]

    def of(self, connection_id: str, customer_id: str) -> InstanceCount | None:
        """The customer's count for the connection; None if the connection was not read."""
        per_customer = self.counts.get(connection_id)
        if per_customer is None:
            return None
        return per_customer.get(customer_id, NO_INSTANCES)


class CoverageCustomer(NamedTuple):
    """A customer as coverage needs it (the attributes of `Customer` that coverage reads);
    ``created_at`` is the API's text (the rollout's estimate counts customers from then)."""

    id: str
    name: str
    external_id: str | None
    labels: tuple[str, ...]
    created_at: str | None = None


class CoverageValues(NamedTuple):
    """One customer's values for one connection as coverage needs them: no value, only the
    keys of the inputs that have one (``filled``). ``last_configured_at`` is the API's text."""

    id: str
    connection_id: str
    customer_id: str
    status: str | None
    last_configured_at: str | None
    filled: frozenset[str]

    def has_value(self, key: str) -> bool:
        """Whether input ``key`` has a value."""
        return key in self.filled


class CoverageRead(NamedTuple):
    """What coverage reads of one tenant: org-activated connections, customers, their values
    (never test credentials) and the instance impact (None: not read, or the tenant cannot
    answer — unknown, never 0)."""

    connections: tuple[OrgConnection, ...]
    customers: tuple[CoverageCustomer, ...]
    values: tuple[CoverageValues, ...]
    impact: InstanceImpact | None = None

    @classmethod
    def of_tenant_data(cls, data: TenantData, impact: InstanceImpact | None = None
                       ) -> CoverageRead:
        """The coverage read inside a full `TenantData` (test credentials left out)."""
        customers = tuple(CoverageCustomer(c.id, c.name, c.external_id, c.labels,
                                           c.created_at.isoformat() if c.created_at else None)
                          for c in data.customers)
        values = tuple(
            CoverageValues(v.id, v.connection_id, v.customer.id, v.status,
                           v.last_configured_at.isoformat() if v.last_configured_at else None,
                           frozenset(k for k, x in v.values.items() if x.has_value))
            for v in data.customer_values if not v.is_test and v.customer is not None)
        return cls(data.connections, customers, values, impact)

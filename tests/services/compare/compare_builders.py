"""Hand-made tenants for the comparison and sync-plan tests (no server needed).

Every tenant gets its own IDs (``<tenant>:...``), as real tenants do: only stable keys and
external IDs match across them. Secret values contain ``canary-`` so a test can prove that
none reaches a frame.
"""

from __future__ import annotations

from collections.abc import Iterable

from orgconn.models import (
    ConnectionInput,
    Customer,
    CustomerValues,
    InputDefinition,
    InputScope,
    InputValue,
    OrgConnection,
    TenantData,
)

KEY = b"k" * 32
HIDDEN = object()  # a global or customer value the tenant reports as set but does not return

# (key, type, scope, global value)
InputSpec = tuple[str, str, str, "str | object | None"]
API_INPUTS: tuple[InputSpec, ...] = (
    ("apiKey", "PASSWORD", "customer", None),
    ("region", "STRING", "customer", None),
    ("baseUrl", "STRING", "org", "https://api.example.com"),
)


def _value(key: str, value: str | object | None, secret: bool) -> InputValue:
    if value is HIDDEN:
        return InputValue.of(key, "", has_value=True, secret=secret)
    return InputValue.of(key, value if isinstance(value, str) else None, secret=secret)


def connection(tenant: str, stable_key: str = "acme-api-key", *, name: str = "Acme API key",
               description: str = "Each customer's key.",
               component: tuple[str, str] = ("acme-saas", "apiKey"),
               inputs: Iterable[InputSpec] = API_INPUTS,
               scope: tuple[str, str] = ("CUSTOMER", "ORG")) -> OrgConnection:
    """An org-activated customer connection (or another kind, by ``scope``) of ``tenant``."""
    built = []
    for key, type_, input_scope, global_value in inputs:
        secret = type_ == "PASSWORD"
        value = _value(key, global_value, secret) if input_scope == "org" else None
        built.append(ConnectionInput(
            definition=InputDefinition(key=key, label=key, type=type_),
            scope=InputScope(input_scope), global_value=value))
    return OrgConnection(
        id=f"{tenant}:scv:{stable_key}", name=name, stable_key=stable_key,
        description=description, variable_scope=scope[0], managed_by=scope[1],
        component_key=component[0], connection_key=component[1], inputs=tuple(built))


def customer(tenant: str, external_id: str, name: str | None = None) -> Customer:
    """A customer of ``tenant`` (named after its external ID unless ``name`` is given)."""
    return Customer(id=f"{tenant}:cust:{external_id}", name=name or f"Customer {external_id}",
                    external_id=external_id)


def values(tenant: str, of: OrgConnection, who: Customer, **given: str | object | None
           ) -> CustomerValues:
    """``who``'s values for ``of`` in ``tenant``; a value of `HIDDEN` is set but not returned."""
    return CustomerValues(
        id=f"{tenant}:ccv:{of.stable_key}:{who.external_id}", connection_id=of.id,
        stable_key=of.stable_key, customer=who,
        values={k: _value(k, v, k in of.secret_keys) for k, v in given.items()})


def snapshot(connections: Iterable[OrgConnection], customers: Iterable[Customer] = (),
             customer_values: Iterable[CustomerValues] = ()) -> TenantData:
    """A tenant snapshot of these objects."""
    return TenantData(connections=tuple(connections), customers=tuple(customers),
                          customer_values=tuple(customer_values))

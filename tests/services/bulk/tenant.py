"""A hand-made tenant for the bulk services' unit tests (no network).

Connections:
- ``customer-warehouse`` ("Customer warehouse"): per customer ``host`` (required), ``port``
  (required), ``password`` (PASSWORD, required), ``ssl`` (BOOLEAN), ``options`` (CODE, JSON);
  global ``region``.
- ``acme-api-key`` ("Acme API key"): per customer ``apiKey`` (PASSWORD, required),
  ``timeoutSeconds``; global ``baseUrl``.

Customers and their warehouse values:
- ``alpha``: complete (host old.example.com, port 5432, password OLD_SECRET, ssl true);
- ``beta``: no values; ``gamma``: incomplete (host only); ``delta``: no values.
Only ``alpha`` has acme-api-key values (apiKey OLD_SECRET, timeoutSeconds 30).
"""

from __future__ import annotations

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

OLD_SECRET = "canary-old-secret-7Hq"
NEW_SECRET = "canary-new-secret-Pw2"


def _input(key: str, label: str, type_: str = "STRING", *, required: bool = False,
           scope: InputScope = InputScope.CUSTOMER, value: str | None = None,
           language: str | None = None) -> ConnectionInput:
    definition = InputDefinition(key=key, label=label, type=type_, required=required,
                                 language=language)
    global_value = InputValue.of(key, value, secret=False) if value is not None else None
    return ConnectionInput(definition=definition, scope=scope, global_value=global_value)


WAREHOUSE = OrgConnection(
    id="scv-warehouse", name="Customer warehouse", stable_key="customer-warehouse",
    variable_scope="CUSTOMER", managed_by="ORG", inputs=(
        _input("host", "Host", required=True), _input("port", "Port", required=True),
        _input("password", "Password", "PASSWORD", required=True),
        _input("ssl", "Use SSL", "BOOLEAN"), _input("options", "Options", "CODE", language="json"),
        _input("region", "Region", scope=InputScope.ORG, value="eu-west-1")))
API = OrgConnection(
    id="scv-api", name="Acme API key", stable_key="acme-api-key",
    variable_scope="CUSTOMER", managed_by="ORG", inputs=(
        _input("apiKey", "API key", "PASSWORD", required=True),
        _input("timeoutSeconds", "Timeout (seconds)"),
        _input("baseUrl", "Base URL", scope=InputScope.ORG, value="https://api.example.com")))
CUSTOMERS = tuple(Customer(id=f"cust-{name}", name=f"{name.title()} Inc.", external_id=name)
                  for name in ("alpha", "beta", "gamma", "delta"))


def values(connection: OrgConnection, customer: str, given: dict[str, str], *,
           hidden_secrets: bool = False) -> CustomerValues:
    """A customer's values; ``hidden_secrets`` answers secrets as a write-only tenant does."""
    found = {}
    for key, text in given.items():
        secret = key in connection.secret_keys
        shown = "" if secret and hidden_secrets else text
        found[key] = InputValue.of(key, shown, has_value=bool(text), secret=secret)
    owner = next(c for c in CUSTOMERS if c.external_id == customer)
    return CustomerValues(id=f"ccv-{connection.stable_key}-{customer}",
                          connection_id=connection.id, stable_key=connection.stable_key,
                          customer=owner, values=found)


def snapshot(*, hidden_secrets: bool = False) -> TenantData:
    """The whole hand-made tenant (see the module)."""
    return TenantData(connections=(WAREHOUSE, API), customers=CUSTOMERS, customer_values=(
        values(WAREHOUSE, "alpha", {"host": "old.example.com", "port": "5432",
                                    "password": OLD_SECRET, "ssl": "true"},
               hidden_secrets=hidden_secrets),
        values(WAREHOUSE, "gamma", {"host": "gamma.example.com"}),
        values(API, "alpha", {"apiKey": OLD_SECRET, "timeoutSeconds": "30"},
               hidden_secrets=hidden_secrets)))

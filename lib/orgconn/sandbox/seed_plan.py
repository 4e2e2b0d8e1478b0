"""What each tenant's connections look like: the plan the seed follows (see `seed` for the shape).

The first tenant follows `PRIMARY` (the ``us`` profile), every other tenant `SECONDARY` (the
``eu`` profile). Coverage, error and instance rates are fractions of the tenant's customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

ORG_ACTIVATED = ("CUSTOMER", "ORG")  # variableScope, managedBy: orgconn's connections
ORG_GLOBAL = ("ORG", "ORG")
CUSTOMER_ACTIVATED = ("CUSTOMER", "CUSTOMER")


@dataclass(frozen=True)
class ConnectionPlan:
    """One scoped config variable of a tenant and how its customers' values are spread."""

    stable_key: str
    key: str
    description: str
    component: str
    connection: str
    scope: tuple[str, str] = ORG_ACTIVATED
    global_inputs: dict[str, str] = field(default_factory=dict)
    created_days_ago: int = 200
    coverage: float = 0.0
    problem_rate: float = 0.0
    incomplete_rate: float = 0.0
    instance_rate: float = 0.0
    test_credentials: bool = False
    new_input: tuple[str, int] | None = None
    customer_values: bool = True
    integrations: tuple[str, ...] = ()
    default_for_component: bool = False
    """``defaultForComponent``: the designer picks this connection for its component."""
    owner: int | None = None
    """Pool index of the customer that owns the definition (``ScopedConfigVariable.customer``);
    listed only with ``includeCustomer: true``."""


PRIMARY: tuple[ConnectionPlan, ...] = (
    ConnectionPlan(
        "acme-api-key", "Acme API key", "Each customer's Acme SaaS API key.",
        "acme-saas", "apiKey", global_inputs={"baseUrl": "https://api.acme-saas.com/v2"},
        created_days_ago=270, coverage=0.95, problem_rate=0.03, instance_rate=0.6,
        test_credentials=True, integrations=("Acme → NetSuite sync", "Acme usage export"),
        default_for_component=True,
    ),
    ConnectionPlan(
        "sftp-drop", "SFTP drop", "Nightly file drops on Acme's SFTP server.",
        "sftp", "basic", global_inputs={"host": "sftp.acme-saas.com", "port": "22"},
        created_days_ago=240, coverage=0.72, problem_rate=0.04, incomplete_rate=0.03,
        instance_rate=0.4, test_credentials=True, integrations=("Nightly invoice drop",),
        default_for_component=True,
    ),
    ConnectionPlan(
        "customer-warehouse", "Customer warehouse", "The customer's own PostgreSQL warehouse.",
        "postgres", "postgres", created_days_ago=200, coverage=0.5, problem_rate=0.14,
        incomplete_rate=0.05, instance_rate=0.3, integrations=("Warehouse sync",),
    ),
    ConnectionPlan(
        "billing-api", "Billing API", "Basic-auth access to the billing API.",
        "acme-billing", "basicAuth",
        global_inputs={"endpoint": "https://billing.acme-saas.com/api"},
        created_days_ago=160, coverage=0.62, problem_rate=0.02, instance_rate=0.5,
        test_credentials=True, new_input=("accountNumber", 35),
        integrations=("Billing reconciliation",),
    ),
    ConnectionPlan(
        "webhook-signing", "Webhook signing secret", "Signs webhooks sent to the customer.",
        "acme-webhooks", "hmacSecret", global_inputs={"headerName": "X-Acme-Signature"},
        created_days_ago=120, coverage=0.33, problem_rate=0.03, instance_rate=0.25,
        integrations=("Event webhooks",),
    ),
    ConnectionPlan(
        "crm-sync", "HubSpot CRM sync", "Private-app token for the HubSpot sync (new).",
        "hubspot", "privateAppToken", created_days_ago=18, coverage=0.08, problem_rate=0.1,
        test_credentials=True,
    ),
    ConnectionPlan(
        "ops-alerts", "Ops alerts", "Where integrations post operational alerts.",
        "slack", "webhookUrl", scope=ORG_GLOBAL, created_days_ago=280,
        global_inputs={"webhookUrl": "canary-hooks.slack.example/T000/B000/ops"},
    ),
    ConnectionPlan(
        "usage-warehouse", "Usage warehouse", "Acme's own analytics database.",
        "postgres", "postgres", scope=ORG_GLOBAL, created_days_ago=260,
        global_inputs={"host": "warehouse.internal.acme-saas.com", "port": "5432",
                       "database": "usage", "username": "integrations",
                       "password": "canary-usage-warehouse-us", "ssl": "true", "options": "{}"},
    ),
    ConnectionPlan(
        "salesforce", "Salesforce", "Customers connect their own Salesforce org.",
        "salesforce", "oauth2", scope=CUSTOMER_ACTIVATED, created_days_ago=230, coverage=0.3,
        problem_rate=0.1, customer_values=False,
    ),
    ConnectionPlan(
        "zendesk", "Zendesk", "Customers enter their own Zendesk API token.",
        "zendesk", "apiToken", scope=CUSTOMER_ACTIVATED, created_days_ago=150, coverage=0.2,
    ),
    ConnectionPlan(
        "northwind-acme-key", "Acme API key (one customer)",
        "An org-activated connection owned by one customer; no values yet.",
        "acme-saas", "apiKey", created_days_ago=30, owner=2,
    ),
)

_EU_CHANGES: dict[str, dict[str, object]] = {
    # baseUrl is per customer in eu (regional endpoints), global in us
    "acme-api-key": {"global_inputs": {}, "coverage": 0.85, "incomplete_rate": 0.06},
    "sftp-drop": {"coverage": 0.55, "test_credentials": False, "default_for_component": False},
    "billing-api": {"coverage": 0.7, "default_for_component": True},
    "customer-warehouse": {"coverage": 0.4, "test_credentials": True},
    "webhook-signing": {"coverage": 0.2},
    "usage-warehouse": {"global_inputs": {
        "host": "warehouse.eu.internal.acme-saas.com", "port": "5432", "database": "usage",
        "username": "integrations", "password": "canary-usage-warehouse-eu", "ssl": "true",
        "options": "{}"}},
}
_EU_MISSING = frozenset({"crm-sync"})

SECONDARY: tuple[ConnectionPlan, ...] = tuple(
    replace(plan, **_EU_CHANGES.get(plan.stable_key, {}))  # type: ignore[arg-type]
    for plan in PRIMARY
    if plan.stable_key not in _EU_MISSING
)

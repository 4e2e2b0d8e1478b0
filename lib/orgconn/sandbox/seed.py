"""The demo data: a deterministic function of ``seed``, ``customers`` and the seed day.

Shape (``--tenants us,eu``; the first tenant follows the ``us`` profile, others the ``eu`` one):

Org "Acme SaaS"; components and connections in `catalog` (same in every tenant).

Org-activated connections (variableScope CUSTOMER, managedBy ORG) — stable key: display name,
component/connection, per-customer inputs (+ global inputs with their value), rollout:

- ``acme-api-key``: "Acme API key", acme-saas/apiKey; per customer ``apiKey`` (PASSWORD,
  required), ``timeoutSeconds`` (optional); ``baseUrl`` (required) is GLOBAL in us
  (``https://api.acme-saas.com/v2``) and PER-CUSTOMER in eu. Nearly complete (us 95%, eu 85%),
  test credentials in both. In us the SCV's ID is the one on Prismatic's page
  (``U2NvcGVkQ29uZmlnVmFyaWFibGU6NjIzZjM2NWItMzc3Ny00MWRkLWEyODAtNTBjNjliMjQyMGQ4``) and
  customer ``my-external-id`` has NO value yet, so the page's mutation succeeds once.
- ``sftp-drop``: "SFTP drop", sftp/basic; per customer ``username``, ``password`` (PASSWORD),
  ``directory`` (optional), ``strictHostKeyChecking`` (BOOLEAN, optional); global ``host``
  = ``sftp.acme-saas.com``, ``port`` = ``22``. us 72% with test credentials, eu 55% without.
- ``customer-warehouse``: "Customer warehouse", postgres/postgres; all per customer: ``host``,
  ``port``, ``database``, ``username``, ``password`` (PASSWORD), ``ssl`` (BOOLEAN, optional),
  ``options`` (CODE/JSON, optional). ~50%/40%, many ERROR/FAILED; test credentials eu only.
- ``billing-api``: "Billing API", acme-billing/basicAuth; per customer ``username``,
  ``password`` (PASSWORD), ``accountNumber`` (required, added 35 days ago: customers configured
  before then lack it = incomplete); global ``endpoint``. ~62%/70%, test credentials.
- ``webhook-signing``: "Webhook signing secret", acme-webhooks/hmacSecret; per customer
  ``signingSecret`` (PASSWORD), ``algorithm`` and ``extraHeaders`` (CODE, optional); global
  ``headerName`` = ``X-Acme-Signature``. ~33%/20%, no test credentials.
- ``crm-sync``: "HubSpot CRM sync", hubspot/privateAppToken; per customer ``accessToken``
  (PASSWORD), ``portalId`` (optional). New (18 days), ~8%, test credentials, us ONLY
  (missing in eu).

``defaultForComponent`` (the designer uses the connection by default) is on for
``acme-api-key`` in both tenants, ``sftp-drop`` in us only and ``billing-api`` in eu only.
``northwind-acme-key`` ("Acme API key (one customer)", acme-saas/apiKey, no values) is owned by
customer ``cust-00002`` (``ScopedConfigVariable.customer``): listed only with
``scopedConfigVariables(includeCustomer: true)``, as on Prismatic.

Left alone by orgconn, in every tenant: ORG/ORG ``ops-alerts`` (slack/webhookUrl) and
``usage-warehouse`` (postgres, all inputs global); CUSTOMER/CUSTOMER ``salesforce``
(salesforce/oauth2, CCVs without inputs) and ``zendesk`` (zendesk/apiToken). Their CCVs show
up in unfiltered ``customerConfigVariables`` pages. The salesforce/hubspot/slack ``oauth2``
connections cannot be org-activated.

Customers: ``customers`` per tenant plus one system customer ("Acme SaaS Test Runner",
``isSystem``, no externalId, left out by ``customers(isSystem: false)``). External IDs are
``cust-00002`` ... (``cust-%05d`` of a pool index); pool index 1 is ``my-external-id`` (in us
its ID is the page's ``Q3VzdG9tZXI6NzFlY2NiYzQtYjc5OC00YzQzLWIzZDAtZjdmYzE5OTEyYzlj``).
Pool indexes ending in 3 are us-only; eu replaces them with as many eu-only customers from
index ``customers + 1`` on. Same name, labels and creation time for the same external ID in
every tenant. Labels ``tier:enterprise|growth|starter``, ``region:na|emea|apac``, sometimes
``beta``; created 275 to 5 days before the seed day, in index order.
Then, in every tenant, two customers WITHOUT an external ID, as real tenants have (created in
Prismatic directly): "Lakeside Veterinary Clinic" and "Old Mill Bakery" (2 and 1 days before the
seed day, after every other customer; no values): reachable by Prismatic ID or name only.

Instances: integrations use the org-activated connections (each plan's ``integrations``);
customers with values have instances of them, and so do some customers WITHOUT values
(enabled or not, failing or not, differently in us and eu): see `seed_instances`.

Values: every PASSWORD value contains ``canary-``; status mostly ACTIVE, some ERROR/FAILED
(and PENDING on crm-sync); ``lastConfiguredAt`` follows a rollout curve after the connection's
creation; about half the configured customers have deployed instances (``isInUse``), which
block deleting their values. Test credentials are a CCV with ``isTest`` and no customer.
Components: besides those of orgconn's connections, two share the key ``acme``: a public one
(versions 1-3; ``components`` lists only the latest unless ``allVersions``) and a private one.
Tokens: a static JWT (also spelt ``sandbox-<tenant>``) and refresh token
``sandbox-refresh-<tenant>``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from orgconn.sandbox.catalog import InputDef
from orgconn.sandbox.seed_plan import ConnectionPlan

PAGE_SCV_ID = "623f365b-3777-41dd-a280-50c69b2420d8"
PAGE_CUSTOMER_ID = "71eccbc4-b798-4c43-b3d0-f7fc19912c9c"
PAGE_EXTERNAL_ID = "my-external-id"
SYSTEM_CUSTOMER_NAME = "Acme SaaS Test Runner"
CUSTOMERS_WITHOUT_EXTERNAL_ID = (  # name, description, labels, created days before the seed day
    ("Lakeside Veterinary Clinic", "Starter plan, NA (signed up in Prismatic; no external ID)",
     ("tier:starter", "region:na"), 2),
    ("Old Mill Bakery", "Starter plan, EMEA (signed up in Prismatic; no external ID)",
     ("tier:starter", "region:emea"), 1),
)

_FIRST = ("Northwind", "Blue Harbor", "Granite", "Summit", "Silver Pine", "Redwood", "Brightline",
          "Cobalt", "Evergreen", "Harborview", "Ironclad", "Juniper", "Keystone", "Lakeside",
          "Meridian", "Oakridge", "Pioneer", "Quantum", "Riverbend", "Sterling", "Tidewater",
          "Union Square", "Vantage", "Westfield", "Alder", "Beacon", "Crescent", "Driftwood",
          "Ember", "Foxglove", "Goldleaf", "Highland", "Indigo", "Jasper", "Kestrel", "Lumen")
_SECOND = ("Logistics", "Foods", "Health", "Analytics", "Outfitters", "Dental", "Freight",
           "Energy", "Robotics", "Pharmacy", "Media", "Brewing", "Realty", "Insurance",
           "Apparel", "Labs", "Marine", "Fitness", "Aerospace", "Bank")
_SUFFIX = ("Inc.", "LLC", "GmbH", "Ltd", "Group", "Co.", "S.A.", "Partners")
_TIERS = (("enterprise", 0.15), ("growth", 0.35), ("starter", 0.5))
_REGIONS = (("na", 0.5), ("emea", 0.32), ("apac", 0.18))


def iso(moment: datetime) -> str:
    """The stored and served form of a time: ISO 8601, UTC, microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stable_uuid(*parts: object) -> str:
    """A UUID (version 4 layout) that depends only on ``parts``."""
    h = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def tenant_id(tenant: str) -> str:
    """The ``tenantId`` the sandbox reports for ``tenant`` (and accepts on refresh)."""
    return stable_uuid("tenant", tenant)


def anchor_for(seed_date: date | None) -> datetime:
    """Midnight UTC of ``seed_date`` (default today): every seeded time counts back from it."""
    day = seed_date or datetime.now(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class CustomerSeed:
    """A customer of the pool shared by all tenants, matched across them by external ID."""

    index: int
    external_id: str
    name: str
    labels: tuple[str, ...]
    created_at: datetime
    slug: str  # the name as a hostname-friendly word, used in generated values


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def tenant_customer_indexes(customers: int, primary: bool) -> list[int]:
    """Pool indexes of a tenant's customers: us has 1..N; eu swaps those ending in 3 for
    new ones."""
    if primary:
        return list(range(1, customers + 1))
    kept = [i for i in range(1, customers + 1) if i % 10 != 3]
    return kept + list(range(customers + 1, customers + 1 + customers - len(kept)))


def customer_pool(seed: int, customers: int, anchor: datetime) -> dict[int, CustomerSeed]:
    """Every customer of every tenant by pool index (names, labels, creation times)."""
    size = customers + sum(1 for i in range(1, customers + 1) if i % 10 == 3)
    rng = random.Random(f"customers|{seed}")
    names = [f"{a} {b} {s}" for a in _FIRST for b in _SECOND for s in _SUFFIX]
    rng.shuffle(names)
    pool: dict[int, CustomerSeed] = {}
    for i in range(1, size + 1):
        name = names[(i - 1) % len(names)]
        if i > len(names):
            name = f"{name} {i // len(names) + 1}"
        labels = [f"tier:{_weighted(rng, _TIERS)}", f"region:{_weighted(rng, _REGIONS)}"]
        if rng.random() < 0.08:
            labels.append("beta")
        days_ago = 275 - 270 * (i - 1) / max(size - 1, 1)
        created = anchor - timedelta(days=days_ago, hours=rng.uniform(0, 20))
        external_id = PAGE_EXTERNAL_ID if i == 1 else f"cust-{i:05d}"
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        pool[i] = CustomerSeed(i, external_id, name, tuple(labels), created, slug)
    return pool


def input_value(spec: InputDef, plan: ConnectionPlan, customer: str, rng: random.Random) -> str:
    """A plausible value for input ``spec`` of ``customer`` (a slug); PASSWORDs say ``canary-``."""
    if spec.type == "PASSWORD":
        return f"canary-{rng.getrandbits(96):024x}"
    key = spec.key
    if key in _SIMPLE_VALUES:
        return _SIMPLE_VALUES[key](customer)
    if key in _CHOICES:
        return rng.choice(_CHOICES[key])
    if key == "host":
        return f"{'sftp' if plan.component == 'sftp' else 'db'}.{customer}.example.com"
    if key == "accountNumber":
        return f"AC-{rng.randrange(1, 999_999):06d}"
    if key == "portalId":
        return str(rng.randrange(1_000_000, 99_999_999))
    return spec.default or f"{key}-{customer}"


_SIMPLE_VALUES: dict[str, Callable[[str], str]] = {
    "database": lambda c: f"{c.replace('-', '_')[:40]}_prod",
    "username": lambda c: f"{c[:20]}_svc",
    "directory": lambda c: f"/inbound/{c}",
    "baseUrl": lambda c: "https://eu.api.acme-saas.com/v2",
    "options": lambda c: '{"sslmode": "require", "application_name": "acme-sync"}',
    "extraHeaders": lambda c: json.dumps({"X-Acme-Customer": c}),
    "subdomain": lambda c: c[:30],
    "email": lambda c: f"it@{c}.example.com",
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "timeoutSeconds": ("15", "30", "60"),
    "algorithm": ("sha256", "sha256", "sha512"),
    "ssl": ("true", "true", "false"),
    "strictHostKeyChecking": ("true", "false"),
}

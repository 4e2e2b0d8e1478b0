"""Integrations that use org-activated connections, and customers' instances of them (the seed).

Each connection plan's ``integrations`` are integrations of the tenant that use that connection.
A customer with values of the connection has instances of some of them as before (the draws of
`configured_instance` are the value stream's own, so values stay what they were). Customers
WITHOUT values (the gaps coverage reports) get instances too, drawn from a separate stream
per `GapProfile`: an instance that lacks the connection's values, enabled or not, failing or
not. Per tenant profile (us: the first tenant, eu: the others) and connection:

- ``acme-api-key``: few gaps; most of their instances enabled and failing.
- ``sftp-drop``: their instances mostly disabled (in us), enabled in eu.
- ``customer-warehouse``: enabled and nearly all failing.
- ``billing-api``: enabled, half failing (the new required input broke them).
- ``webhook-signing``: disabled only in us (its gaps block no enabled instance); none in eu.
- ``crm-sync``: no integration uses it yet: its gaps block nothing.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from orgconn.sandbox.seed import CustomerSeed, iso, stable_uuid
from orgconn.sandbox.seed_plan import ConnectionPlan

Row = tuple[object, ...]


@dataclass(frozen=True)
class GapProfile:
    """How the customers lacking a connection's values use its integrations anyway."""

    rate: float
    """Share of those customers with an instance of one of the connection's integrations."""
    enabled: float
    """Share of those instances that are enabled."""
    failing: float
    """Share of the enabled ones in a failed state."""


GAPS: dict[tuple[str, str], GapProfile] = {
    ("us", "acme-api-key"): GapProfile(rate=0.5, enabled=0.85, failing=0.7),
    ("us", "sftp-drop"): GapProfile(rate=0.3, enabled=0.25, failing=0.5),
    ("us", "customer-warehouse"): GapProfile(rate=0.2, enabled=0.7, failing=0.95),
    ("us", "billing-api"): GapProfile(rate=0.35, enabled=0.9, failing=0.5),
    ("us", "webhook-signing"): GapProfile(rate=0.1, enabled=0.0, failing=0.0),
    ("eu", "acme-api-key"): GapProfile(rate=0.3, enabled=0.9, failing=0.4),
    ("eu", "sftp-drop"): GapProfile(rate=0.15, enabled=0.8, failing=0.3),
    ("eu", "customer-warehouse"): GapProfile(rate=0.25, enabled=0.5, failing=0.9),
    ("eu", "billing-api"): GapProfile(rate=0.2, enabled=0.6, failing=0.2),
}


def integration_id(seed: int, tenant: str, name: str) -> str:
    """The UUID of integration ``name`` in ``tenant``."""
    return stable_uuid(seed, tenant, "integration", name)


def write_integrations(conn: sqlite3.Connection, *, seed: int, tenant: str,
                       plan: ConnectionPlan, scv_id: str, anchor: datetime) -> None:
    """Insert the integrations of ``plan`` (once per tenant) and link them to its SCV."""
    rng = random.Random(f"integrations|{seed}|{tenant}|{plan.stable_key}")
    created = iso(anchor - timedelta(days=plan.created_days_ago - 1))
    for name in plan.integrations:
        raw_id = integration_id(seed, tenant, name)
        (position,) = conn.execute("SELECT COUNT(*) + 1 FROM integrations").fetchone()
        conn.execute(
            "INSERT OR IGNORE INTO integrations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (raw_id, name, f"Uses the {plan.key} connection.", "Data sync",
             rng.randint(1, 12), created, created, position))
        conn.execute("INSERT INTO integration_connections VALUES (?, ?)", (scv_id, raw_id))


def configured_instance(rng: random.Random, *, ccv_id: str, customer_id: str,
                        customer_name: str, integration: str, integration_uuid: str,
                        status: str, configured: datetime) -> Row:
    """The instance of ``integration`` of a customer who has values (status ``status``).

    Draws from ``rng`` (the values' stream) exactly what the seed drew before instances were
    remodelled; failed state and need to deploy come from a stream of the instance's own.
    """
    deployed = None if rng.random() < 0.05 else iso(configured + timedelta(hours=3))
    enabled = rng.random() < 0.9
    raw_id = stable_uuid(ccv_id, "instance", integration)
    own = random.Random(raw_id)
    failing = enabled and deployed is not None and own.random() < (
        0.6 if status in ("ERROR", "FAILED") else 0.02)
    needs_deploy = deployed is None or own.random() < 0.05
    return (raw_id, customer_id, integration_uuid, f"{integration} ({customer_name})",
            int(enabled), int(failing), int(needs_deploy), deployed, iso(configured),
            deployed or iso(configured))


def gap_instances(plan: ConnectionPlan, *, seed: int, tenant: str, profile: str,
                  start: datetime, anchor: datetime, gaps: Iterable[CustomerSeed],
                  customer_ids: dict[str, str]) -> list[Row]:
    """Instances of customers who lack values of ``plan``'s connection (``gaps``)."""
    gap = GAPS.get((profile, plan.stable_key))
    if gap is None or not plan.integrations:
        return []
    rng = random.Random(f"gap-instances|{seed}|{tenant}|{plan.stable_key}")
    rows: list[Row] = []
    for customer in gaps:
        if rng.random() >= gap.rate:
            continue
        name = rng.choice(plan.integrations)
        begin = max(start, customer.created_at + timedelta(days=1))
        created = begin + max(anchor - begin, timedelta(hours=2)) * rng.random()
        enabled = rng.random() < gap.enabled
        failing = enabled and rng.random() < gap.failing
        deployed = None if rng.random() < 0.1 else iso(created + timedelta(hours=1))
        raw_id = stable_uuid(seed, tenant, "gap-instance", plan.stable_key,
                             customer.external_id, name)
        rows.append((raw_id, customer_ids[customer.external_id],
                     integration_id(seed, tenant, name), f"{name} ({customer.name})",
                     int(enabled), int(failing and deployed is not None),
                     int(deployed is None or rng.random() < 0.3), deployed, iso(created),
                     deployed or iso(created)))
    return rows


def integrations_and_gaps(conn: sqlite3.Connection, plans: Iterable[ConnectionPlan], *,
                          seed: int, tenant: str, primary: bool, anchor: datetime,
                          members: list[CustomerSeed], customer_ids: dict[str, str],
                          ccvs: list[Row]) -> list[Row]:
    """Write the integrations of the SCVs of ``plans`` written so far (after the values'
    loop) and return the instances of customers without values; ``ccvs`` are the CCV rows
    (SCV ID second, customer ID third)."""
    written = dict(conn.execute("SELECT stable_key, id FROM scoped_config_variables"))
    configured = {(str(row[1]), row[2]) for row in ccvs}
    rows: list[Row] = []
    for plan in plans:
        scv_id = written.get(plan.stable_key)
        if scv_id is None:
            continue
        write_integrations(conn, seed=seed, tenant=tenant, plan=plan, scv_id=scv_id,
                           anchor=anchor)
        if plan.scope[0] == "CUSTOMER":
            rows += gap_instances(
                plan, seed=seed, tenant=tenant, profile="us" if primary else "eu",
                start=anchor - timedelta(days=plan.created_days_ago), anchor=anchor,
                gaps=[c for c in members
                      if (scv_id, customer_ids[c.external_id]) not in configured],
                customer_ids=customer_ids)
    return rows


def insert_instances(conn: sqlite3.Connection, rows: list[Row]) -> None:
    """Insert instance rows (as built above), in creation order (``heap_pos``)."""
    ordered = sorted(rows, key=lambda row: (str(row[8]), str(row[0])))
    conn.executemany("INSERT INTO instances VALUES (?,?,?,?,?,?,?,?,0,NULL,?,?,?)",
                     [(*row, pos) for pos, row in enumerate(ordered, start=1)])

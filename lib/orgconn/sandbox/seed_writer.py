"""Write one tenant's seed (shape documented in `seed`) into an empty tenant database."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime, timedelta

from orgconn.sandbox.catalog import COMPONENTS, find_connection
from orgconn.sandbox.db import SCHEMA_VERSION
from orgconn.sandbox.seed import (
    CUSTOMERS_WITHOUT_EXTERNAL_ID,
    PAGE_CUSTOMER_ID,
    PAGE_EXTERNAL_ID,
    PAGE_SCV_ID,
    SYSTEM_CUSTOMER_NAME,
    CustomerSeed,
    customer_pool,
    input_value,
    iso,
    stable_uuid,
    tenant_customer_indexes,
)
from orgconn.sandbox.seed_instances import (
    configured_instance,
    insert_instances,
    integration_id,
    integrations_and_gaps,
)
from orgconn.sandbox.seed_plan import PRIMARY, SECONDARY, ConnectionPlan

Row = tuple[object, ...]


def seed_tenant(conn: sqlite3.Connection, *, tenant: str, primary: bool, seed: int,
                customers: int, anchor: datetime) -> None:
    """Fill the empty database of ``tenant`` (inside the caller's transaction).

    ``primary`` picks the us profile (the first tenant) over the eu one.
    """
    _write_catalog(conn, tenant, anchor)
    pool = customer_pool(seed, customers, anchor)
    members = [pool[i] for i in tenant_customer_indexes(customers, primary)]
    customer_ids = {c.external_id: _customer_id(c, tenant, seed, primary) for c in members}
    conn.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
        [(customer_ids[c.external_id], c.name, _describe(c), c.external_id,
          json.dumps(list(c.labels)), iso(c.created_at), iso(c.created_at), pos)
         for pos, c in enumerate(sorted(members, key=lambda c: c.created_at), start=2)],
    )
    system_created = iso(anchor - timedelta(days=300))
    conn.execute(
        "INSERT INTO customers VALUES (?, ?, ?, NULL, '[]', 1, ?, ?, 1)",
        (stable_uuid(seed, tenant, "system-customer"), SYSTEM_CUSTOMER_NAME,
         "System customer that runs test instances from the integration designer.",
         system_created, system_created),
    )
    conn.executemany(  # after every other row, so that the others keep their order and IDs
        "INSERT INTO customers VALUES (?, ?, ?, NULL, ?, 0, ?, ?, ?)",
        [(stable_uuid(seed, tenant, "customer-without-external-id", number), name, description,
          json.dumps(list(labels)), iso(anchor - timedelta(days=days)),
          iso(anchor - timedelta(days=days)), len(members) + 1 + number)
         for number, (name, description, labels, days)
         in enumerate(CUSTOMERS_WITHOUT_EXTERNAL_ID, start=1)])
    ccvs: list[Row] = []
    inputs: list[Row] = []
    instances: list[Row] = []
    for scv_pos, plan in enumerate(PRIMARY if primary else SECONDARY, start=1):
        scv_id = PAGE_SCV_ID if primary and plan.stable_key == "acme-api-key" else (
            stable_uuid(seed, tenant, "scv", plan.stable_key))
        owner = None
        if plan.owner is not None:
            if plan.owner not in pool or pool[plan.owner].external_id not in customer_ids:
                continue  # its owner is not a customer of this tenant (few customers)
            owner = customer_ids[pool[plan.owner].external_id]
        _write_scv(conn, tenant, plan, scv_id, scv_pos, anchor, owner)
        _plan_values(plan, scv_id, seed, tenant, anchor, members, customer_ids, primary,
                     ccvs, inputs, instances)
    instances += integrations_and_gaps(conn, PRIMARY if primary else SECONDARY, seed=seed,
                                       tenant=tenant, primary=primary, anchor=anchor,
                                       members=members, customer_ids=customer_ids, ccvs=ccvs)
    ccvs.sort(key=lambda row: (str(row[7]), str(row[0])))
    conn.executemany("INSERT INTO customer_config_variables VALUES (?,?,?,?,?,?,?,?,?,?)",
                     [(*row[:9], pos) for pos, row in enumerate(ccvs, start=1)])
    conn.executemany("INSERT INTO ccv_inputs VALUES (?,?,?,?,?)", inputs)
    insert_instances(conn, instances)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("tenant", tenant), ("profile", "us" if primary else "eu"), ("seed", str(seed)),
        ("customers", str(customers)), ("anchor", iso(anchor)),
        ("schema_version", SCHEMA_VERSION),
    ])
    conn.execute("ANALYZE")  # statistics let SQLite pick the covering indexes for pages


def _customer_id(customer: CustomerSeed, tenant: str, seed: int, primary: bool) -> str:
    if primary and customer.external_id == PAGE_EXTERNAL_ID:
        return PAGE_CUSTOMER_ID
    return stable_uuid(seed, tenant, "customer", customer.external_id)


def _describe(customer: CustomerSeed) -> str:
    tier = next(x for x in customer.labels if x.startswith("tier:")).split(":")[1]
    region = next(x for x in customer.labels if x.startswith("region:")).split(":")[1]
    return f"{tier.title()} plan, {region.upper()}"


def _write_catalog(conn: sqlite3.Connection, tenant: str, anchor: datetime) -> None:
    versions = [(comp, number) for comp in COMPONENTS
                for number in range(comp.version_number - comp.older_versions,
                                     comp.version_number + 1)]
    for pos, (comp, number) in enumerate(versions, start=1):
        identity = comp.identity(number)
        comp_id = stable_uuid(tenant, "component", identity)
        age = comp.version_days_ago + 30 * (comp.version_number - number)
        conn.execute(
            "INSERT INTO components VALUES (?,?,?,?,?,?,?,?,?,?,NULL)",
            (comp_id, comp.key, comp.label, comp.description, int(comp.public), comp.category,
             number, iso(anchor - timedelta(days=age)), pos, int(number == comp.version_number)),
        )
        for cpos, conn_def in enumerate(comp.connections, start=1):
            conn_id = stable_uuid(tenant, "connection", identity, conn_def.key)
            conn.execute(
                "INSERT INTO connections VALUES (?,?,?,?,?,?,?)",
                (conn_id, comp_id, conn_def.key, conn_def.label, conn_def.comments,
                 conn_def.oauth2_type, cpos),
            )
            conn.executemany("INSERT INTO input_fields VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [
                (stable_uuid(tenant, "input", identity, conn_def.key, spec.key), conn_id,
                 spec.key, spec.label, spec.type, int(spec.required), int(spec.shown),
                 spec.default, spec.comments, spec.placeholder, spec.example, ipos,
                 spec.language)
                for ipos, spec in enumerate(conn_def.inputs, start=1)
            ])


def _write_scv(conn: sqlite3.Connection, tenant: str, plan: ConnectionPlan, scv_id: str,
               pos: int, anchor: datetime, owner: str | None) -> None:
    created = iso(anchor - timedelta(days=plan.created_days_ago))
    conn_id = stable_uuid(tenant, "connection", plan.component, plan.connection)
    variable_scope, managed_by = plan.scope
    conn.execute(
        "INSERT INTO scoped_config_variables VALUES (?,?,?,?,?,?,'ACTIVE',?,'{}',?,?,?,?,?,?)",
        (scv_id, plan.key, plan.stable_key, plan.description, variable_scope, managed_by,
         conn_id, created, created, created, pos, owner, int(plan.default_for_component)),
    )
    spec = find_connection(plan.component, plan.connection)
    conn.executemany("INSERT INTO scv_inputs VALUES (?,?,?,?,?,?,NULL)", [
        (stable_uuid(scv_id, "input", inp.key), scv_id, inp.key,
         "org" if inp.key in plan.global_inputs else "customer",
         plan.global_inputs.get(inp.key, ""), ipos)
        for ipos, inp in enumerate(spec.inputs, start=1)
    ])


def _status(plan: ConnectionPlan, rng: random.Random) -> str:
    draw = rng.random()
    if draw < plan.problem_rate * 0.6:
        return "ERROR"
    if draw < plan.problem_rate:
        return "FAILED"
    if plan.created_days_ago < 30 and draw > 0.9:
        return "PENDING"
    return "ACTIVE"


def _plan_values(plan: ConnectionPlan, scv_id: str, seed: int, tenant: str, anchor: datetime,
                 members: list[CustomerSeed], customer_ids: dict[str, str], primary: bool,
                 ccvs: list[Row], inputs: list[Row], instances: list[Row]) -> None:
    """Append the CCVs (values, test credentials, instances) that ``plan`` gives the tenant."""
    if plan.scope[0] != "CUSTOMER":
        return
    rng = random.Random(f"values|{seed}|{tenant}|{plan.stable_key}")
    specs = [s for s in find_connection(plan.component, plan.connection).inputs
             if s.key not in plan.global_inputs] if plan.customer_values else []
    meta = json.dumps({"managedBy": plan.scope[1].lower()})
    start = anchor - timedelta(days=plan.created_days_ago)
    added = anchor - timedelta(days=plan.new_input[1]) if plan.new_input else None
    if plan.test_credentials:
        test_id = stable_uuid(scv_id, "test-credentials")
        stamp = iso(start + timedelta(hours=5))
        ccvs.append((test_id, scv_id, None, 1, "ACTIVE", meta, stamp, stamp, stamp))
        for pos, spec in enumerate(specs, start=1):
            value = input_value(spec, plan, "acme-test", rng)
            inputs.append((stable_uuid(test_id, spec.key), test_id, spec.key, value, pos))
    for customer in members:
        if primary and plan.stable_key == "acme-api-key" and (
                customer.external_id == PAGE_EXTERNAL_ID):
            continue  # the page's createCustomerConfigVariable must succeed once
        if rng.random() >= plan.coverage:
            continue
        early = customer.created_at < start
        begin = max(start, customer.created_at + timedelta(days=1))
        span = max(anchor - begin, timedelta(hours=2))
        frac = rng.betavariate(2, 3) if early else rng.betavariate(1.2, 4)
        created = begin + span * frac
        configured = created
        if rng.random() < 0.2:
            configured = created + (anchor - created) * rng.random()
        ccv_id = stable_uuid(scv_id, "ccv", customer.external_id)
        status = _status(plan, rng)
        ccvs.append((ccv_id, scv_id, customer_ids[customer.external_id], 0, status,
                     meta, iso(configured), iso(created), iso(configured)))
        drop = rng.choice([s.key for s in specs if s.required] or [""]) if (
            rng.random() < plan.incomplete_rate) else ""
        for pos, spec in enumerate(specs, start=1):
            if spec.key == drop or (not spec.required and rng.random() < 0.4):
                continue
            if plan.new_input and spec.key == plan.new_input[0] and added and configured < added:
                continue  # configured before the connection gained this input
            value = input_value(spec, plan, customer.slug, rng)
            inputs.append((stable_uuid(ccv_id, spec.key), ccv_id, spec.key, value, pos))
        if rng.random() < plan.instance_rate and plan.integrations:
            for name in rng.sample(plan.integrations, rng.randint(1, len(plan.integrations))):
                instances.append(configured_instance(
                    rng, ccv_id=ccv_id, customer_id=customer_ids[customer.external_id],
                    customer_name=customer.name, integration=name,
                    integration_uuid=integration_id(seed, tenant, name), status=status,
                    configured=configured))

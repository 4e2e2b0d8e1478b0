"""Safe writes under a sandbox where a fifth of all requests fail (500/502/503, reset, or a write
committed whose answer is dropped): no write lost, none doubled, no wrong result."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from orgconn.client import AsyncPrismaticClient, PrismaticClient, RetryPolicy
from orgconn.config import TenantConfig
from orgconn.models import CustomerValues, OrgConnection
from orgconn.sandbox import RunningSandbox, SandboxSettings, start_sandbox, start_sandbox_process

CUSTOMERS = 120
# acme-api-key: most customers have values (updates); crm-sync: few do (creates)
STABLE_KEYS = ("acme-api-key", "crm-sync")
# more attempts than the default so that 0.2 ** attempts stays negligible over ~1500 requests,
# and short waits so that the test stays well under 30 s
POLICY = RetryPolicy(attempts=14, write_attempts=14, wait_initial=0.02, wait_max=0.2,
                     wait_jitter=0.05, timeout=60)


def tenant(sandbox: RunningSandbox) -> TenantConfig:
    return TenantConfig(name="us", url=sandbox.stack_url("us"), token=sandbox.token("us"))


def intended(connection: OrgConnection, external_id: str) -> dict[str, str]:
    """New values for every per-customer input, unlike anything the seed holds."""
    return {i.key: f"canary-{i.key}-{external_id}" if i.is_secret else f"{i.key}-{external_id}"
            for i in connection.per_customer_inputs}


def stored_values(values: list[CustomerValues]) -> dict[str, dict[str, str]]:
    return {v.id: {k: i.secret_value() for k, i in v.values.items()} for v in values}


async def upsert_everyone(sandbox: RunningSandbox) -> dict[str, Any]:
    async with AsyncPrismaticClient(tenant(sandbox), retry=POLICY) as client:
        connections = await client.org_connections(stable_keys=list(STABLE_KEYS))
        customers = await client.customers()
        wanted: dict[tuple[str, str], dict[str, str]] = {}
        expected: list[str] = []
        for connection in connections:
            before = {v.customer.id for v in await client.customer_values(
                connection_id=connection.id) if v.customer is not None}
            for customer in customers:
                wanted[connection.id, customer.id] = intended(connection, customer.external_id
                                                              or customer.id)
                expected.append("updated" if customer.id in before else "created")
        by_id = {c.id: c for c in connections}

        async def upsert_all() -> list[str]:
            results = await asyncio.gather(*(client.upsert_customer_values(
                by_id[connection_id], customer_id, {k: SecretStr(v) for k, v in values.items()})
                for (connection_id, customer_id), values in wanted.items()))
            return [r.action for r in results]

        first = await upsert_all()
        second = await upsert_all()
        reads = [(c.id, stored_values(await client.customer_values(connection_id=c.id)))
                 for c in connections for _ in range(2)]
        return {"first": first, "second": second, "expected": expected, "wanted": wanted,
                "reads": reads, "connections": [c.id for c in connections],
                "stats": client.stats}


def test_upserts_for_every_customer_survive_a_fault_rate_of_one_in_five(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO, logger="orgconn.client")
    data = tmp_path / "sandbox"
    faulty = SandboxSettings(port=0, tenants=("us",), customers=CUSTOMERS, fault_rate=0.2,
                             data_dir=data)
    with start_sandbox_process(faulty) as sandbox:
        seen = asyncio.run(upsert_everyone(sandbox))

    assert len(seen["first"]) == (CUSTOMERS + 2) * len(STABLE_KEYS)  # + 2 without external ID
    assert seen["first"].count("created") >= 100 and seen["first"].count("updated") >= 100
    assert seen["first"] == seen["expected"]  # each upsert reports what it really did
    assert set(seen["second"]) == {"unchanged"}  # repeating the upserts changes nothing
    # the faults did happen: retried reads, and writes whose answer was lost were read back
    assert seen["stats"].retries >= 0.1 * seen["stats"].requests
    assert sum("answer lost, reading back" in r.getMessage() for r in caplog.records) >= 10

    # the ground truth: the same data served again without faults
    with start_sandbox(SandboxSettings(port=0, tenants=("us",), customers=CUSTOMERS,
                                       data_dir=data)) as clean, \
            PrismaticClient(tenant(clean)) as client:
        stored = [v for c in seen["connections"] for v in client.customer_values(connection_id=c)]
    found: dict[tuple[str, str], list[CustomerValues]] = {}
    for values in stored:
        assert values.customer is not None
        found.setdefault((values.connection_id, values.customer.id), []).append(values)
    assert set(found) == set(seen["wanted"])
    for key, copies in found.items():
        assert len(copies) == 1, "a customer's values were created twice"
        assert {k: v.secret_value() for k, v in copies[0].values.items()} == seen["wanted"][key]
    for connection_id, read in seen["reads"]:
        truth = stored_values([v for v in stored if v.connection_id == connection_id])
        assert read == truth, "a read under faults was wrong"

"""Definitions owned by one customer (``ScopedConfigVariable.customer``), on the sandbox's seeded
``northwind-acme-key`` (owned by cust-00002): listed apart, covered only for their owner, never a
tenant-wide gap."""

from __future__ import annotations

import pandas as pd
from pydantic import SecretStr

from orgconn.models import TenantData
from orgconn.sandbox import RunningSandbox
from orgconn.services import coverage
from tests.edit_support import sandbox_client

OWNED = "northwind-acme-key"


def test_a_customers_own_definition_is_never_a_row_of_the_tenant_wide_coverage(
        sandbox: RunningSandbox) -> None:
    with sandbox_client(sandbox, "us") as us:
        every, snapshot = us.all_connections(), us.read_tenant()
    given_everything = TenantData(connections=tuple(every), customers=snapshot.customers,
                                      customer_values=snapshot.customer_values)
    frame = coverage.coverage_frame("us", given_everything)
    tenant_wide = {c.stable_key for c in every
                   if c.is_org_activated_customer and c.owner is None}
    assert OWNED not in set(frame["stable_key"]) and set(frame["stable_key"]) == tenant_wide
    assert len(frame) == len(tenant_wide) * len(snapshot.customers)


def test_it_is_listed_apart_with_its_owner_and_only_the_owners_status(
        sandbox: RunningSandbox) -> None:
    with sandbox_client(sandbox, "us") as us:
        every, snapshot = us.all_connections(), us.read_tenant()
    others = coverage.other_connections_frame("us", every).set_index("stable_key")
    assert others.loc[OWNED, "kind"] == "one customer's"
    assert others.loc[OWNED, "owner"].endswith("(cust-00002)")
    owned = coverage.owned_connections_frame("us", every, snapshot.customer_values)
    assert owned[["stable_key", "status", "missing_inputs"]].to_dict("records") == [
        {"stable_key": OWNED, "status": "missing", "missing_inputs": ""}]


def test_the_owners_values_make_it_complete(fresh_sandbox: RunningSandbox) -> None:
    with sandbox_client(fresh_sandbox, "us") as us:
        owned = next(c for c in us.all_connections() if c.stable_key == OWNED)
        assert owned.owner is not None
        us.upsert_customer_values(owned, owned.owner.id, {"apiKey": SecretStr("canary-own")})
        every, snapshot, lean = us.all_connections(), us.read_tenant(), us.coverage_read()
    frame = coverage.owned_connections_frame("us", every, snapshot.customer_values)
    assert frame.set_index("stable_key").loc[OWNED, "status"] == "complete"
    from_lean_read = coverage.owned_connections_frame("us", every, lean.values)
    pd.testing.assert_frame_equal(from_lean_read, frame)

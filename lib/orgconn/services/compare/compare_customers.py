"""Per customer, matched by external ID: how the tenants' customers and their values differ.

- `Kind.CUSTOMER_MISSING`: the external ID exists in some tenants only (one row per customer).
- `Kind.CUSTOMER_CONFIGURED`: for a connection (stable key) in several tenants, the customer
  has values in some of them and not in others (one row per customer and connection).
- `Kind.CUSTOMER_VALUE`: configured in several tenants, an input's values differ — shown as
  fingerprints (plain values too), "not set", or "set, not returned by the API" (one row per
  customer, connection and input). Only inputs that are per-customer in every tenant compared
  are looked at: an input missing or scoped differently is one definition difference already.
- `Kind.CANT_COMPARE`: values set everywhere but hidden by a tenant (write-only secrets), so
  equal or not is unknown: one row per connection and input, counting the customers.

A tenant that lacks the customer or the connection takes no part (``—``): that absence is its
own row. Customers without an external ID cannot be matched and are left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from orgconn.models import Customer, CustomerValues, OrgConnection, TenantData
from orgconn.services.compare.compare_kinds import (
    CONFIGURED,
    MISSING,
    NOT_CONCERNED,
    NOT_CONFIGURED,
    Difference,
    Kind,
    difference,
    value_state,
    verdict,
)


@dataclass(frozen=True)
class TenantCustomers:
    """One tenant's customers by external ID and their values by (stable key, external ID)."""

    customers: Mapping[str, Customer]
    values: Mapping[tuple[str, str], CustomerValues]

    @classmethod
    def of(cls, snapshot: TenantData) -> TenantCustomers:
        """Index a snapshot (test credentials and customers without external ID left out)."""
        customers = {c.external_id: c for c in snapshot.customers if c.external_id}
        by_id = {c.id: c.external_id for c in customers.values()}
        values: dict[tuple[str, str], CustomerValues] = {}
        for ccv in snapshot.customer_values:
            external_id = by_id.get(ccv.customer.id) if ccv.customer else None
            if not ccv.is_test and external_id:
                values.setdefault((ccv.stable_key, external_id), ccv)
        return cls(customers, values)


def _spread(tenants: Sequence[str], values: Mapping[str, str]) -> dict[str, str]:
    return {t: values.get(t, NOT_CONCERNED) for t in tenants}


def customer_differences(tenants: Sequence[str], indexed: Mapping[str, TenantCustomers],
                         connections: Mapping[str, Mapping[str, OrgConnection]], key: bytes
                         ) -> list[Difference]:
    """Every customer difference between ``tenants`` (see the module docstring).

    ``connections`` holds each tenant's org-activated customer connections by stable key;
    ``key`` keys the fingerprints.
    """
    found: list[Difference] = []
    names: dict[str, str] = {}
    for tenant in tenants:
        for external_id, customer in indexed[tenant].customers.items():
            names.setdefault(external_id, customer.name)
    for external_id in names:
        where = {t: indexed[t].customers[external_id].name if external_id in indexed[
            t].customers else MISSING for t in tenants}
        if MISSING in where.values():
            found.append(difference(Kind.CUSTOMER_MISSING, where,
                                    customer_external_id=external_id,
                                    customer_name=names[external_id]))
    unknown: dict[tuple[str, str], Counter[str]] = {}
    for stable_key in sorted({k for t in tenants for k in connections[t]}):
        having = [t for t in tenants if stable_key in connections[t]]
        if len(having) < 2:
            continue
        for external_id, name in names.items():
            both = [t for t in having if external_id in indexed[t].customers]
            if len(both) >= 2:
                found.extend(_one_customer(tenants, both, stable_key, external_id, name,
                                           indexed, connections, key, unknown))
    for (stable_key, input_key), hidden in unknown.items():
        details = {t: f"not returned for {hidden[t]} customers" if hidden[t] else "returned"
                   for t in tenants if stable_key in connections[t]}
        found.append(difference(Kind.CANT_COMPARE, _spread(tenants, details),
                                stable_key=stable_key, input_key=input_key,
                                drift_in=tuple(t for t in tenants if hidden[t])))
    return found


def _one_customer(tenants: Sequence[str], both: Sequence[str], stable_key: str,
                  external_id: str, name: str, indexed: Mapping[str, TenantCustomers],
                  connections: Mapping[str, Mapping[str, OrgConnection]], key: bytes,
                  unknown: dict[tuple[str, str], Counter[str]]) -> Iterator[Difference]:
    values = {t: indexed[t].values.get((stable_key, external_id)) for t in both}
    configured = {t: v for t, v in values.items() if v is not None}
    if 0 < len(configured) < len(both):
        where = {t: CONFIGURED if t in configured else NOT_CONFIGURED for t in both}
        yield difference(Kind.CUSTOMER_CONFIGURED, _spread(tenants, where), stable_key=stable_key,
                         customer_external_id=external_id, customer_name=name)
    if len(configured) < 2:
        return
    for input_key in _shared_per_customer_inputs([connections[t][stable_key]
                                                  for t in configured]):
        states = {t: value_state(v.values.get(input_key), key) for t, v in configured.items()}
        differs = verdict(states)
        if differs:
            details = {t: s.detail() for t, s in states.items()}
            yield difference(Kind.CUSTOMER_VALUE, _spread(tenants, details),
                             stable_key=stable_key, customer_external_id=external_id,
                             input_key=input_key, customer_name=name)
        elif differs is None:
            counter = unknown.setdefault((stable_key, input_key), Counter())
            counter.update(t for t, s in states.items() if s.hidden)


def _shared_per_customer_inputs(connections: Sequence[OrgConnection]) -> list[str]:
    """Keys of the inputs that are per-customer in every one of ``connections``, in order."""
    first, *rest = connections
    return [i.key for i in first.per_customer_inputs
            if all((other := c.input(i.key)) is not None and other.is_per_customer
                   for c in rest)]

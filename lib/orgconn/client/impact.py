"""The reads of coverage: the lean coverage read (`coverage_read`) and the instance read
(`instance_impact`): per connection and customer, how many instances use the connection and how
many of those are enabled and failing — in pages, never customer by customer.

`coverage_read` runs every stream at once: connections then their instances, customers, and
the customers' values (per connection when some are named), each page shaped into a small tuple
as it arrives (`CoverageCustomer`, `CoverageValues`: no value, only which inputs have one).

Each connection's ``ScopedConfigVariable.instances`` is paged (`paginate`: the first page, then
every other page at once), all connections concurrently: about (instances / 100) + connections
requests. A tenant that cannot answer — its schema lacks the field, or it reports an error for
it, or an instance comes without its customer — gives None: the impact is unknown, and a caller
must show it so, never as 0. Transport, HTTP and auth errors propagate as for every read.
``inFailedState`` is nullable in Prismatic's schema: null counts as not failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orgconn.client.documents import operation
from orgconn.client.plans import PageProgress, Parallel, Plan, paginate
from orgconn.client.reads import Definitions, org_connections
from orgconn.errors import GraphQLError
from orgconn.models import (
    CoverageCustomer,
    CoverageRead,
    CoverageValues,
    InstanceCount,
    InstanceImpact,
    OrgConnection,
)


def _counts(nodes: Sequence[dict[str, Any]]) -> dict[str, InstanceCount] | None:
    """Per customer ID: the count of ``nodes`` (instances); None if one lacks its customer."""
    tally: dict[str, tuple[int, int, int]] = {}
    for node in nodes:
        customer_id = (node.get("customer") or {}).get("id")
        if not customer_id:
            return None
        instances, enabled, failing = tally.get(customer_id, (0, 0, 0))
        tally[customer_id] = (instances + 1, enabled + bool(node.get("enabled")),
                              failing + bool(node.get("inFailedState")))
    return {customer_id: InstanceCount(*count) for customer_id, count in tally.items()}


def instance_impact(definitions: Definitions, connections: Sequence[OrgConnection] | None = None,
                    *, page_size: int = 100) -> Plan[InstanceImpact | None]:
    """Instances per (connection, customer) of ``connections`` (default: every org-activated
    customer connection), or None when the tenant cannot say (impact unknown)."""
    if connections is None:
        connections = yield from org_connections(definitions, page_size=page_size)
    streams = tuple(paginate(operation("ConnectionInstances"), {"connectionId": c.id},
                             "scopedConfigVariable.instances", page_size=page_size)
                    for c in connections)
    try:
        pages = yield Parallel(streams)
    except GraphQLError:
        return None
    counts: dict[str, dict[str, InstanceCount]] = {}
    for connection, nodes in zip(connections, pages, strict=True):
        per_customer = _counts(nodes)
        if per_customer is None:
            return None
        counts[connection.id] = per_customer
    return InstanceImpact.model_construct(counts=counts)


def _customer(node: dict[str, Any]) -> CoverageCustomer:
    return CoverageCustomer(node["id"], node.get("name") or "", node.get("externalId"),
                            tuple(node.get("labels") or ()), node.get("createdAt"))


def _values(node: dict[str, Any]) -> CoverageValues:
    inputs = (node.get("inputs") or {}).get("nodes") or []
    return CoverageValues(
        node["id"], (node.get("scopedConfigVariable") or {}).get("id") or "",
        (node.get("customer") or {}).get("id") or "", node.get("status"),
        node.get("lastConfiguredAt"),
        frozenset(i["name"] for i in inputs if i is not None and i.get("hasValue")))


def _connections_and_impact(definitions: Definitions, stable_keys: Sequence[str] | None,
                            with_impact: bool, page_size: int,
                            on_page: PageProgress | None = None
                            ) -> Plan[tuple[list[OrgConnection], InstanceImpact | None]]:
    connections = yield from org_connections(definitions, stable_keys, page_size=page_size,
                                             on_page=on_page)
    if not with_impact:
        return connections, None
    found = yield from instance_impact(definitions, connections, page_size=page_size)
    return connections, found


def coverage_read(definitions: Definitions, stable_keys: Sequence[str] | None = None, *,
                  with_impact: bool = True, page_size: int = 100,
                  on_page: PageProgress | None = None) -> Plan[CoverageRead]:
    """Org-activated connections (optionally only ``stable_keys``), customers, their values
    and, ``with_impact``, the instance impact (None when the tenant cannot answer): every
    stream concurrently, in pages. ``on_page`` hears of each page of connections, customers
    and values (`orgconn.client.plans.PageRead`)."""
    keys: list[str | None] = list(stable_keys) if stable_keys is not None else [None]
    streams = tuple(paginate(operation("CoverageValues"), {"stableKey": key},
                             "customerConfigVariables", page_size=page_size, each=_values,
                             what="values" if key is None else f"values of {key}",
                             on_page=on_page)
                    for key in keys)
    (connections, impact), customers, *pages = yield Parallel((
        _connections_and_impact(definitions, stable_keys, with_impact, page_size, on_page),
        paginate(operation("Customers"), {"brief": True}, "customers", page_size=page_size,
                 each=_customer, what="customers", on_page=on_page),
        *streams))
    values = tuple(v for page in pages for v in page if v.customer_id)
    return CoverageRead(tuple(connections), tuple(customers), values, impact)

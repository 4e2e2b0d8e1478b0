"""The instance read of coverage: per connection and customer, how many instances use the
connection and how many of those are enabled and failing — in pages, never customer by customer.

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
from orgconn.client.plans import Parallel, Plan, paginate
from orgconn.client.reads import Definitions, org_connections
from orgconn.errors import GraphQLError
from orgconn.models import InstanceCount, InstanceImpact, OrgConnection


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

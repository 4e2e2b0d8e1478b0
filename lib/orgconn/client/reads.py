"""Plans that read: one per query of ``operations/``, each returning models.

Which inputs are secret is known from the connection definitions, not from a customer's values;
`Definitions` remembers it per connection ID from every connection read, and a plan that reads
values fetches the definitions it lacks (values of a connection still unknown are all secret).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from orgconn.client.documents import Call, operation
from orgconn.client.plans import PageProgress, Parallel, Plan, paginate, required, unusable
from orgconn.errors import GraphQLError
from orgconn.models import (
    Component,
    Customer,
    CustomerValues,
    Instance,
    InstanceUsage,
    OrgConnection,
    TenantData,
    WhoAmI,
)


class Definitions:
    """The secret input keys of each connection (by SCV ID) that a client has seen; thread-safe."""

    def __init__(self) -> None:
        self._secret_keys: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def learn(self, connections: Iterable[OrgConnection]) -> None:
        """Remember the secret keys of ``connections``."""
        with self._lock:
            self._secret_keys.update((c.id, c.secret_keys) for c in connections)

    def secret_keys(self, connection_id: str) -> frozenset[str] | None:
        """The secret keys of a connection, or None if it has not been seen."""
        return self._secret_keys.get(connection_id)

    def __contains__(self, connection_id: object) -> bool:
        return connection_id in self._secret_keys


def whoami() -> Plan[WhoAmI]:
    """Who the token is: user email, tenant ID, org name."""
    data = yield Call(operation("WhoAmI"))
    return WhoAmI.from_node(required(data, "authenticatedUser", "WhoAmI"))


def _connections(definitions: Definitions, nodes: Iterable[dict[str, Any]]) -> list[OrgConnection]:
    connections = [OrgConnection.from_node(n) for n in nodes]
    definitions.learn(connections)
    return connections


def org_connections(definitions: Definitions, stable_keys: Sequence[str] | None = None,
                    *, page_size: int = 100, on_page: PageProgress | None = None
                    ) -> Plan[list[OrgConnection]]:
    """The org-activated customer connections, optionally only those ``stable_keys``."""
    keys = list(stable_keys) if stable_keys is not None else None
    nodes = yield from paginate(operation("OrgConnections"), {"stableKeys": keys},
                                "scopedConfigVariables", page_size=page_size,
                                what="connections", on_page=on_page)
    return [c for c in _connections(definitions, nodes) if c.is_org_activated_customer]


def all_connections(definitions: Definitions, *, page_size: int = 100,
                    on_page: PageProgress | None = None) -> Plan[list[OrgConnection]]:
    """Every connection definition (SCV) of the tenant, whatever its scope and manager."""
    nodes = yield from paginate(operation("AllConnections"), {}, "scopedConfigVariables",
                                page_size=page_size, what="connection definitions",
                                on_page=on_page)
    return _connections(definitions, nodes)


def connection_by_stable_key(definitions: Definitions, stable_key: str
                             ) -> Plan[OrgConnection | None]:
    """The connection with ``stable_key`` (any scope), or None."""
    data = yield Call(operation("ConnectionByStableKey"), {"stableKey": stable_key})
    found = required(data, "scopedConfigVariables", "ConnectionByStableKey")
    nodes = [n for n in found.get("nodes") or []
             if n is not None and n.get("stableKey") == stable_key]
    found = _connections(definitions, nodes[:1])
    return found[0] if found else None


def by_id(operation_name: str, object_id: str, field: str) -> Plan[dict[str, Any] | None]:
    """The object ``field`` of a by-ID query, or None when it does not exist.

    Prismatic (like the sandbox) answers a missing ID with an error "... matching query does
    not exist." and ``null`` data rather than a bare ``null``: both mean None here. An
    answer without ``field`` at all is `unusable`.
    """
    try:
        data = yield Call(operation(operation_name), {"id": object_id})
    except GraphQLError as exc:
        missing = any("does not exist" in m for m in exc.messages)
        if missing and (exc.data is None or exc.data.get(field) is None):
            return None
        raise
    if field not in data:
        raise unusable(operation_name, field, data)
    node = data[field]
    return node if isinstance(node, dict) else None


def connection_by_id(definitions: Definitions, connection_id: str) -> Plan[OrgConnection | None]:
    """The connection with this ID, or None."""
    node = yield from by_id("ConnectionById", connection_id, "scopedConfigVariable")
    return _connections(definitions, [node])[0] if node else None


def customers(*, external_id: str | None = None, name_contains: str | None = None,
              page_size: int = 100, brief: bool = False, on_page: PageProgress | None = None
              ) -> Plan[list[Customer]]:
    """Customers other than the system one, optionally by external ID or part of the name.

    ``brief`` reads only ID, name, external ID, labels and creation time (the description is
    left empty): several times cheaper for the server when there are thousands.
    """
    nodes = yield from paginate(operation("Customers"),
                                {"externalId": external_id, "nameContains": name_contains,
                                 "brief": brief or None},
                                "customers", page_size=page_size, what="customers",
                                on_page=on_page)
    return [Customer.from_node(n) for n in nodes]


def customer_by_id(customer_id: str) -> Plan[Customer | None]:
    """The customer with this Prismatic ID, or None."""
    node = yield from by_id("CustomerById", customer_id, "customer")
    return Customer.from_node(node) if node else None


def _values(definitions: Definitions, nodes: Iterable[dict[str, Any]]) -> list[CustomerValues]:
    return [CustomerValues.from_node(n, definitions.secret_keys(
        (n.get("scopedConfigVariable") or {}).get("id", ""))) for n in nodes]


def _learn_missing(definitions: Definitions, nodes: Sequence[dict[str, Any]]) -> Plan[None]:
    """Fetch the definitions of connections seen in ``nodes`` but not yet known."""
    seen = {(n.get("scopedConfigVariable") or {}).get("id") for n in nodes}
    missing = {str(m) for m in seen if m and m not in definitions}
    if len(missing) == 1:
        yield from connection_by_id(definitions, missing.pop())
    elif missing:
        yield from all_connections(definitions)


def customer_values(definitions: Definitions, *, connection_id: str | None = None,
                    stable_key: str | None = None, customer_id: str | None = None,
                    ids: Sequence[str] | None = None, brief: bool = False,
                    with_instance_count: bool = False, page_size: int = 100
                    ) -> Plan[list[CustomerValues]]:
    """Customers' values (never test credentials) of org-activated connections, filtered."""
    stream = paginate(operation("CustomerValues"), {
        "connectionId": connection_id, "stableKey": stable_key, "customerId": customer_id,
        "ids": list(ids) if ids is not None else None, "brief": brief or None,
        "withInstanceCount": with_instance_count}, "customerConfigVariables",
        page_size=page_size)
    if connection_id is None and stable_key is None and ids is None:
        # all connections: their definitions are needed anyway, fetch them alongside
        nodes, _ = yield Parallel((stream, org_connections(definitions)))
    else:
        nodes = yield from stream
    yield from _learn_missing(definitions, nodes)
    return _values(definitions, nodes)


def read_tenant(definitions: Definitions, stable_keys: Sequence[str] | None = None,
             *, page_size: int = 100, brief: bool = False, on_page: PageProgress | None = None
             ) -> Plan[TenantData]:
    """Org-activated connections, customers and their values, as concurrent paged streams.

    ``brief``: customers as `customers` reads them brief, values with their inputs' names and
    values only (status, use, configuration time and each input's meta left at their
    defaults): what a bulk plan needs, for a fraction of the server's work.
    ``on_page`` hears of every page of each stream (``connections``, ``customers``,
    ``values`` or ``values of KEY``), from the client's threads (`orgconn.client.plans`).
    """
    operation_ = operation("CustomerValues")
    keys: list[str | None] = list(stable_keys) if stable_keys is not None else [None]
    streams = tuple(paginate(operation_, {"stableKey": key, "brief": brief or None},
                             "customerConfigVariables", page_size=page_size,
                             what="values" if key is None else f"values of {key}",
                             on_page=on_page) for key in keys)
    connections, customers_, *pages = yield Parallel((
        org_connections(definitions, stable_keys, page_size=page_size, on_page=on_page),
        customers(page_size=page_size, brief=brief, on_page=on_page), *streams))
    nodes = [node for page in pages for node in page]
    yield from _learn_missing(definitions, nodes)
    return TenantData(connections=tuple(connections), customers=tuple(customers_),
                          customer_values=tuple(_values(definitions, nodes)))


def customer_values_by_id(definitions: Definitions, values_id: str
                          ) -> Plan[CustomerValues | None]:
    """One CCV (customer values or test credentials) by ID, or None if it does not exist."""
    node = yield from by_id("CustomerValuesById", values_id, "customerConfigVariable")
    if not node:
        return None
    yield from _learn_missing(definitions, [node])
    return _values(definitions, [node])[0]


def test_credentials(definitions: Definitions, connection_id: str
                     ) -> Plan[CustomerValues | None]:
    """The test credentials of a connection, or None if it has none."""
    data = yield Call(operation("TestCredentials"), {"connectionId": connection_id})
    found = required(data, "customerConfigVariables", "TestCredentials")
    nodes = [n for n in found.get("nodes") or [] if n is not None]
    if not nodes:
        return None
    yield from _learn_missing(definitions, nodes)
    return _values(definitions, nodes[:1])[0]


def instances_using(values_id: str) -> Plan[InstanceUsage]:
    """How many instances use a CCV, and the first 100 of them."""
    node = yield from by_id("CustomerValuesInstances", values_id, "customerConfigVariable")
    instances = (node or {}).get("instances") or {}
    return InstanceUsage(total=instances.get("totalCount") or 0, instances=tuple(
        Instance(id=n["id"], name=n.get("name") or "", enabled=n.get("enabled", True))
        for n in instances.get("nodes") or [] if n is not None))


def components(*, page_size: int = 100) -> Plan[list[Component]]:
    """Components that have connections, with their connections' input definitions."""
    nodes = yield from paginate(operation("Components"), {}, "components", page_size=page_size)
    return [Component.from_node(n) for n in nodes]

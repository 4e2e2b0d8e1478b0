"""The coverage rules, in plain Python: the one copy used by the pandas frame builder
(`orgconn.services.coverage`) and by ``orgconn coverage``, which must start without pandas.

For each org-activated customer connection and each non-system customer, in this order:

- **missing**: the customer has no values (no CCV with ``isTest`` false) for the connection;
- **error**: the values' status is ERROR or FAILED (a broken connection outranks a gap in it);
- **incomplete**: a required per-customer input has no value and no default
  (``missing_inputs`` names them — also filled for error rows, so nothing is hidden);
- **complete**: otherwise.

Every cell also carries the customer's instances that use the connection (``instances``) and
how many of those are enabled and failing. A gap (missing, incomplete, error) with at least one
instance is **blocking**. Where the tenant could not say (no impact read, or a tenant that
cannot answer), the three counts are None — impact unknown, never a reassuring 0 — and the
cell is not counted as blocking.

Gaps are ordered by impact (`impact_order`): blocking first, most instances first, then gaps of
unknown impact, then the others; ties keep their order (connection, then customer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import NamedTuple, Protocol

from orgconn.models import CoverageRead, OrgConnection, TenantData


class Status(StrEnum):
    """A coverage status of one customer × connection cell."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    MISSING = "missing"
    ERROR = "error"


GAP_STATUSES = (Status.MISSING, Status.INCOMPLETE, Status.ERROR)
ERROR_STATES = frozenset({"ERROR", "FAILED"})
IMPACT_COLUMNS = ("instances", "enabled_instances", "failing_instances")
EXPORT_COLUMNS = ("tenant", "stable_key", "connection", "customer_external_id", "customer_name",
                  "status", "missing_inputs", *IMPACT_COLUMNS)
"""The columns of the gaps CSV, of ``orgconn coverage --format csv`` and of its JSON cells."""


class Values(Protocol):
    """Values as the rules read them: a `CoverageValues` (lean read) or a `CustomerValues`."""

    @property
    def status(self) -> str | None:
        """Prismatic's status of the values (``ERROR``, ``FAILED``... or None)."""

    def has_value(self, key: str) -> bool:
        """Whether input ``key`` has a value."""


class Cell(NamedTuple):
    """One customer × connection of one tenant, with its status and instance impact."""

    tenant: str
    stable_key: str
    connection: str
    connection_id: str
    customer_id: str
    customer_external_id: str
    customer_name: str
    labels: str  # the customer's labels joined with ";"
    status: str
    missing_inputs: str  # the lacking input keys joined with ";"
    last_configured_at: str | None
    values_id: str | None
    instances: int | None  # None: impact unknown
    enabled_instances: int | None
    failing_instances: int | None
    blocking: bool


def missing_inputs(connection: OrgConnection, values: Values) -> list[str]:
    """Keys of the required per-customer inputs that have neither a value nor a default."""
    return [
        i.key
        for i in connection.per_customer_inputs
        if i.definition.required and not i.definition.default and not values.has_value(i.key)
    ]


def cell_status(connection: OrgConnection, values: Values | None
                ) -> tuple[Status, list[str]]:
    """The status of one customer's values for one connection, and the inputs they lack."""
    if values is None:
        return Status.MISSING, []
    lacking = missing_inputs(connection, values)
    if (values.status or "").upper() in ERROR_STATES:
        return Status.ERROR, lacking
    if lacking:
        return Status.INCOMPLETE, lacking
    return Status.COMPLETE, []


def is_blocking(status: str, instances: int | None) -> bool:
    """Whether a cell is a gap that blocks instances (unknown impact is not blocking)."""
    return status != Status.COMPLETE and instances is not None and instances > 0


def coverage_cells(tenant: str, read: CoverageRead) -> list[Cell]:
    """One `Cell` per org-activated customer connection × customer of ``read`` (connections
    in their order, customers in theirs); definitions owned by one customer are left out."""
    by_cell = {(v.connection_id, v.customer_id): v for v in read.values}
    impact = read.impact
    cells: list[Cell] = []
    for connection in read.connections:
        if not connection.is_org_activated_customer or connection.owner is not None:
            continue  # an owned definition concerns its owner alone: never a tenant-wide row
        for customer in read.customers:
            values = by_cell.get((connection.id, customer.id))
            status, lacking = cell_status(connection, values)
            count = impact.of(connection.id, customer.id) if impact is not None else None
            instances, enabled, failing = count if count is not None else (None, None, None)
            cells.append(Cell(
                tenant, connection.stable_key, connection.name, connection.id, customer.id,
                customer.external_id or "", customer.name, ";".join(customer.labels),
                status.value, ";".join(lacking),
                values.last_configured_at if values else None, values.id if values else None,
                instances, enabled, failing, is_blocking(status, instances)))
    return cells


def nothing_to_cover(tenant: str, read: CoverageRead | TenantData) -> str | None:
    """The sentence saying why ``tenant`` has no coverage cell at all (no org-activated
    customer connection, or no customer), or None when it has cells."""
    if not any(c.is_org_activated_customer for c in read.connections):
        return (f"{tenant} has no org-activated customer connection yet: nothing to cover "
                "(create one on the Connections page or in Prismatic)")
    if not read.customers:
        return f"{tenant} has no customers yet: nothing to cover"
    return None


def impact_order(status: str, instances: int | None) -> tuple[int, int]:
    """The sort key of a cell by impact: blocking (most instances first), then gaps of
    unknown impact, then gaps without instances, then complete cells."""
    if status == Status.COMPLETE:
        return (3, 0)
    if instances is None:
        return (1, 0)
    return (0, -instances) if instances > 0 else (2, 0)


def gaps_by_impact(cells: Iterable[Cell], *, blocking_only: bool = False) -> list[Cell]:
    """The gaps of ``cells`` ordered by `impact_order` (only blocking ones if asked)."""
    gaps = [c for c in cells if c.status != Status.COMPLETE and (c.blocking or not blocking_only)]
    return sorted(gaps, key=lambda c: impact_order(c.status, c.instances))


class ConnectionCounts(NamedTuple):
    """Per tenant and connection: cells of each status, % complete and the blocking figures
    (None when the impact is unknown for some of its cells)."""

    tenant: str
    stable_key: str
    connection: str
    complete: int
    incomplete: int
    missing: int
    error: int
    percent_complete: float
    blocking_gaps: int | None
    blocked_instances: int | None


def _blocking_figures(cells: Sequence[Cell]) -> tuple[int | None, int | None]:
    gaps = [c for c in cells if c.status != Status.COMPLETE]
    if any(c.instances is None for c in gaps):
        return None, None
    blocking = [c for c in gaps if c.blocking]
    return len(blocking), sum(c.instances or 0 for c in blocking)


def connection_counts(cells: Iterable[Cell]) -> list[ConnectionCounts]:
    """`ConnectionCounts` per tenant and connection, in the cells' order."""
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.tenant, cell.stable_key), []).append(cell)
    out = []
    for (tenant, key), group in groups.items():
        tally = {s.value: 0 for s in Status}
        for cell in group:
            tally[cell.status] += 1
        percent = round(100.0 * tally[Status.COMPLETE] / len(group), 1)
        out.append(ConnectionCounts(tenant, key, group[0].connection, tally["complete"],
                                    tally["incomplete"], tally["missing"], tally["error"],
                                    percent, *_blocking_figures(group)))
    return out


class TenantCounts(NamedTuple):
    """The page's metrics of one tenant (blocked figures None when the impact is unknown)."""

    tenant: str
    customers: int
    connections: int
    percent_complete: float
    blocked_customers: int | None
    blocked_instances: int | None


def tenant_counts(tenant: str, read: CoverageRead, cells: Sequence[Cell]) -> TenantCounts:
    """The metrics of ``tenant`` from its ``read`` and ``cells`` (customers and connections
    counted from the read, also when there is no cell)."""
    connections = sum(c.is_org_activated_customer and c.owner is None for c in read.connections)
    complete = sum(c.status == Status.COMPLETE for c in cells)
    percent = round(100.0 * complete / len(cells), 1) if cells else 0.0
    _, instances = _blocking_figures(cells)
    blocked = None if instances is None else len({c.customer_id for c in cells if c.blocking})
    return TenantCounts(tenant, len(read.customers), connections, percent, blocked, instances)

"""orgconn in a notebook: one call per question, answers as pandas DataFrames.

    import orgconn

    client = orgconn.connect("us")               # a PrismaticClient of a configured tenant
    orgconn.connections("us")                    # org-activated connections, one row each
    orgconn.customers("us")                      # customers
    orgconn.customer_values("us", "acme-api-key")  # who has which values (secrets masked)
    orgconn.coverage("us")                       # customer × connection status, as on the page

Tenants come from the configuration (`orgconn.config.load_config`: ``--config`` file,
``ORGCONN_CONFIG``, or ``.streamlit/secrets.toml``); ``tenant`` may be omitted when exactly one
is configured. Every function also takes ``client=`` to reuse an open client. No DataFrame holds
a secret value: secret inputs show as ``••••••`` when set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from orgconn.client import PrismaticClient
from orgconn.config import ConfigError, OrgconnConfig, TenantConfig, load_config

__all__ = ["connect", "connections", "coverage", "customer_values", "customers"]


def connect(tenant: str | None = None, *, config: OrgconnConfig | str | Path | None = None
            ) -> PrismaticClient:
    """Return a client of ``tenant`` (the only configured one when None); close it when done.

    ``config`` is a loaded configuration or the path of a TOML file (default: `load_config`).
    """
    loaded = config if isinstance(config, OrgconnConfig) else load_config(config)
    return PrismaticClient(_pick(loaded, tenant))


def _pick(config: OrgconnConfig, tenant: str | None) -> TenantConfig:
    if tenant is not None:
        return config.tenant(tenant)
    if len(config.tenants) == 1:
        return next(iter(config.tenants.values()))
    known = ", ".join(sorted(config.tenants)) or "none configured"
    raise ConfigError([f"tenants: say which tenant (configured: {known}) — e.g. "
                       'orgconn.connect("us"); to add one, see .streamlit/secrets.toml.example'],
                      source=config.source)


@contextmanager
def _client(tenant: str | None, client: PrismaticClient | None) -> Iterator[PrismaticClient]:
    if client is not None:
        yield client
        return
    with connect(tenant) as opened:
        yield opened


def connections(tenant: str | None = None, *, client: PrismaticClient | None = None
                ) -> pd.DataFrame:
    """The org-activated connections: stable key, name, component, inputs by scope, usage."""
    with _client(tenant, client) as c:
        rows = [{
            "stable_key": x.stable_key, "name": x.name, "component": x.component_label,
            "connection": x.connection_label, "status": x.status,
            "per_customer_inputs": ", ".join(i.key for i in x.per_customer_inputs),
            "global_inputs": ", ".join(i.key for i in x.global_inputs),
            "is_in_use": x.is_in_use, "last_configured_at": x.last_configured_at, "id": x.id,
        } for x in c.org_connections()]
    return pd.DataFrame(rows, columns=["stable_key", "name", "component", "connection", "status",
                                       "per_customer_inputs", "global_inputs", "is_in_use",
                                       "last_configured_at", "id"])


def customers(tenant: str | None = None, *, client: PrismaticClient | None = None
              ) -> pd.DataFrame:
    """The customers: external ID, name, labels, creation time and ID."""
    with _client(tenant, client) as c:
        rows = [{"external_id": x.external_id, "name": x.name, "labels": ", ".join(x.labels),
                 "created_at": x.created_at, "id": x.id} for x in c.customers()]
    return pd.DataFrame(rows, columns=["external_id", "name", "labels", "created_at", "id"])


def customer_values(tenant: str | None = None, stable_key: str | None = None, *,
                    client: PrismaticClient | None = None) -> pd.DataFrame:
    """Customers' values of one (``stable_key``) or every org-activated connection.

    One row per customer and connection, one column per input; secrets show as ``••••••``
    when set, unset inputs as empty text.
    """
    with _client(tenant, client) as c:
        values = c.customer_values(stable_key=stable_key)
    rows = []
    for v in values:
        row: dict[str, object] = {
            "stable_key": v.stable_key,
            "customer_external_id": v.customer.external_id if v.customer else None,
            "customer_name": v.customer.name if v.customer else None,
            "status": v.status, "last_configured_at": v.last_configured_at, "values_id": v.id}
        row.update({name: value.display for name, value in v.values.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def coverage(tenant: str | None = None, *, client: PrismaticClient | None = None
             ) -> pd.DataFrame:
    """Coverage as on the dashboard: one row per customer × org-activated connection, with
    its status (complete, incomplete, missing, error), the inputs it lacks, the customer's
    ``instances`` that use the connection (``enabled_instances``, ``failing_instances``:
    ``<NA>`` when the tenant cannot say — unknown, never 0) and whether the gap is
    ``blocking`` (a gap with instances). ``orgconn.coverage("us").query("blocking")``."""
    from orgconn.services.coverage import coverage_frame

    with _client(tenant, client) as c:
        return coverage_frame(c.tenant.name, c.coverage_read())

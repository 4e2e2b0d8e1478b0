"""Helpers of the tests that edit values (services, pages, CLI): sandbox clients, audit checks.

Every sandbox PASSWORD value contains ``canary-``; the tests type secrets of their own too.
`assert_no_secret_in_audit` reads every field of every audit row and fails if either shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from orgconn.client import PrismaticClient
from orgconn.config import OrgconnConfig, TenantConfig
from orgconn.models import CustomerValues, OrgConnection
from orgconn.runtime import Runtime
from orgconn.sandbox import RunningSandbox
from orgconn.services.bulk import AsyncClientOpener
from orgconn.store import AuditEntry, Store

CANARY = "canary-"


def tenant_config(box: RunningSandbox, name: str = "us", **extra: object) -> TenantConfig:
    """The configuration of tenant ``name`` of a running sandbox."""
    return TenantConfig.model_validate(
        {"name": name, "url": box.stack_url(name), "token": box.token(name), **extra})


def async_clients(tenant: TenantConfig) -> AsyncClientOpener:
    """How a bulk apply opens its client of ``tenant``: through a runtime configured with it,
    as the CLI and the page do (nothing is started: the runtime only builds the client)."""
    return Runtime(OrgconnConfig(tenants={tenant.name: tenant})).async_client


def sandbox_client(box: RunningSandbox, name: str = "us") -> PrismaticClient:
    """A client of tenant ``name`` of a running sandbox (close it, or use it with ``with``)."""
    return PrismaticClient(tenant_config(box, name))


def audit_rows(store: Store) -> list[AuditEntry]:
    """Every audit row, oldest first."""
    return list(reversed(store.audit(limit=None)))


def assert_no_secret_in_audit(store: Store, typed: Iterable[str] = ()) -> None:
    """No field of any audit row holds a sandbox secret (``canary-``) or a ``typed`` secret."""
    needles = [CANARY, *typed]
    for entry in store.audit(limit=None):
        text = entry.model_dump_json()
        for needle in needles:
            assert needle not in text, f"audit row {entry.id} holds a secret value"
    frame = store.audit_frame(limit=None).astype(str).to_csv()
    for needle in needles:
        assert needle not in frame


def values_where(client: PrismaticClient, stable_key: str, *, in_use: bool,
                 filled: Iterable[str] = ()) -> tuple[OrgConnection, CustomerValues]:
    """A connection and one customer's values of it, used by deployed instances or not,
    with every input of ``filled`` set."""
    connection = client.connection(stable_key)
    assert connection is not None
    wanted = list(filled)
    for values in client.customer_values(connection_id=connection.id):
        if values.has_deployed_instances == in_use and all(values.has_value(k) for k in wanted):
            return connection, values
    raise AssertionError(f"the seed has no such values of {stable_key}")


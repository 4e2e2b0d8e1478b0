"""`PrismaticClient`: the blocking client for one tenant (pages, CLI, notebooks).

Its methods are those of `orgconn.client.methods.ClientMethods` (same names, arguments and
docstrings), each run to completion: ``client.customers()`` returns ``list[Customer]``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

import httpx

from orgconn.client.base import BaseClient
from orgconn.client.methods import ClientMethods
from orgconn.client.plans import Plan, run_sync
from orgconn.client.policy import Limits, RetryPolicy, Timeouts
from orgconn.client.transport import SyncTransport
from orgconn.config import TenantConfig

P = ParamSpec("P")
T = TypeVar("T")


def _blocking(method: Callable[Concatenate[ClientMethods, P], Plan[T]]
              ) -> Callable[Concatenate[PrismaticClient, P], T]:
    def run(self: PrismaticClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.run(method(self.methods, *args, **kwargs))

    functools.update_wrapper(run, method)
    return run


class PrismaticClient(BaseClient):
    """A blocking GraphQL client for one tenant; a context manager; safe to share across threads.

    ``http`` injects an `httpx.Client` (tests pass one with `httpx.MockTransport`); it is then
    not closed by `close`. Otherwise the client owns a pooled `httpx.Client` built from
    ``timeouts`` and ``limits``. ``stats.requests`` counts the HTTP requests sent.
    Errors are those of `orgconn.errors` (catch `OrgconnError`).
    """

    def __init__(self, tenant: TenantConfig, *, http: httpx.Client | None = None,
                 timeouts: Timeouts | None = None, limits: Limits | None = None,
                 retry: RetryPolicy | None = None) -> None:
        super().__init__(tenant, timeouts=timeouts, limits=limits, retry=retry,
                         owns_http=http is None)
        if http is None:
            http = httpx.Client(timeout=self.timeouts.to_httpx(),
                                limits=self.limits.to_httpx(), follow_redirects=False)
        self.transport = SyncTransport(tenant, http, **self._policy())

    def run(self, plan: Plan[T]) -> T:
        """Run a plan (see `orgconn.client.plans`) against this tenant and return its result."""
        return run_sync(plan, self.transport.execute, self.limits.max_concurrency)

    def close(self) -> None:
        """Close the pooled HTTP connections (not those of an injected ``http`` client)."""
        if self._owns_http:
            self.transport.close()

    def __enter__(self) -> PrismaticClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    whoami = _blocking(ClientMethods.whoami)
    org_connections = _blocking(ClientMethods.org_connections)
    all_connections = _blocking(ClientMethods.all_connections)
    connection = _blocking(ClientMethods.connection)
    connection_by_id = _blocking(ClientMethods.connection_by_id)
    customers = _blocking(ClientMethods.customers)
    customer = _blocking(ClientMethods.customer)
    customer_by_id = _blocking(ClientMethods.customer_by_id)
    customer_values = _blocking(ClientMethods.customer_values)
    customer_values_by_id = _blocking(ClientMethods.customer_values_by_id)
    test_credentials = _blocking(ClientMethods.test_credentials)
    instances_using = _blocking(ClientMethods.instances_using)
    components = _blocking(ClientMethods.components)
    read_tenant = _blocking(ClientMethods.read_tenant)
    instance_impact = _blocking(ClientMethods.instance_impact)
    coverage_read = _blocking(ClientMethods.coverage_read)
    create_customer_values = _blocking(ClientMethods.create_customer_values)
    update_customer_values = _blocking(ClientMethods.update_customer_values)
    delete_customer_values = _blocking(ClientMethods.delete_customer_values)
    upsert_customer_values = _blocking(ClientMethods.upsert_customer_values)
    set_test_credentials = _blocking(ClientMethods.set_test_credentials)
    create_org_connection = _blocking(ClientMethods.create_org_connection)
    update_org_connection = _blocking(ClientMethods.update_org_connection)
    delete_org_connection = _blocking(ClientMethods.delete_org_connection)
    write_values_batch = _blocking(ClientMethods.write_values_batch)

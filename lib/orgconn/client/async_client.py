"""`AsyncPrismaticClient`: the asyncio client for one tenant (services running many streams).

Its methods are those of `orgconn.client.methods.ClientMethods` (same names, arguments and
docstrings), each a coroutine: ``await client.customers()`` returns ``list[Customer]``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

import httpx

from orgconn.client.base import BaseClient
from orgconn.client.methods import ClientMethods
from orgconn.client.plans import Plan, run_async
from orgconn.client.policy import Limits, RetryPolicy, Timeouts
from orgconn.client.transport import AsyncTransport
from orgconn.config import TenantConfig

P = ParamSpec("P")
T = TypeVar("T")


def _awaiting(method: Callable[Concatenate[ClientMethods, P], Plan[T]]
              ) -> Callable[Concatenate[AsyncPrismaticClient, P], Awaitable[T]]:
    async def run(self: AsyncPrismaticClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.run(method(self.methods, *args, **kwargs))

    functools.update_wrapper(run, method)
    return run


class AsyncPrismaticClient(BaseClient):
    """An asyncio GraphQL client for one tenant; an async context manager; one event loop only.

    ``http`` injects an `httpx.AsyncClient` (tests pass one with `httpx.MockTransport`); it is
    then not closed by `aclose`. Otherwise the client owns a pooled `httpx.AsyncClient` built
    from ``timeouts`` and ``limits``. ``stats.requests`` counts the HTTP requests sent.
    Errors are those of `orgconn.errors` (catch `OrgconnError`).
    """

    def __init__(self, tenant: TenantConfig, *, http: httpx.AsyncClient | None = None,
                 timeouts: Timeouts | None = None, limits: Limits | None = None,
                 retry: RetryPolicy | None = None) -> None:
        super().__init__(tenant, timeouts=timeouts, limits=limits, retry=retry,
                         owns_http=http is None)
        if http is None:
            http = httpx.AsyncClient(timeout=self.timeouts.to_httpx(),
                                     limits=self.limits.to_httpx(), follow_redirects=False)
        self.transport = AsyncTransport(tenant, http, **self._policy())

    async def run(self, plan: Plan[T]) -> T:
        """Run a plan (see `orgconn.client.plans`) against this tenant and return its result."""
        return await run_async(plan, self.transport.execute)

    async def aclose(self) -> None:
        """Close the pooled HTTP connections (not those of an injected ``http`` client)."""
        if self._owns_http:
            await self.transport.aclose()

    async def __aenter__(self) -> AsyncPrismaticClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    whoami = _awaiting(ClientMethods.whoami)
    org_connections = _awaiting(ClientMethods.org_connections)
    all_connections = _awaiting(ClientMethods.all_connections)
    connection = _awaiting(ClientMethods.connection)
    connection_by_id = _awaiting(ClientMethods.connection_by_id)
    customers = _awaiting(ClientMethods.customers)
    customer = _awaiting(ClientMethods.customer)
    customer_by_id = _awaiting(ClientMethods.customer_by_id)
    customer_values = _awaiting(ClientMethods.customer_values)
    customer_values_by_id = _awaiting(ClientMethods.customer_values_by_id)
    test_credentials = _awaiting(ClientMethods.test_credentials)
    instances_using = _awaiting(ClientMethods.instances_using)
    components = _awaiting(ClientMethods.components)
    read_tenant = _awaiting(ClientMethods.read_tenant)
    instance_impact = _awaiting(ClientMethods.instance_impact)
    coverage_read = _awaiting(ClientMethods.coverage_read)
    create_customer_values = _awaiting(ClientMethods.create_customer_values)
    update_customer_values = _awaiting(ClientMethods.update_customer_values)
    delete_customer_values = _awaiting(ClientMethods.delete_customer_values)
    upsert_customer_values = _awaiting(ClientMethods.upsert_customer_values)
    set_test_credentials = _awaiting(ClientMethods.set_test_credentials)
    create_org_connection = _awaiting(ClientMethods.create_org_connection)
    update_org_connection = _awaiting(ClientMethods.update_org_connection)
    delete_org_connection = _awaiting(ClientMethods.delete_org_connection)
    write_values_batch = _awaiting(ClientMethods.write_values_batch)

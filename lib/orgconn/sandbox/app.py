"""The HTTP face of the sandbox: ``POST /api`` and ``POST /auth/refresh`` at each tenant's stack
URL (its own port), the same at ``/<tenant>/api`` and ``/<tenant>/auth/refresh`` on the main
port, and ``GET /healthz`` (every tenant's stack URL and token). Any other path or method gets
a JSON 404 naming where the API is.

Order of checks for the API: unknown tenant (404), latency, auth (401 with a GraphQL-style
body), rate limit (429 + Retry-After), body and query parsing/validation (400 with top-level
``errors``, as graphene-django does for errors without a path), injected faults, execution
(200; errors raised while resolving carry ``message``, ``locations`` and ``path``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from orgconn.sandbox.auth import Authenticator
from orgconn.sandbox.context import RequestContext
from orgconn.sandbox.db import TenantDatabase
from orgconn.sandbox.errors import SandboxError
from orgconn.sandbox.execution import LeanExecution, never
from orgconn.sandbox.faults import FaultInjector, RateLimiter, capture_transport, reset_connection
from orgconn.sandbox.nodes import CatalogIndex
from orgconn.sandbox.schema import executable_schema
from orgconn.sandbox.settings import SandboxSettings

log = logging.getLogger("orgconn.sandbox")
GATEWAY_PAGE = "<html><body><h1>{status} {reason}</h1></body></html>"


def _errors(message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)


class SandboxApp:
    """Per-server state (tenant databases, catalog, limits) and the request handlers."""

    def __init__(self, settings: SandboxSettings, databases: dict[str, TenantDatabase],
                 stack_ports: dict[str, int] | None = None) -> None:
        self.settings = settings
        self.databases = databases
        self.stack_ports = stack_ports or {}
        self.tenant_at_port = {port: tenant for tenant, port in self.stack_ports.items()}
        self.catalogs = {name: db.read(CatalogIndex) for name, db in databases.items()}
        self.auth = Authenticator(settings)
        self.faults = FaultInjector(settings)
        self.limits = RateLimiter(settings.rate_limit)
        self.requests = itertools.count()
        self.schema = executable_schema()

    async def healthz(self, _: Request) -> Response:
        """200 once every tenant is open (the server only starts listening after that), with
        each tenant's stack URL, API URL and static access token (demo credentials)."""
        tenants = {}
        for name in self.databases:
            stack = self.stack_url(name)
            tenants[name] = {"stack_url": stack, "api_url": f"{stack}/api",
                             "token": self.settings.access_token(name)}
        return JSONResponse({"status": "ok", "tenants": tenants})

    def stack_url(self, tenant: str) -> str:
        """``http://host:port`` of ``tenant``'s own port."""
        host = self.settings.host
        netloc = f"[{host}]" if ":" in host else host
        return f"http://{netloc}:{self.stack_ports.get(tenant, self.settings.port)}"

    def _stack_tenant(self, request: Request) -> str | None:
        """The tenant whose stack port the request arrived on (None: the main port)."""
        server = request.scope.get("server")
        return self.tenant_at_port.get(server[1]) if server else None

    async def stack_api(self, request: Request) -> Response:
        """``POST {stack}/api``: the API of the tenant this port serves."""
        tenant = self._stack_tenant(request)
        if tenant is None:
            return await self.not_found(request)
        return await self._api(request, tenant)

    async def stack_refresh(self, request: Request) -> Response:
        """``POST {stack}/auth/refresh`` of the tenant this port serves."""
        tenant = self._stack_tenant(request)
        if tenant is None:
            return await self.not_found(request)
        return await self._refresh(request, tenant)

    async def refresh(self, request: Request) -> Response:
        """Exchange a refresh token for a short-lived JWT access token."""
        return await self._refresh(request, request.path_params["tenant"])

    async def _refresh(self, request: Request, tenant: str) -> Response:
        if tenant not in self.databases:
            return self._unknown_tenant(tenant)
        try:
            body = await request.json()
        except ValueError:
            body = None
        status, payload = self.auth.refresh(tenant, body)
        return JSONResponse(payload, status_code=status)

    async def api(self, request: Request) -> Response:
        """One GraphQL request for the tenant named in the path."""
        return await self._api(request, request.path_params["tenant"])

    async def _api(self, request: Request, tenant: str) -> Response:
        """One GraphQL request for one tenant."""
        if tenant not in self.databases:
            return self._unknown_tenant(tenant)
        if self.settings.latency_ms:
            await asyncio.sleep(self.settings.latency_ms / 1000)
        authorization = request.headers.get("authorization")
        refused = self.auth.refuse(tenant, authorization)
        if refused:
            return _errors(refused, 401)
        wait = self.limits.retry_after(f"{tenant}:{authorization}")
        if wait is not None:
            return _errors(f"Too many requests: at most {self.settings.rate_limit:g} a second "
                           f"per token. Retry after {wait} s.", 429, {"Retry-After": str(wait)})
        try:
            body = await request.json()
        except ValueError:
            return _errors("The request body is not JSON: send {\"query\": ..., "
                           "\"variables\": {...}}.", 400)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _errors("Must provide query string.", 400)
        document, problems = self._prepare(body["query"])
        if problems:
            return JSONResponse({"errors": [e.formatted for e in problems]}, status_code=400)
        operation = get_operation_ast(document, body.get("operationName"))
        if operation is None:
            return _errors("Must provide a valid operationName when the query contains "
                           "several operations.", 400)
        is_mutation = operation.operation == OperationType.MUTATION
        fault = self.faults.pick(is_mutation)
        if fault in ("500", "502", "503"):
            return self._failure(int(str(fault)))
        if fault == "reset":
            await reset_connection(request.scope)
            return Response(status_code=500)
        result = self._execute(tenant, document, body, is_mutation)
        if fault == "drop-after-commit":  # the request's writes are committed by now
            await reset_connection(request.scope)
            return Response(status_code=500)
        return self._respond(result)

    @lru_cache(maxsize=512)  # noqa: B019 - one app per server; clients repeat their operations
    def _prepare(self, query: str) -> tuple[DocumentNode, list[GraphQLError]]:
        """The parsed document and its syntax or validation errors (cached: validation costs
        more than executing a small query)."""
        try:
            document = parse(query)
        except GraphQLError as error:
            return DocumentNode(definitions=()), [error]
        return document, validate(self.schema, document)

    def execute(self, tenant: str, query: str, variables: dict[str, Any] | None = None
                ) -> ExecutionResult:
        """Run one GraphQL request for ``tenant`` without HTTP (no auth, limits or faults)."""
        document = parse(query)
        operation = get_operation_ast(document)
        is_mutation = operation is not None and operation.operation == OperationType.MUTATION
        return self._execute(tenant, document, {"query": query, "variables": variables},
                             is_mutation)

    def _execute(self, tenant: str, document: Any, body: dict[str, Any], is_mutation: bool
                 ) -> ExecutionResult:
        """Run a parsed request; a mutation's writes commit once, when it has run (each field's
        write stays all or nothing: see `TenantDatabase.request`)."""
        if is_mutation:
            with self.databases[tenant].request():
                return self._run(tenant, document, body)
        return self._run(tenant, document, body)

    def _run(self, tenant: str, document: Any, body: dict[str, Any]) -> ExecutionResult:
        variables = body.get("variables")
        context = RequestContext(
            tenant=tenant, db=self.databases[tenant], settings=self.settings,
            catalog=self.catalogs[tenant],
            rng=random.Random(f"{self.settings.seed}:{tenant}:{next(self.requests)}"),
        )
        result = execute(self.schema, document, context_value=context,
                         variable_values=variables if isinstance(variables, dict) else None,
                         operation_name=body.get("operationName"), is_awaitable=never,
                         execution_context_class=LeanExecution)
        assert isinstance(result, ExecutionResult)  # every resolver is synchronous
        return result

    def _respond(self, result: ExecutionResult) -> Response:
        errors = result.errors or []
        for error in errors:
            original = error.original_error
            if original is not None and not isinstance(original, (SandboxError, ValueError)):
                log.error("sandbox resolver failed", exc_info=original)
        payload: dict[str, Any] = {}
        if errors:
            payload["errors"] = [
                {k: v for k, v in e.formatted.items() if k != "extensions"} for e in errors]
        if errors and any(not e.path for e in errors):
            return JSONResponse(payload, status_code=400)
        payload["data"] = result.data
        return JSONResponse(payload)

    def _failure(self, status: int) -> Response:
        if status == 500:
            return _errors("Internal server error", 500)
        reason = {502: "Bad Gateway", 503: "Service Unavailable"}[status]
        return PlainTextResponse(GATEWAY_PAGE.format(status=status, reason=reason),
                                 status_code=status, media_type="text/html")

    def _unknown_tenant(self, tenant: str) -> Response:
        return _errors(f"Unknown tenant {tenant!r}: this sandbox serves "
                       f"{', '.join(self.databases)}.", 404)

    async def not_found(self, request: Request) -> Response:
        """Anything else (any method): 404 saying where the API is."""
        tenant = self._stack_tenant(request)
        if tenant is not None:
            where = f"POST {self.stack_url(tenant)}/api (tenant {tenant})"
        else:
            where = "POST /api at a tenant's stack URL (" + ", ".join(
                f"{name}: {self.stack_url(name)}" for name in self.databases) + \
                ") or POST /<tenant>/api here"
        return _errors(f"Nothing for {request.method} {request.url.path}: the API is {where}.",
                       404)


ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def build_app(settings: SandboxSettings, databases: dict[str, TenantDatabase],
              stack_ports: dict[str, int] | None = None) -> Any:
    """The ASGI app serving ``databases`` with ``settings``' knobs; ``stack_ports`` says which
    port is which tenant's stack (the app answers on every socket it is given)."""
    handlers = SandboxApp(settings, databases, stack_ports)
    routes = [
        Route("/healthz", handlers.healthz, methods=["GET"]),
        Route("/api", handlers.stack_api, methods=["POST"]),
        Route("/api/", handlers.stack_api, methods=["POST"]),
        Route("/auth/refresh", handlers.stack_refresh, methods=["POST"]),
        Route("/{tenant}/api", handlers.api, methods=["POST"]),
        Route("/{tenant}/api/", handlers.api, methods=["POST"]),
        Route("/{tenant}/auth/refresh", handlers.refresh, methods=["POST"]),
        Route("/{path:path}", handlers.not_found, methods=ANY_METHOD),
    ]
    return capture_transport(Starlette(routes=routes))

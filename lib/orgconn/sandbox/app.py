"""The HTTP face of the sandbox: ``POST /<tenant>/api``, ``POST /<tenant>/auth/refresh``,
``GET /healthz``.

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

    def __init__(self, settings: SandboxSettings, databases: dict[str, TenantDatabase]) -> None:
        self.settings = settings
        self.databases = databases
        self.catalogs = {name: db.read(CatalogIndex) for name, db in databases.items()}
        self.auth = Authenticator(settings)
        self.faults = FaultInjector(settings)
        self.limits = RateLimiter(settings.rate_limit)
        self.requests = itertools.count()
        self.schema = executable_schema()

    async def healthz(self, _: Request) -> Response:
        """200 once every tenant is open (the server only starts listening after that)."""
        return JSONResponse({"status": "ok", "tenants": list(self.databases)})

    async def refresh(self, request: Request) -> Response:
        """Exchange a refresh token for a short-lived JWT access token."""
        tenant = request.path_params["tenant"]
        if tenant not in self.databases:
            return self._unknown_tenant(tenant)
        try:
            body = await request.json()
        except ValueError:
            body = None
        status, payload = self.auth.refresh(tenant, body)
        return JSONResponse(payload, status_code=status)

    async def api(self, request: Request) -> Response:
        """One GraphQL request for one tenant."""
        tenant = request.path_params["tenant"]
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
                         operation_name=body.get("operationName"), is_awaitable=_never)
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
        """Anything else: 404 saying where the API is."""
        return _errors(f"Nothing at {request.url.path}: the API is POST /<tenant>/api.", 404)


def _never(_: Any) -> bool:
    """graphql-core's ``is_awaitable`` for a schema whose resolvers are all synchronous: it
    asks for every resolved value (a tenth of the executor's time on a page of customers)."""
    return False


def build_app(settings: SandboxSettings, databases: dict[str, TenantDatabase]) -> Any:
    """The ASGI app serving ``databases`` with ``settings``' knobs."""
    handlers = SandboxApp(settings, databases)
    routes = [
        Route("/healthz", handlers.healthz, methods=["GET"]),
        Route("/{tenant}/api", handlers.api, methods=["POST"]),
        Route("/{tenant}/api/", handlers.api, methods=["POST"]),
        Route("/{tenant}/auth/refresh", handlers.refresh, methods=["POST"]),
        Route("/{path:path}", handlers.not_found),
    ]
    return capture_transport(Starlette(routes=routes))

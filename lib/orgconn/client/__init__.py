"""orgconn's typed GraphQL client for Prismatic: one tenant per client, sync or asyncio.

    from orgconn.config import load_config
    from orgconn.client import PrismaticClient

    with PrismaticClient(load_config().tenant("us")) as client:
        connection = client.connection("acme-api-key")
        customer = client.customer("my-external-id")
        result = client.upsert_customer_values(connection, customer, {"apiKey": SecretStr("...")})

Methods (same on `AsyncPrismaticClient`, awaited): see `orgconn.client.methods.ClientMethods`.
Operations live in ``operations/*.graphql``; transport, retries and auth in `transport`;
the logic of each method, written once for both clients, in `reads` and `writes`.

Errors — one tree, all from `orgconn.errors`; pages catch `OrgconnError` and show its text:

    OrgconnError
    ├── ConfigError, InvalidValuesError, AccessDenied   (nothing was sent)
    ├── TransportError → RequestTimeoutError
    ├── HTTPStatusError → AuthError (401/403: names the tenant, says what to do), RateLimitedError
    ├── GraphQLError (keeps partial ``data``)
    ├── PayloadError (mutation ``errors``: ``.errors`` = [FieldError(field, messages)])
    └── OutcomeUnknownError (a write was sent and its answer lost; reconciliation failed)

Reads are retried on 429/5xx/connection errors with backoff, jitter and ``Retry-After``;
writes never blindly: after a lost answer they read back first (see `orgconn.client.writes`).
No message, log record or repr shows a token or a secret value.
"""

from orgconn.client.async_client import AsyncPrismaticClient
from orgconn.client.methods import ClientMethods
from orgconn.client.plans import PageProgress, PageRead
from orgconn.client.policy import Limits, RequestStats, RetryPolicy, Timeouts
from orgconn.client.sync_client import PrismaticClient
from orgconn.errors import (
    AuthError,
    ConfigError,
    FieldError,
    GraphQLError,
    HTTPStatusError,
    InvalidValuesError,
    OrgconnError,
    OutcomeUnknownError,
    PayloadError,
    RateLimitedError,
    RequestTimeoutError,
    TransportError,
)

__all__ = [
    "AsyncPrismaticClient",
    "AuthError",
    "ClientMethods",
    "ConfigError",
    "FieldError",
    "GraphQLError",
    "HTTPStatusError",
    "InvalidValuesError",
    "Limits",
    "OrgconnError",
    "OutcomeUnknownError",
    "PageProgress",
    "PageRead",
    "PayloadError",
    "PrismaticClient",
    "RateLimitedError",
    "RequestStats",
    "RequestTimeoutError",
    "RetryPolicy",
    "Timeouts",
    "TransportError",
]

"""The one composition root: from the configuration, everything orgconn acts with.

`Runtime` is built from an `OrgconnConfig` (`Runtime.load` reads it with `load_config`) and
gives, to the dashboard (through `orgconn.ui.context`, which caches one), every CLI command and
the notebook API alike:

- ``tenants()``: the configured tenants; with none configured, the embedded sandbox's, the
  sandbox started on demand on a free loopback port (``[sandbox] data_dir`` and ``customers``);
- ``client(name)``: one pooled client per tenant, closed by ``close()``;
  ``async_client(name, limits=..., retry=...)``: a new asyncio client of a tenant (bulk apply's,
  sized for its concurrency), closed by whoever opened it;
- ``store()``: the store at ``database_url``, told the tenants and how to resolve their
  identities, so that its records know their tenant (see `orgconn.store.base`);
- ``fingerprint_key()``, the key secrets are fingerprinted with;
- ``local_actor()``: the OS user with ``[access] local_role`` — the CLI and the notebook act as
  it, also when sign-in is configured for the dashboard; ``role_for(email, groups)`` is the
  role of a signed-in user.

A tenant's *identity* (``identity(name)``) is its tenant ID as the API reports it
(``authenticatedUser.tenantId``, asked once per tenant and remembered) with its stack's
normalised origin, ``"<tenant id>@<scheme>://<host>[:<port>]"`` (lowercase, default port
dropped): stable across restarts and different for two stacks that share an alias. The embedded
sandbox, which starts on a different port each time, has the fixed identity ``sandbox:<name>``,
which no real stack's identity can equal (theirs contain ``@https://`` or ``@http://``).

The environment is read only by `orgconn.config`; nothing here looks at it.
A `Runtime` is safe to share between threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from orgconn.client import AsyncPrismaticClient, Limits, PrismaticClient, RetryPolicy
from orgconn.config import OrgconnConfig, TenantConfig, load_config
from orgconn.errors import OrgconnError
from orgconn.secrets import fingerprint_key
from orgconn.services.access import Actor, Role, local_actor, role_for

if TYPE_CHECKING:  # imported where used: `orgconn coverage` starts without SQLAlchemy, pandas
    from orgconn.sandbox.server import RunningSandbox  # (which the store pulls in) or the
    from orgconn.store import Store  # sandbox's server, before its first request

__all__ = ["Runtime", "origin", "sandbox_identity", "tenant_identity"]

SANDBOX_PREFIX = "sandbox:"
DEFAULT_PORTS = {"http": 80, "https": 443}
RETRY_IDENTITY_AFTER = 60.0  # seconds an unreachable tenant's identity is not asked again
log = logging.getLogger(__name__)


def origin(url: str) -> str:
    """A stack's normalised origin: lowercase scheme and host, the port only if not default."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    port = parts.port
    return f"{scheme}://{host}" + ("" if port in (None, DEFAULT_PORTS.get(scheme)) else f":{port}")


def tenant_identity(url: str, tenant_id: str) -> str:
    """The identity of tenant ``tenant_id`` on the stack at ``url`` (see the module)."""
    return f"{tenant_id}@{origin(url)}"


def sandbox_identity(name: str) -> str:
    """The fixed identity of the embedded sandbox's tenant ``name``, whatever its port."""
    return f"{SANDBOX_PREFIX}{name}"


class Runtime:
    """Tenants, clients, store, key and acting user of one configuration; close it when done.

    ``sandbox`` (default: start one from ``[sandbox]``) gives the embedded sandbox when no
    tenant is configured; a sandbox it was given is not stopped by ``close()``.
    """

    def __init__(self, config: OrgconnConfig, *,
                 sandbox: Callable[[], RunningSandbox] | None = None) -> None:
        self.config = config
        self._sandbox_source = sandbox
        self._sandbox: RunningSandbox | None = None
        self._clients: dict[str, PrismaticClient] = {}
        self._store: Store | None = None
        self._identities: dict[str, str] = {}
        self._unresolved: dict[str, float] = {}  # tenant -> when its identity was not told
        self._lock = threading.RLock()

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None
             ) -> Runtime:
        """A runtime of the configuration `load_config(path, env)` reads (ConfigError if bad)."""
        return cls(load_config(path, env))

    @property
    def is_sandbox(self) -> bool:
        """Whether no tenant is configured, so orgconn runs on its embedded sandbox."""
        return not self.config.tenants

    def sandbox(self) -> RunningSandbox:
        """The embedded sandbox (started on first use)."""
        with self._lock:
            if self._sandbox is None:
                if self._sandbox_source is not None:
                    self._sandbox = self._sandbox_source()
                else:
                    from orgconn.sandbox import SandboxSettings, start_sandbox

                    box = self.config.sandbox
                    self._sandbox = start_sandbox(SandboxSettings(
                        port=0, data_dir=Path(box.data_dir), customers=box.customers))
            return self._sandbox

    def tenants(self) -> dict[str, TenantConfig]:
        """The tenants to act on, by name: the configured ones, else the sandbox's."""
        if not self.is_sandbox:
            return dict(self.config.tenants)
        box = self.sandbox()
        return {name: TenantConfig(name=name, label=f"Sandbox {name.upper()}",
                                   url=box.stack_url(name), token=box.token(name))
                for name in box.tenants}

    def tenant(self, name: str) -> TenantConfig:
        """The tenant called ``name`` (ConfigError listing the known ones otherwise)."""
        known = self.tenants()
        if name not in known:
            return self.config.tenant(name)  # raises the ConfigError that names the choices
        return known[name]

    def client(self, name: str) -> PrismaticClient:
        """The (pooled) client of tenant ``name``; the runtime closes it."""
        with self._lock:
            if name not in self._clients:
                self._clients[name] = PrismaticClient(self.tenant(name))
            return self._clients[name]

    def async_client(self, name: str, *, limits: Limits | None = None,
                     retry: RetryPolicy | None = None) -> AsyncPrismaticClient:
        """A new asyncio client of tenant ``name`` with these pool ``limits`` and ``retry``
        policy (the client's defaults otherwise). It belongs to the caller's event loop:
        close it there (``async with``); the runtime does not keep it."""
        return AsyncPrismaticClient(self.tenant(name), limits=limits, retry=retry)

    def store(self) -> Store:
        """The store at ``database_url`` (default SQLite file), opened once, knowing the
        tenants' identities. StoreURLError / StoreUnavailableError when it cannot be opened."""
        from orgconn.sandbox import SandboxSettings
        from orgconn.store import open_store

        with self._lock:
            if self._store is None:
                store = open_store(self.config.database_url)
                # the embedded sandbox always serves the default tenants: no need to start it
                aliases = list(self.config.tenants) or list(SandboxSettings().tenants)
                store.identify_tenants(aliases, self._resolvable_identity)
                self._store = store
            return self._store

    def identity(self, name: str) -> str:
        """The identity of tenant ``name`` (see the module); asks the tenant once (whoami).

        Raises the client's OrgconnError when a configured tenant cannot tell its ID.
        """
        with self._lock:
            known = self._identities.get(name)
        if known is not None:
            return known
        if self.is_sandbox:
            from orgconn.sandbox import SandboxSettings

            if name not in SandboxSettings().tenants:
                self.config.tenant(name)  # raises the ConfigError that names the choices
            identity = sandbox_identity(name)
        else:
            tenant = self.tenant(name)
            tenant_id = self.client(name).whoami().tenant_id or tenant.tenant_id
            if not tenant_id:
                raise OrgconnError(f"tenant {name} did not say its tenant ID; set tenant_id in "
                                   f"[tenants.{name}]")
            identity = tenant_identity(tenant.url, tenant_id)
        with self._lock:
            self._identities[name] = identity
        return identity

    def _resolvable_identity(self, name: str) -> str | None:
        """``identity(name)``, or None (logged) while the tenant cannot be asked: then it is not
        asked again for ``RETRY_IDENTITY_AFTER`` seconds (a store view must not wait through
        the client's retries on every read)."""
        failed = self._unresolved.get(name)
        if failed is not None and time.monotonic() - failed < RETRY_IDENTITY_AFTER:
            return None
        try:
            return self.identity(name)
        except OrgconnError as error:
            self._unresolved[name] = time.monotonic()
            log.warning("identity of tenant %s unknown for now (%s)", name,
                        error.__class__.__name__)
            return None

    def fingerprint_key(self) -> bytes:
        """The key that fingerprints secret values on this installation."""
        return fingerprint_key(self.config.fingerprint_key)

    def local_actor(self) -> Actor:
        """The OS user acting with ``[access] local_role`` (CLI, notebook, no sign-in)."""
        return local_actor(Role.parse(self.config.access.local_role))

    def role_for(self, email: str | None, groups: tuple[str, ...] = ()) -> Role:
        """The role of a signed-in user, from ``[access] roles`` and ``default_role``."""
        access = self.config.access
        return role_for(email, groups, access.roles, access.default_role)

    def close(self) -> None:
        """Close the clients and the store, and stop a sandbox this runtime started."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
            store, self._store = self._store, None
            box, self._sandbox = self._sandbox, None
        for client in clients:
            client.close()
        if store is not None:
            store.close()
        if box is not None and self._sandbox_source is None:
            box.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

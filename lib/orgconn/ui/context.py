"""What every page stands on: configuration, the embedded sandbox, clients, store, cached data.

- The configuration is read once per server process (and again when its file changes).
- With no tenant configured, a sandbox is started once per server process on a free loopback
  port (data under ``ORGCONN_SANDBOX_DIR``, default ``.orgconn/sandbox``) and its tenants are
  used; `is_sandbox()` tells pages to say so.
- Clients are cached per tenant name, URL and credentials (a token fixed in the config takes
  effect at once); fetched data is cached for ``TTL`` seconds keyed by tenant name and URL,
  never by client objects. `refresh()` clears every fetch.
- Cached clients, the store and the sandbox are closed when their cache entry is released
  (``st.cache_resource.clear()``), so tests and reloads leave no sockets open.
- A tenant that is unreachable or refuses its token is not asked again for ``FAILURE_TTL``
  seconds: each rerun (every click) re-raises the same error at once instead of waiting
  through the client's retries again. Refresh forgets it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

import pandas as pd
import streamlit as st

from orgconn.client import PrismaticClient
from orgconn.config import OrgconnConfig, TenantConfig, load_config
from orgconn.errors import AuthError, OrgconnError, TransportError
from orgconn.models import CoverageRead, OrgConnection, TenantSnapshot, WhoAmI
from orgconn.sandbox import SandboxSettings, start_sandbox
from orgconn.sandbox.server import RunningSandbox
from orgconn.secrets import fingerprint_key
from orgconn.services import coverage
from orgconn.services.rollout import snapshots
from orgconn.store import Store, open_store

TTL = 300  # seconds a fetch stays fresh; the Refresh button clears it at once


class _Clearable(Protocol):
    def clear(self) -> None: ...


_REFRESHABLE: list[_Clearable] = []
C = TypeVar("C", bound=_Clearable)


def refreshable(cached: C) -> C:
    """Register a cached fetch defined in another ui module, so that `refresh` clears it too.

    Put it above ``@st.cache_data`` / ``@st.cache_resource``.
    """
    _REFRESHABLE.append(cached)
    return cached
FAILURE_TTL = 60  # seconds an unreachable or refusing tenant is not asked again
T = TypeVar("T")
SANDBOX_DIR_ENV = "ORGCONN_SANDBOX_DIR"
SANDBOX_CUSTOMERS_ENV = "ORGCONN_SANDBOX_CUSTOMERS"
log = logging.getLogger(__name__)


def _config_file_stamp() -> str:
    named = os.environ.get("ORGCONN_CONFIG") or ".streamlit/secrets.toml"
    path = Path(named)
    return f"{path}:{path.stat().st_mtime_ns}" if path.is_file() else str(path)


@st.cache_resource(show_spinner=False)
def _loaded_config(stamp: str, env_signature: str) -> OrgconnConfig:
    return load_config()


@st.cache_resource(show_spinner="Starting the sandbox…", on_release=RunningSandbox.stop)
def _embedded_sandbox(data_dir: str, customers: int) -> RunningSandbox:
    return start_sandbox(SandboxSettings(port=0, data_dir=Path(data_dir), customers=customers))


def _env_signature() -> str:
    return ";".join(f"{k}={len(v)}" for k, v in sorted(os.environ.items())
                    if k.startswith("ORGCONN_"))


def configured() -> OrgconnConfig:
    """The configuration as written (ConfigError, with every problem named, if it is invalid)."""
    return _loaded_config(_config_file_stamp(), _env_signature())


def is_sandbox() -> bool:
    """Whether no tenant is configured, so the dashboard runs on its embedded sandbox."""
    return not configured().tenants


def sandbox() -> RunningSandbox:
    """The embedded sandbox of this server process (started on first use)."""
    data_dir = os.environ.get(SANDBOX_DIR_ENV) or ".orgconn/sandbox"
    customers = int(os.environ.get(SANDBOX_CUSTOMERS_ENV) or 40)
    return _embedded_sandbox(data_dir, customers)


def tenants() -> dict[str, TenantConfig]:
    """The tenants pages may use, by name: the configured ones, else the sandbox's."""
    config = configured()
    if config.tenants:
        return dict(config.tenants)
    box = sandbox()
    return {
        name: TenantConfig(name=name, label=f"Sandbox {name.upper()}", url=box.stack_url(name),
                           token=box.token(name))
        for name in box.tenants
    }


def tenant(name: str) -> TenantConfig:
    """The tenant called ``name`` (ConfigError listing the known ones otherwise)."""
    known = tenants()
    if name not in known:
        return configured().tenant(name)  # raises the ConfigError that names the choices
    return known[name]


@st.cache_resource(show_spinner=False, on_release=PrismaticClient.close)
def _client(name: str, url: str, credentials: str, _tenant: TenantConfig) -> PrismaticClient:
    return PrismaticClient(_tenant)


def _credentials_digest(config: TenantConfig) -> str:
    """A digest of the tenant's whole configuration, secrets included: a cache key only."""
    secrets = [s.get_secret_value() if s else "" for s in (config.token, config.refresh_token)]
    text = "\0".join([config.model_dump_json(), *secrets])
    return hashlib.sha256(text.encode()).hexdigest()


def client(name: str) -> PrismaticClient:
    """The (pooled, cached) client of tenant ``name``."""
    config = tenant(name)
    return _client(name, config.url, _credentials_digest(config), config)


@st.cache_resource(show_spinner=False, on_release=Store.close)
def _store(url: str | None) -> Store:
    return open_store(url)


def store() -> Store:
    """orgconn's store (audit log, snapshots, bulk jobs), opened once per server process."""
    return _store(os.environ.get("ORGCONN_DATABASE_URL") or configured().database_url)


def secret_key() -> bytes:
    """The key that fingerprints secret values on this installation."""
    return fingerprint_key(configured().fingerprint_key)


@st.cache_resource(show_spinner=False)
def _failures() -> dict[str, tuple[float, OrgconnError]]:
    """When each tenant (``name@url``) last failed and how; shared by every session."""
    return {}


def _unless_failing(name: str, url: str, fetch: Callable[[], T]) -> T:
    """``fetch()``, unless the tenant failed to answer within ``FAILURE_TTL`` seconds: then its
    error again, without asking (a broken tenant costs one wait, not one per click)."""
    failures, key = _failures(), f"{name}@{url}"
    failed = failures.get(key)
    if failed is not None and time.monotonic() - failed[0] < FAILURE_TTL:
        raise failed[1]
    try:
        return fetch()
    except (TransportError, AuthError) as exc:  # unreachable, or refusing the token
        failures[key] = (time.monotonic(), exc)
        raise


@st.cache_data(ttl=TTL, show_spinner=False)
def whoami(name: str, url: str) -> WhoAmI:
    """Which org and tenant the token of ``name`` reaches (cached)."""
    return _unless_failing(name, url, lambda: client(name).whoami())


@st.cache_resource(ttl=TTL, show_spinner="Loading connections, customers and values…")
def snapshot(name: str, url: str) -> TenantSnapshot:
    """Connections, customers and every customer's values of a tenant (cached, shared, frozen)."""
    return _unless_failing(name, url, lambda: client(name).snapshot())


@st.cache_resource(ttl=TTL, show_spinner=False)
def all_connections(name: str, url: str) -> tuple[OrgConnection, ...]:
    """Every connection definition of a tenant, managed by orgconn or not (cached)."""
    return _unless_failing(name, url, lambda: tuple(client(name).all_connections()))


@st.cache_resource(ttl=TTL, show_spinner="Loading coverage and the instances it blocks…")
def coverage_read(name: str, url: str) -> CoverageRead:
    """What coverage reads of a tenant, lean, with the instance impact (cached, shared)."""
    return _unless_failing(name, url, lambda: client(name).coverage_read())


@st.cache_data(ttl=TTL, show_spinner=False)
def coverage_frame(name: str, url: str) -> pd.DataFrame:
    """The coverage frame of a tenant, with instance impact (one row per connection ×
    customer; cached), from `coverage_read`.

    Each load is also recorded as a coverage snapshot (issue 8); a failure to record is
    logged without values and never breaks the page.
    """
    frame = coverage.coverage_frame(name, coverage_read(name, url))
    try:
        snapshots.take_snapshot(store(), name, frame, datetime.now(UTC))
    except Exception as exc:  # the history is a by-product: the page must still show
        log.warning("coverage of tenant %s not recorded (%s)", name, exc.__class__.__name__)
    return frame


def refresh() -> None:
    """Forget every cached fetch (here and every `refreshable` one), so reads go to the tenants."""
    own: list[_Clearable] = [whoami, snapshot, all_connections, coverage_read, coverage_frame]
    for cached in own + _REFRESHABLE:
        cached.clear()
    _failures().clear()

"""What every page stands on: a cached `orgconn.runtime.Runtime`, and cached fetches.

This module only caches; what is built, and how, is `orgconn.runtime`'s (the same runtime the
CLI and the notebook use).

- One runtime per server process, built again when the configuration file or an ``ORGCONN_*``
  variable changes (the old one is then closed: its clients and store).
- With no tenant configured, the runtime's sandbox is started once per server process on a
  free loopback port (``[sandbox] data_dir``, default ``.orgconn/sandbox``) and survives a
  configuration reload; `is_sandbox()` tells pages to say so.
- Fetched data is cached for ``TTL`` seconds keyed by tenant name and URL, never by client
  objects. `refresh()` clears every fetch.
- The runtime (its clients and store) and the sandbox are closed when their cache entry is
  released (``st.cache_resource.clear()``), so tests and reloads leave no sockets open.
- A tenant that is unreachable or refuses its token is not asked again for ``FAILURE_TTL``
  seconds: each rerun (every click) re-raises the same error at once instead of waiting
  through the client's retries again. Refresh forgets it.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

import pandas as pd
import streamlit as st

from orgconn.client import AsyncPrismaticClient, Limits, PageProgress, PrismaticClient, RetryPolicy
from orgconn.config import (
    OrgconnConfig,
    TenantConfig,
    config_file,
    environment_signature,
    load_config,
)
from orgconn.errors import AuthError, OrgconnError, TransportError
from orgconn.models import CoverageRead, OrgConnection, TenantData, WhoAmI
from orgconn.runtime import Runtime
from orgconn.sandbox import SandboxSettings, start_sandbox
from orgconn.sandbox.server import RunningSandbox
from orgconn.services import coverage
from orgconn.services.rollout import snapshots
from orgconn.store import Store
from orgconn.ui.loading import Fetched, FreshReads

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
log = logging.getLogger(__name__)


def _config_file_stamp() -> str:
    path = config_file()
    return f"{path}:{path.stat().st_mtime_ns}" if path.is_file() else str(path)


@st.cache_resource(show_spinner="Starting the sandbox…", on_release=RunningSandbox.stop)
def _embedded_sandbox(data_dir: str, customers: int) -> RunningSandbox:
    box = start_sandbox(SandboxSettings(port=0, data_dir=Path(data_dir), customers=customers))
    # Said on the server's terminal (where `make run` runs), once per server process.
    print(sandbox_banner(box), file=sys.stderr, flush=True)
    return box


def sandbox_banner(box: RunningSandbox) -> str:
    """The lines the server prints when its embedded sandbox starts: where, and that it is demo
    data (tokens are the sandbox's public defaults and are not printed)."""
    tenants = ", ".join(f"{name} {box.api_url(name)}" for name in box.tenants)
    return (f"orgconn: no tenant configured, so the dashboard runs on its embedded sandbox of "
            f"DEMO data (not a real Prismatic tenant): {tenants} · data in {box.data_dir} · "
            f"{box.settings.customers:,} customers per tenant. Configure a tenant to use real "
            "data (README, Configuration).")


@st.cache_resource(show_spinner=False, max_entries=1, on_release=Runtime.close)
def _runtime(stamp: str, env_signature: str) -> Runtime:
    config = load_config()
    box = config.sandbox
    return Runtime(config, sandbox=lambda: _embedded_sandbox(box.data_dir, box.customers))


def runtime() -> Runtime:
    """The runtime of the current configuration (ConfigError, naming every problem, if the
    configuration is invalid)."""
    return _runtime(_config_file_stamp(), environment_signature())


def configured() -> OrgconnConfig:
    """The configuration as written (ConfigError, with every problem named, if it is invalid)."""
    return runtime().config


def is_sandbox() -> bool:
    """Whether no tenant is configured, so the dashboard runs on its embedded sandbox."""
    return runtime().is_sandbox


def sandbox() -> RunningSandbox:
    """The embedded sandbox of this server process (started on first use)."""
    return runtime().sandbox()


def tenants() -> dict[str, TenantConfig]:
    """The tenants pages may use, by name: the configured ones, else the sandbox's."""
    return runtime().tenants()


def tenant(name: str) -> TenantConfig:
    """The tenant called ``name`` (ConfigError listing the known ones otherwise)."""
    return runtime().tenant(name)


def client(name: str) -> PrismaticClient:
    """The (pooled, cached) client of tenant ``name``."""
    return runtime().client(name)


def async_client(name: str, *, limits: Limits | None = None,
                 retry: RetryPolicy | None = None) -> AsyncPrismaticClient:
    """A new asyncio client of tenant ``name`` (bulk apply opens and closes its own; see
    `orgconn.runtime.Runtime.async_client`)."""
    return runtime().async_client(name, limits=limits, retry=retry)


def store() -> Store:
    """orgconn's store (audit log, snapshots, bulk jobs), whose records know their tenant."""
    return runtime().store()


def secret_key() -> bytes:
    """The key that fingerprints secret values on this installation."""
    return runtime().fingerprint_key()


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


@st.cache_resource(show_spinner=False, on_release=FreshReads.close)
def _reads() -> FreshReads:
    """The tenant reads of this server process (shared by every session), kept ``TTL`` s."""
    return FreshReads(TTL)


def _fetched(kind: str, name: str, url: str, what: str,
             fetch: Callable[[PrismaticClient, PageProgress], T]) -> Fetched[T]:
    """The fresh read ``kind`` of tenant ``name`` (``what`` it reads, for the progress box):
    shared, kept ``TTL`` s, not asked again while the tenant is failing."""
    return _unless_failing(name, url, lambda: _reads().read(
        (kind, name, url), what, lambda on_page: fetch(client(name), on_page)))


def _tenant_read(name: str, url: str) -> Fetched[TenantData]:
    return _fetched("tenant", name, url, f"tenant {name}",
                    lambda c, on_page: c.read_tenant(on_page=on_page))


def tenant_data(name: str, url: str) -> TenantData:
    """Connections, customers and every customer's values of a tenant (cached, shared, frozen).

    A read that takes a while shows its progress on the page (`orgconn.ui.loading`).
    """
    return _tenant_read(name, url).value


def read_number(name: str, url: str) -> int:
    """Which read of the tenant `tenant_data` now gives (a new number after each read): a cache
    key for what is derived from it."""
    return _tenant_read(name, url).number


def _all_connections_read(name: str, url: str) -> Fetched[tuple[OrgConnection, ...]]:
    return _fetched("all_connections", name, url, f"the connection definitions of {name}",
                    lambda c, on_page: tuple(c.all_connections(on_page=on_page)))


def all_connections(name: str, url: str) -> tuple[OrgConnection, ...]:
    """Every connection definition of a tenant, managed by orgconn or not (cached)."""
    return _all_connections_read(name, url).value


def all_connections_number(name: str, url: str) -> int:
    """Which read `all_connections` now gives: a cache key, like `read_number`."""
    return _all_connections_read(name, url).number


def _coverage_read(name: str, url: str) -> Fetched[CoverageRead]:
    return _fetched("coverage", name, url, f"the coverage of tenant {name}",
                    lambda c, on_page: c.coverage_read(on_page=on_page))


def coverage_read(name: str, url: str) -> CoverageRead:
    """What coverage reads of a tenant, lean, with the instance impact (cached, shared).

    A read that takes a while shows its progress on the page (`orgconn.ui.loading`).
    """
    return _coverage_read(name, url).value


def coverage_frame(name: str, url: str) -> pd.DataFrame:
    """The coverage frame of a tenant, with instance impact (one row per connection ×
    customer), from `coverage_read`; cached per read, shared: do not modify it in place.

    Each load is also recorded as a coverage snapshot (issue 8); a failure to record is
    logged without values and never breaks the page.
    """
    read = coverage_read(name, url)  # outside the cached function: no status replayed
    number = _reads().number_of(read)
    if number is None:  # not one of the kept reads (a test substitutes it): not cached
        return _recorded_coverage(name, read)
    return _coverage_frame(name, url, number, read)


def coverage_read_number(name: str, url: str) -> int:
    """Which read of the tenant `coverage_read` now gives: a cache key, like `read_number`."""
    return _coverage_read(name, url).number


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=16)
def _coverage_frame(name: str, url: str, read_number: int, _read: CoverageRead) -> pd.DataFrame:
    # cache_resource: shared, not copied on every rerun (a copy of 10,000 customers × 6
    # connections costs a rerun noticeable time); callers build new frames from it
    # (pd.concat, filters) and never change it in place.
    return _recorded_coverage(name, _read)


def _recorded_coverage(name: str, read: CoverageRead) -> pd.DataFrame:
    frame = coverage.coverage_frame(name, read)
    try:
        snapshots.take_snapshot(store(), name, frame, datetime.now(UTC))
    except Exception as exc:  # the history is a by-product: the page must still show
        log.warning("coverage of tenant %s not recorded (%s)", name, exc.__class__.__name__)
    return frame


class _Derived:
    """What pages derive from the reads (filtered frames, tables, figures), newest kept."""

    def __init__(self, keep: int) -> None:
        self.keep, self.lock = keep, threading.Lock()
        self.values: OrderedDict[Hashable, object] = OrderedDict()

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


@st.cache_resource(show_spinner=False)
def _derived_values() -> _Derived:
    return _Derived(keep=32)


def derived(key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept for every session under ``key`` (the 32 newest keys are kept).

    For what a page derives from cached reads: put the reads' numbers (`read_number`,
    `coverage_read_number`) and every parameter of ``build`` in ``key``, so that a new read or
    another filter is another key. Shared, not copied: never change the result in place.
    Refresh forgets them all. Two sessions asking at once may both build; one result is kept.
    """
    store = _derived_values()
    with store.lock:
        if key in store.values:
            store.values.move_to_end(key)
            return store.values[key]  # type: ignore[return-value]
    value = build()
    with store.lock:
        store.values[key] = value
        while len(store.values) > store.keep:
            store.values.popitem(last=False)
    return value


def refresh() -> None:
    """Forget every cached fetch (here and every `refreshable` one), so reads go to the tenants."""
    own: list[_Clearable] = [whoami, _reads(), _coverage_frame, _derived_values()]
    for cached in own + _REFRESHABLE:
        cached.clear()
    _failures().clear()

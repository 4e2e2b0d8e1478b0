"""Run the sandbox: in a thread of this process (tests), in a subprocess (benchmarks, fault
tests), or in the foreground (``orgconn sandbox``).

`start_sandbox` and `start_sandbox_process` return once ``GET /healthz`` answers 200 and give
a `RunningSandbox` (also a context manager) that knows the URLs and tokens of every tenant.

Every tenant has a stack URL of its own, as on Prismatic: an origin (one port per tenant, after
the main port; all free ports with ``--port 0``) where ``/api`` and ``/auth/refresh`` live, so
clients that build ``new URL("/api", stack)`` (Prismatic's CLI) reach it. The main port keeps
serving ``/<tenant>/api`` and ``/<tenant>/auth/refresh``.
"""

from __future__ import annotations

import gc
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from orgconn.sandbox.lock import lock_data_dir
from orgconn.sandbox.seed import tenant_id as _tenant_id
from orgconn.sandbox.settings import SandboxSettings
from orgconn.sandbox.tenants import open_tenants

STARTUP_TIMEOUT_S = 120.0
BANNER = re.compile(r"serving .* at (http://\S+)")


@dataclass
class RunningSandbox:
    """A sandbox that answers: its URLs, tokens and how to stop it."""

    base_url: str
    settings: SandboxSettings
    data_dir: Path
    stack_urls: dict[str, str]
    _stop: Callable[[], None] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def tenants(self) -> tuple[str, ...]:
        """The tenant names, first one first (it has the ``us`` profile)."""
        return self.settings.tenants

    def stack_url(self, tenant: str) -> str:
        """The stack URL of ``tenant``: an origin of its own (``http://host:port``) where
        ``/api`` and ``/auth/refresh`` live, as on a real Prismatic stack."""
        self._known(tenant)
        return self.stack_urls[tenant]

    def path_url(self, tenant: str) -> str:
        """``<base>/<tenant>``: the older per-path form of the stack URL (still served)."""
        self._known(tenant)
        return f"{self.base_url}/{tenant}"

    def api_url(self, tenant: str) -> str:
        """The GraphQL endpoint of ``tenant``."""
        return f"{self.stack_url(tenant)}/api"

    def token(self, tenant: str) -> str:
        """The static access token ``tenant`` accepts: a JWT (``sandbox-<tenant>`` is
        accepted too) unless ``--token`` overrides it."""
        self._known(tenant)
        return self.settings.access_token(tenant)

    def refresh_token(self, tenant: str) -> str:
        """The refresh token ``tenant`` exchanges for JWT access tokens."""
        self._known(tenant)
        return self.settings.refresh_token(tenant)

    def tenant_id(self, tenant: str) -> str:
        """The ``tenantId`` of ``tenant`` (``authenticatedUser.tenantId``; refresh
        ``tenant_id``)."""
        self._known(tenant)
        return _tenant_id(tenant)

    def stop(self) -> None:
        """Stop serving (idempotent); a temporary data folder is removed."""
        if not self._stopped:
            self._stopped = True
            self._stop()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _known(self, tenant: str) -> None:
        if tenant not in self.settings.tenants:
            raise KeyError(f"this sandbox has no tenant {tenant!r}; it has "
                           f"{', '.join(self.settings.tenants)}")


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0 = a free port); a clear OSError when taken."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only then, and
    # without it every keep-alive answer waits ~40 ms for a delayed ACK (Nagle).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({error.strerror}); pass --port 0 for "
                      "a free port or stop what uses it") from None
    sock.listen(128)
    return sock


def bind_stack_sockets(settings: SandboxSettings) -> tuple[socket.socket,
                                                            dict[str, socket.socket]]:
    """The main socket and one per tenant (ports ``port+1``, ``port+2``... or free ones with
    ``port=0``); nothing stays open when one of them cannot be bound."""
    opened: list[socket.socket] = []
    try:
        opened.append(bind_socket(settings.host, settings.port))
        stacks = {}
        for position, tenant in enumerate(settings.tenants, start=1):
            port = settings.port + position if settings.port else 0
            stacks[tenant] = bind_socket(settings.host, port)
            opened.append(stacks[tenant])
    except OSError:
        for sock in opened:
            sock.close()
        raise
    return opened[0], stacks


def origin(host: str, port: int) -> str:
    """``http://host:port`` (an IPv6 host in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _wait_healthy(base_url: str, alive: Callable[[], bool]) -> dict[str, str]:
    """Wait for ``/healthz``; the stack URL of every tenant it reports."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the sandbox at {base_url} stopped while starting")
        try:
            answer = httpx.get(f"{base_url}/healthz", timeout=2)
            if answer.status_code == 200:
                tenants = answer.json()["tenants"]
                return {name: about["stack_url"] for name, about in tenants.items()}
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"the sandbox at {base_url} did not answer /healthz in "
                       f"{STARTUP_TIMEOUT_S:.0f} s")


def _data_dir(settings: SandboxSettings) -> tuple[Path, bool]:
    if settings.data_dir is not None:
        return settings.data_dir, False
    return Path(tempfile.mkdtemp(prefix="orgconn-sandbox-")), True


def _uvicorn_server(settings: SandboxSettings, data_dir: Path, stacks: dict[str, socket.socket],
                    log_level: str = "warning") -> tuple[object, list[str], Callable[[], None]]:
    import uvicorn

    from orgconn.sandbox.app import build_app

    release = lock_data_dir(data_dir)
    try:
        databases, notes = open_tenants(settings, data_dir)
    except BaseException:
        release()
        raise
    stack_ports = {tenant: sock.getsockname()[1] for tenant, sock in stacks.items()}
    config = uvicorn.Config(build_app(settings, databases, stack_ports), log_config=None,
                            log_level=log_level,
                            lifespan="off", proxy_headers=False, access_log=False, http="h11")

    def close() -> None:
        for db in databases.values():
            db.close()
        release()

    return uvicorn.Server(config), notes, close


def start_sandbox(settings: SandboxSettings) -> RunningSandbox:
    """Serve ``settings`` from a daemon thread of this process; returns once healthy.

    With ``data_dir=None`` the data lives in a temporary folder removed by ``stop()``.
    """
    data_dir, temporary = _data_dir(settings)
    sock, stacks = bind_stack_sockets(settings)
    sockets = [sock, *stacks.values()]
    try:
        server, _, close = _uvicorn_server(settings, data_dir, stacks)
    except BaseException:
        for listening in sockets:
            listening.close()
        raise
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets},  # type: ignore[attr-defined]
                              name="orgconn-sandbox", daemon=True)
    thread.start()
    base_url = origin(settings.host, sock.getsockname()[1])

    def stop() -> None:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        for each in sockets:
            each.close()
        close()
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)

    try:
        stack_urls = _wait_healthy(base_url, thread.is_alive)
    except BaseException:
        stop()
        raise
    return RunningSandbox(base_url, settings, data_dir, stack_urls, stop)


def settings_argv(settings: SandboxSettings, data_dir: Path) -> list[str]:
    """The ``orgconn sandbox`` arguments that reproduce ``settings``."""
    argv = ["--host", settings.host, "--port", str(settings.port),
            "--tenants", ",".join(settings.tenants), "--customers", str(settings.customers),
            "--seed", str(settings.seed), "--data-dir", str(data_dir),
            "--latency-ms", str(settings.latency_ms), "--fault-rate", str(settings.fault_rate),
            "--fault-kinds", ",".join(settings.fault_kinds),
            "--token-ttl-seconds", str(settings.token_ttl_seconds)]
    if settings.reset:
        argv.append("--reset")
    if settings.fault_seed is not None:
        argv += ["--fault-seed", str(settings.fault_seed)]
    if settings.rate_limit is not None:
        argv += ["--rate-limit", str(settings.rate_limit)]
    if settings.write_only_secrets:
        argv.append("--write-only-secrets")
    if settings.seed_date is not None:
        argv += ["--seed-date", settings.seed_date.isoformat()]
    for tenant, token in settings.tokens.items():
        argv += ["--token", f"{tenant}={token}"]
    for tenant, token in settings.refresh_tokens.items():
        argv += ["--refresh-token", f"{tenant}={token}"]
    return argv


def start_sandbox_process(settings: SandboxSettings) -> RunningSandbox:
    """Serve ``settings`` from ``python -m orgconn.sandbox`` in a subprocess (its own GIL);
    returns once healthy. ``stop()`` terminates it."""
    data_dir, temporary = _data_dir(settings)
    command = [sys.executable, "-m", "orgconn.sandbox", *settings_argv(settings, data_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)

    try:
        base_url = _read_banner(process.stdout, process)
        stack_urls = _wait_healthy(base_url, lambda: process.poll() is None)
    except BaseException:
        stop()
        raise
    return RunningSandbox(base_url, settings, data_dir, stack_urls, stop)


def _read_banner(stdout: IO[str] | None, process: subprocess.Popen[str]) -> str:
    assert stdout is not None
    for line in stdout:
        match = BANNER.search(line)
        if match:
            return match.group(1)
    raise RuntimeError(f"the sandbox process exited with status {process.wait()} before serving")


def serve_forever(settings: SandboxSettings, data_dir: Path,
                  say: Callable[[str], None] = print) -> int:
    """Serve in the foreground until Ctrl+C (``orgconn sandbox``); prints each tenant's stack
    URL and tokens."""
    sock, stacks = bind_stack_sockets(settings)
    sockets = [sock, *stacks.values()]
    try:
        server, notes, close = _uvicorn_server(settings, data_dir, stacks, log_level="info")
    except BaseException:
        for listening in sockets:
            listening.close()
        raise
    # What exists now (schema, catalogs, modules) lives as long as the process: leave it out of
    # the GC's collections, which every request's garbage triggers (~5% of a write's CPU).
    gc.freeze()
    base_url = origin(settings.host, sock.getsockname()[1])
    say(f"orgconn sandbox: serving {len(settings.tenants)} tenant(s) at {base_url} "
        f"(data in {data_dir})")
    for tenant in settings.tenants:
        stack = origin(settings.host, stacks[tenant].getsockname()[1])
        also = "" if tenant in settings.tokens else f" (or sandbox-{tenant})"
        say(f"  {tenant}: stack URL {stack}  (API {stack}/api, also {base_url}/{tenant}/api)  "
            f"token: {settings.access_token(tenant)}{also}  "
            f"refresh token: {settings.refresh_token(tenant)}")
    for note in notes:
        say(f"  note: {note}")
    say("Press Ctrl+C to stop.")
    try:
        server.run(sockets=sockets)  # type: ignore[attr-defined]
    finally:
        for each in sockets:
            each.close()
        close()
    return 0

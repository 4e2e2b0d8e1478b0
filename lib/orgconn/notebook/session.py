"""The notebook's session: one runtime per kernel, opened by ``orgconn.start()``.

``start()`` builds an `orgconn.runtime.Runtime` from the configuration (`load_config`: the
``config=`` file, ``ORGCONN_CONFIG``, or the nearest ``.streamlit/secrets.toml`` at or above
the working directory) and says in the cell's output what it works on:

- **tenants configured**: those tenants (nothing is started);
- **none configured**: the embedded sandbox, started now on a free loopback port with its own
  data folder, ``.orgconn/notebook-sandbox`` under the working directory (not the dashboard's
  ``[sandbox] data_dir``), and — unless ``database_url`` is configured — its own store in that
  folder, so that demo history and jobs never mix with the dashboard's.

The session is closed (clients, store, and the sandbox stopped) by `stop()`, by the next
`start()`, or when the kernel exits (``atexit``). Every function of `orgconn.notebook` called
without ``config=`` acts through it once started.
"""

from __future__ import annotations

import atexit
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from orgconn.config import ConfigError, OrgconnConfig, TenantConfig, load_config
from orgconn.runtime import Runtime

__all__ = ["NOTEBOOK_SANDBOX", "ConfigSource", "Session", "acting_runtime", "chosen_tenant",
           "current", "start", "stop"]

ConfigSource = OrgconnConfig | str | Path | None

NOTEBOOK_SANDBOX = Path(".orgconn") / "notebook-sandbox"
"""The notebook sandbox's data folder, relative to the kernel's working directory."""

_lock = threading.Lock()
_session: Session | None = None
_atexit_registered = False


@dataclass(frozen=True)
class Session:
    """The runtime the notebook acts through, and the tenant used when a call names none."""

    runtime: Runtime
    tenant: str | None

    @property
    def is_sandbox(self) -> bool:
        """Whether no tenant is configured, so the notebook works on its embedded sandbox."""
        return self.runtime.is_sandbox

    @property
    def tenants(self) -> list[str]:
        """The names of the tenants this session can act on."""
        return list(self.runtime.tenants())

    def describe(self) -> str:
        """One paragraph saying what the notebook works on and who it acts as."""
        actor = self.runtime.local_actor()
        acting = f"Writes act as {actor.name} with role {actor.role.name.lower()}."
        if self.is_sandbox:
            box, settings = self.runtime.sandbox(), self.runtime.config.sandbox
            return (f"orgconn: no tenant configured — working on the embedded sandbox (tenants "
                    f"{', '.join(box.tenants)}; {settings.customers} customers each) at "
                    f"{box.base_url}, data in {settings.data_dir}. It stops with this kernel. "
                    f"Using tenant {self.tenant}. {acting} To work on real tenants, configure "
                    "them in .streamlit/secrets.toml (or ORGCONN_CONFIG).")
        using = (f"Using tenant {self.tenant}." if self.tenant else
                 "Name a tenant in each call (or in orgconn.start(TENANT)).")
        protected = [n for n, t in self.runtime.config.tenants.items() if t.protected]
        guarded = (f" Protected (writes need confirm_tenant=): {', '.join(protected)}."
                   if protected else "")
        return (f"orgconn: tenants {', '.join(self.tenants)} from {self.runtime.config.source}. "
                f"{using} {acting}{guarded}")


def _for_notebook(config: OrgconnConfig) -> OrgconnConfig:
    """``config`` with, when it has no tenant, the notebook sandbox's folder and store."""
    if config.tenants:
        return config
    folder = NOTEBOOK_SANDBOX.resolve()
    sandbox = config.sandbox.model_copy(update={"data_dir": str(folder)})
    return config.model_copy(update={
        "sandbox": sandbox,
        "database_url": config.database_url or f"sqlite:///{folder / 'orgconn.db'}"})


def start(tenant: str | None = None, *, config: OrgconnConfig | str | Path | None = None,
          quiet: bool = False) -> Session:
    """Open the notebook's session (closing any earlier one first) and print what it works on.

    ``tenant`` is the one calls use when they name none (default: the only configured one;
    on the sandbox ``us``). ``config`` is a loaded configuration or a TOML file's path.
    Raises `ConfigError` for a bad configuration or an unknown ``tenant``.
    """
    global _session, _atexit_registered
    loaded = config if isinstance(config, OrgconnConfig) else load_config(config)
    stop()  # first: a new sandbox must not open the folder while the old one still serves it
    runtime = Runtime(_for_notebook(loaded))
    try:
        names = list(runtime.tenants())  # starts the sandbox when no tenant is configured
        if tenant is not None and tenant not in names:
            raise ConfigError([f"tenant {tenant!r}: not one of {', '.join(names) or 'none'} — "
                               "pass one of those, or None"], source=loaded.source)
        chosen = tenant or (names[0] if runtime.is_sandbox or len(names) == 1 else None)
    except BaseException:
        runtime.close()
        raise
    with _lock:
        _session = Session(runtime, chosen)
        if not _atexit_registered:
            atexit.register(stop)
            _atexit_registered = True
    if not quiet:
        print(_session.describe())
    return _session


def current() -> Session | None:
    """The open session, or None before `start` (and after `stop`)."""
    return _session


def stop() -> None:
    """Close the session: its clients and store, and stop its sandbox (safe to call twice)."""
    global _session
    with _lock:
        session, _session = _session, None
    if session is not None:
        session.runtime.close()


def acting_runtime(config: ConfigSource) -> Runtime | nullcontext[Runtime]:
    """For a ``with`` block: the session's runtime (left open) when started and no ``config``
    is given, else a new runtime of ``config`` (closed at the block's end)."""
    opened = _session
    if config is None and opened is not None:
        return nullcontext(opened.runtime)
    return Runtime(config) if isinstance(config, OrgconnConfig) else Runtime.load(config)


def chosen_tenant(runtime: Runtime, tenant: str | None) -> TenantConfig:
    """The tenant a call acts on: ``tenant``, else the session's, else the only configured.

    `ConfigError` when that is ambiguous, unknown, or when nothing is configured and no
    session was started (a call never starts a sandbox on its own).
    """
    opened = _session
    if opened is not None and runtime is opened.runtime:
        tenant = tenant or opened.tenant
    elif runtime.is_sandbox:
        raise ConfigError(["tenants: none configured — call orgconn.start() to work on the "
                           "embedded sandbox, or add tenants to .streamlit/secrets.toml"],
                          source=runtime.config.source)
    if tenant is not None:
        return runtime.tenant(tenant)
    known = runtime.tenants()
    if len(known) == 1:
        return next(iter(known.values()))
    raise ConfigError([f"tenants: say which tenant (configured: {', '.join(sorted(known))}) — "
                       'e.g. orgconn.connect("us") or orgconn.start("us"); to add one, see '
                       ".streamlit/secrets.toml.example"], source=runtime.config.source)

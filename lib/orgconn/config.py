"""The orgconn configuration: tenants (stack URL + token), the database, the fingerprint key.

Read once with `load_config` into a frozen `OrgconnConfig`; pages and commands build their
clients from its `TenantConfig` objects. Where the TOML comes from, first found wins:

1. the ``path`` argument (the CLI's ``--config``),
2. the file named by the environment variable ``ORGCONN_CONFIG``,
3. ``.streamlit/secrets.toml`` in the working directory or the nearest folder above it that has
   one (so a notebook kernel started in ``notebooks/`` finds the project's); absent is fine: no
   tenants. Relative paths inside it (``[sandbox] data_dir``, a ``sqlite:///`` URL) stay
   relative to the working directory.

Environment variables then override single keys: ``ORGCONN_<KEY>`` for a top-level key and
``ORGCONN_TENANTS__<NAME>__<KEY>`` for a tenant's (``__`` separates levels, names are
lowercased), e.g. ``ORGCONN_TENANTS__US__TOKEN``, ``ORGCONN_DATABASE_URL`` or
``ORGCONN_ACCESS__LOCAL_ROLE``. Older names still work, each setting one key (`LEGACY_ENV`):
``ORGCONN_SANDBOX_DIR`` / ``_CUSTOMERS`` (``[sandbox] data_dir`` / ``customers``) and
``ORGCONN_BULK_MAX_BYTES`` / ``_ROWS`` (``[bulk] max_bytes`` / ``max_rows``); the current
name wins when both are set.
This module is the only one that reads orgconn's environment (`orgconn.runtime` builds everything
else from the `OrgconnConfig`).

`import_prism_profiles` turns the prism CLI's profiles (and its PRISM* environment variables)
into tenants. A configuration without tenants is valid: the dashboard then runs on the sandbox.
Every problem is reported at once in one `ConfigError` naming the key and the fix; no message
quotes a value (a URL may carry a password, a key may be a token).
Top-level keys orgconn does not know are ignored: the file is shared with Streamlit (``[auth]``),
and other parts of orgconn add their own sections (e.g. ``[roles]``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from orgconn.errors import ConfigError

__all__ = [
    "AccessConfig", "BulkLimits", "ConfigError", "OrgconnConfig", "SandboxConfig",
    "TenantConfig", "build_config", "config_file", "environment_overrides",
    "environment_signature", "import_prism_profiles", "load_config",
]

DEFAULT_PATH = Path(".streamlit") / "secrets.toml"
ENV_PREFIX = "ORGCONN_"
# older variable names, kept working: each sets one key of a table (its current name,
# ORGCONN_<TABLE>__<KEY>, wins when both are set)
LEGACY_ENV = {"ORGCONN_SANDBOX_DIR": ("sandbox", "data_dir"),
              "ORGCONN_SANDBOX_CUSTOMERS": ("sandbox", "customers"),
              "ORGCONN_BULK_MAX_BYTES": ("bulk", "max_bytes"),
              "ORGCONN_BULK_MAX_ROWS": ("bulk", "max_rows")}
TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
EXAMPLE_URL = 'e.g. url = "https://app.prismatic.io"'
# the fix to suggest when a key is missing or has the wrong type
FIXES = {
    "url": EXAMPLE_URL,
    "token": 'an access token: token = "..." (prism me:token)',
    "refresh_token": 'refresh_token = "..." (prism me:token --type refresh)',
    "protected": "protected = true or protected = false",
    "label": 'label = "Acme US (prod)"',
    "tenant_id": 'tenant_id = "..." (only when several tenants share a stack)',
    "tenants": "[tenants.NAME] tables, e.g. [tenants.us]",
    "default_role": 'default_role = "viewer" (viewer, editor, operator or admin)',
    "local_role": 'local_role = "admin" (viewer, editor, operator or admin)',
    "max_bytes": "[bulk] max_bytes = 5000000 (or ORGCONN_BULK_MAX_BYTES), a positive number",
    "max_rows": "[bulk] max_rows = 20000 (or ORGCONN_BULK_MAX_ROWS), a positive number",
    "max_columns": "[bulk] max_columns = 500, a positive number",
    "max_value_chars": "[bulk] max_value_chars = 1000000, a positive number",
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TenantConfig(BaseModel):
    """One Prismatic tenant: where its stack is and how to authenticate; frozen.

    ``url`` is the stack (``https://app.prismatic.io``), without ``/api``; give ``token`` (an
    access token, valid 7 days) or ``refresh_token`` (does not expire; exchanged for access
    tokens as needed), or both. ``tenant_id`` picks one tenant where several share a stack.
    ``protected`` tenants ask for their name to be typed before any write.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: str
    label: str = ""
    url: str
    token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    tenant_id: str | None = None
    protected: bool = False

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        if not TENANT_NAME.match(name):
            raise ValueError("a tenant name is lowercase letters, digits, '-' or '_' "
                             "(e.g. [tenants.us]), so that ORGCONN_TENANTS__US__... can reach it")
        return name

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        if url.endswith("/api"):
            raise ValueError(f"is the stack, without /api (orgconn appends it) — {EXAMPLE_URL}")
        parts = urlsplit(url)
        secure = parts.scheme == "https" and parts.hostname
        loopback = parts.scheme == "http" and _is_loopback(parts.hostname or "")
        if not (secure or loopback):
            raise ValueError(f"must start with https:// (or http:// for loopback) — {EXAMPLE_URL}")
        if "@" in parts.netloc:  # user, password, or both: an empty user name counts too
            raise ValueError("must not contain a user name or password (the stack would be sent "
                             "them as Basic auth instead of the token): put the credential in "
                             f"token or refresh_token — {EXAMPLE_URL}")
        if parts.query or parts.fragment:
            raise ValueError(f"must be a plain stack URL without query — {EXAMPLE_URL}")
        return url

    @model_validator(mode="after")
    def _check_credentials(self) -> TenantConfig:
        if self.token is None and self.refresh_token is None:
            raise ValueError(
                f"needs token or refresh_token — e.g. {FIXES['refresh_token']} in "
                f"[tenants.{self.name}] or ORGCONN_TENANTS__{self.name.upper()}__REFRESH_TOKEN")
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_label(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("label") and data.get("name"):
            data = {**data, "label": data["name"]}
        return data

    @property
    def api_url(self) -> str:
        """The GraphQL endpoint: ``{url}/api``."""
        return f"{self.url}/api"

    @property
    def refresh_url(self) -> str:
        """The refresh-token exchange endpoint: ``{url}/auth/refresh``."""
        return f"{self.url}/auth/refresh"

    @property
    def host(self) -> str:
        """The stack's host (``app.prismatic.io``): the only host its token is ever sent to."""
        return urlsplit(self.url).netloc


ROLE_NAMES = ("viewer", "editor", "operator", "admin")


class BulkLimits(BaseModel):
    """The largest upload a bulk job reads: the ``[bulk]`` table; frozen.

    A file over ``max_bytes``, with more than ``max_rows`` customer rows or a value beyond
    column ``max_columns`` is refused as a whole; a value longer than ``max_value_chars``
    characters (default 1,000,000: no credential is that long, certificates and code fit)
    makes its row invalid. A workbook (a zip) may unpack to at most `max_unpacked_bytes`.
    ``ORGCONN_BULK_MAX_BYTES`` and ``ORGCONN_BULK_MAX_ROWS`` still set the first two;
    ``ORGCONN_BULK__<KEY>`` sets any.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    max_bytes: int = Field(5_000_000, ge=1)
    max_rows: int = Field(20_000, ge=1)
    max_columns: int = Field(500, ge=1)
    max_value_chars: int = Field(1_000_000, ge=1)

    @property
    def max_unpacked_bytes(self) -> int:
        """What an XLSX's parts may unpack to, together: ten times ``max_bytes`` (a zip bomb
        is refused before it is unpacked; reading a workbook this size stays under ~300 MB)."""
        return 10 * self.max_bytes

    @property
    def max_values(self) -> int:
        """Non-empty cells a file may have in all: 50 per row allowed (a million by default),
        which bounds reading time and memory whatever the shape of the rows."""
        return 50 * self.max_rows

    @property
    def max_scanned_rows(self) -> int:
        """Rows read, blank ones included, before a file is refused: blank rows cost reading
        time too, so a sheet of a million empty rows is refused in seconds."""
        return 5 * self.max_rows + 1_000


class AccessConfig(BaseModel):
    """Who may do what: the ``[access]`` table.

    ``roles`` maps a signed-in user's email, ``@domain`` or group (from the OIDC ``groups``
    claim) to a role name; ``default_role`` is the role of a signed-in user nobody listed;
    ``local_role`` the role in single-user mode (no ``[auth]`` sign-in configured).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    roles: dict[str, str] = Field(default_factory=dict)
    default_role: str = "viewer"
    local_role: str = "admin"

    @field_validator("default_role", "local_role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role.lower() not in ROLE_NAMES:
            raise ValueError(f"unknown role — use one of {', '.join(ROLE_NAMES)}")
        return role.lower()

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: dict[str, str]) -> dict[str, str]:
        for who, role in roles.items():
            if role.lower() not in ROLE_NAMES:
                raise ValueError(f"{who}: unknown role — use one of {', '.join(ROLE_NAMES)}")
        return {who: role.lower() for who, role in roles.items()}


class SandboxConfig(BaseModel):
    """The embedded sandbox, used when no tenant is configured: the ``[sandbox]`` table.

    ``data_dir`` holds its SQLite data (kept across restarts); ``customers`` is how many
    customers a fresh one is seeded with.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: str = ".orgconn/sandbox"
    customers: int = Field(default=40, ge=1)


class OrgconnConfig(BaseModel):
    """The whole configuration, frozen: tenants by name, the database URL, the fingerprint key.

    ``database_url`` is None for the default SQLite store. ``fingerprint_key`` keys secret
    fingerprints (see `orgconn.secrets.fingerprint_key` for the default). ``source`` says where
    it was read from, for messages.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    tenants: dict[str, TenantConfig] = Field(default_factory=dict)
    database_url: str | None = None
    fingerprint_key: SecretStr | None = None
    access: AccessConfig = Field(default_factory=AccessConfig)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    bulk: BulkLimits = Field(default_factory=BulkLimits)
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_tenants(cls, data: Any) -> Any:
        """Give each ``[tenants.NAME]`` table its ``name`` from its key."""
        if isinstance(data, Mapping) and isinstance(data.get("tenants"), Mapping):
            tenants = {name: {**table, "name": name} if isinstance(table, Mapping) else table
                       for name, table in data["tenants"].items()}
            data = {**data, "tenants": tenants}
        return data

    def tenant(self, name: str) -> TenantConfig:
        """Return the tenant called ``name``; `ConfigError` listing the known names otherwise."""
        try:
            return self.tenants[name]
        except KeyError:
            known = ", ".join(sorted(self.tenants)) or "none"
            raise ConfigError([f"tenants.{name}: no such tenant (configured: {known}) — add a "
                               f"[tenants.{name}] table or pick one of those"],
                              source=self.source) from None


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None
                ) -> OrgconnConfig:
    """Read the configuration from TOML plus environment overrides (see the module docstring).

    ``env`` defaults to ``os.environ``. Raises `ConfigError` for a named file that is missing, a
    file that is not TOML, or any invalid key — every problem in one error.
    """
    env = os.environ if env is None else env
    named = path or env.get("ORGCONN_CONFIG")
    file = config_file(path, env)
    data: dict[str, Any] = {}
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{file}: not valid TOML ({exc}) — fix the file's syntax"]) from None
    elif named:
        how = "--config" if path else "ORGCONN_CONFIG"
        raise ConfigError([f"{how}: {file} does not exist — give the path of a TOML file "
                           "like .streamlit/secrets.toml.example"])
    data = _deep_merge(data, environment_overrides(env))
    return build_config(data, source=str(file))


def config_file(path: str | Path | None = None, env: Mapping[str, str] | None = None,
                cwd: str | Path | None = None) -> Path:
    """The TOML file `load_config` reads (which may not exist): ``path``, else
    ``ORGCONN_CONFIG``, else the nearest ``.streamlit/secrets.toml`` in ``cwd`` (default: the
    working directory) or a folder above it, else ``.streamlit/secrets.toml`` (absent)."""
    env = os.environ if env is None else env
    named = path or env.get("ORGCONN_CONFIG")
    if named:
        return Path(named)
    start = Path.cwd() if cwd is None else Path(cwd).resolve()
    found = next((folder / DEFAULT_PATH for folder in (start, *start.parents)
                  if (folder / DEFAULT_PATH).is_file()), None)
    if found is None or (cwd is None and found == start / DEFAULT_PATH):
        return DEFAULT_PATH  # here (or nowhere): the relative path, as messages always said
    return found


def environment_signature(env: Mapping[str, str] | None = None) -> str:
    """A text that changes when an ``ORGCONN_*`` variable is set, unset or resized (a cache
    key for a loaded configuration; it holds names and lengths, never values)."""
    env = os.environ if env is None else env
    return ";".join(f"{k}={len(v)}" for k, v in sorted(env.items())
                    if k.upper().startswith(ENV_PREFIX))


def build_config(data: Mapping[str, Any], *, source: str | None = None) -> OrgconnConfig:
    """Validate a configuration mapping (as read from TOML) into `OrgconnConfig`.

    Raises one `ConfigError` listing every problem as ``key: what — fix``; the offending values
    themselves are never quoted (they may be tokens).
    """
    try:
        return OrgconnConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()], source=source) from None


def environment_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """Return the nested mapping that ``ORGCONN_*`` variables set (``__`` separates levels).

    An old name of `LEGACY_ENV` sets its key unless the current name sets it too.
    """
    overrides: dict[str, Any] = {}
    # old names first, so that a current name, set with it, overrides it in any order
    for name, value in sorted(env.items(), key=lambda item: item[0].upper() not in LEGACY_ENV):
        if not name.upper().startswith(ENV_PREFIX) or name.upper() == "ORGCONN_CONFIG":
            continue
        legacy = LEGACY_ENV.get(name.upper())
        keys = list(legacy) if legacy else name[len(ENV_PREFIX):].lower().split("__")
        node = overrides
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return overrides


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


TABLES: dict[str, tuple[str, type[BaseModel]]] = {
    "tenants": ("a tenant", TenantConfig), "access": ("[access]", AccessConfig),
    "bulk": ("[bulk]", BulkLimits)}
"""Tables whose unknown keys are errors: how to name each in a message, and its model."""


def _describe(err: Any) -> str:
    """One ``key: problem — fix`` line from a pydantic error, without the offending value."""
    loc = [str(part) for part in err["loc"]]
    field = loc[-1] if loc else ""
    if loc[:1] == ["tenants"] and field == "name":
        loc = loc[:-1]  # a bad name is the table's key, not a key inside it
    key = ".".join(loc) or "(top level)"
    kind = err["type"]
    if kind == "missing":
        return f"{key}: missing — {FIXES.get(field, 'add it')}"
    if kind == "extra_forbidden":
        table, model = TABLES.get(loc[0] if loc else "", ("a tenant", TenantConfig))
        allowed = ", ".join(k for k in model.model_fields if k != "name")
        return f"{key}: unknown key — {table}'s keys are {allowed}"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind.endswith(("_type", "_parsing")) or kind.startswith("greater_than"):
        hint = FIXES.get(field)
        return f"{key}: {message}" + (f" — {hint}" if hint else "")
    return f"{key}: {message}"


def import_prism_profiles(path: str | Path | None = None, env: Mapping[str, str] | None = None
                          ) -> dict[str, TenantConfig]:
    """Return tenants made from prism's profiles and its PRISM* environment variables.

    Reads ``profiles: {name: {accessToken, refreshToken, tenantId, prismaticUrl}}`` from
    ``path`` (default ``~/.config/prism/config.yml``; absent is fine). ``PRISMATIC_URL`` with
    ``PRISM_ACCESS_TOKEN`` or ``PRISM_REFRESH_TOKEN`` (and ``PRISMATIC_TENANT_ID``) adds a
    tenant named ``prism-env``. Profile names are lowercased; a bad profile raises `ConfigError`.
    """
    import yaml  # only needed here

    env = os.environ if env is None else env
    file = Path(path) if path else Path.home() / ".config" / "prism" / "config.yml"
    raw: Any = {}
    if file.is_file():
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise ConfigError([f"{file}: not valid YAML — re-create it with prism login"]) from None
    profiles = raw.get("profiles") if isinstance(raw, Mapping) else None
    tenants: dict[str, dict[str, Any]] = {}
    for name, profile in (profiles or {}).items():
        if isinstance(profile, Mapping):
            tenants[str(name).lower()] = _prism_tenant(profile)
    has_token = env.get("PRISM_ACCESS_TOKEN") or env.get("PRISM_REFRESH_TOKEN")
    if env.get("PRISMATIC_URL") and has_token:
        tenants["prism-env"] = _prism_tenant({
            "prismaticUrl": env["PRISMATIC_URL"], "accessToken": env.get("PRISM_ACCESS_TOKEN"),
            "refreshToken": env.get("PRISM_REFRESH_TOKEN"),
            "tenantId": env.get("PRISMATIC_TENANT_ID")})
    return build_config({"tenants": tenants}, source=str(file)).tenants


def _prism_tenant(profile: Mapping[str, Any]) -> dict[str, Any]:
    table = {"url": profile.get("prismaticUrl") or "https://app.prismatic.io",
             "token": profile.get("accessToken"), "refresh_token": profile.get("refreshToken"),
             "tenant_id": profile.get("tenantId")}
    return {key: value for key, value in table.items() if value}

"""`orgconn.runtime`: one composition root — tenants, clients, store, key, acting user — and
tenant identities that keep the records of two stacks both called "us" apart."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orgconn.client import AsyncPrismaticClient, Limits, RetryPolicy
from orgconn.config import ConfigError, build_config, load_config
from orgconn.models import WhoAmI
from orgconn.runtime import Runtime, origin, sandbox_identity, tenant_identity
from orgconn.sandbox import RunningSandbox
from orgconn.services.access import Role
from orgconn.store import AuditEntry, AuditFilter, ConnectionCounts

LIB = Path(__file__).resolve().parents[1] / "lib" / "orgconn"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _config(tmp_path: Path, box: RunningSandbox | None, *, name: str = "cfg.toml",
            extra: str = "") -> Path:
    path = tmp_path / name
    database = json.dumps(f"sqlite:///{tmp_path / 'shared.db'}")
    tenant = (f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n'
              if box else "")
    path.write_text(f"database_url = {database}\n{extra}\n{tenant}", encoding="utf-8")
    return path


@pytest.mark.parametrize(("url", "expected"), [
    ("https://App.Prismatic.io", "https://app.prismatic.io"),
    ("https://app.prismatic.io:443", "https://app.prismatic.io"),
    ("https://eu.example.com:8443", "https://eu.example.com:8443"),
    ("http://127.0.0.1:80", "http://127.0.0.1"),
    ("http://localhost:8788", "http://localhost:8788"),
])
def test_an_origin_is_scheme_host_and_a_port_only_when_not_the_default(
        url: str, expected: str) -> None:
    assert origin(url) == expected


def test_a_configured_tenant_is_known_by_its_api_tenant_id_and_origin_asked_once(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    with Runtime.load(_config(tmp_path, sandbox)) as runtime:
        expected = tenant_identity(sandbox.stack_url("us"), sandbox.tenant_id("us"))
        assert runtime.identity("us") == expected
        asked = runtime.client("us").stats.requests
        assert runtime.identity("us") == expected
        assert runtime.client("us").stats.requests == asked


def test_an_async_client_is_opened_for_the_caller_with_its_pool_and_retry_and_not_kept(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    pool, retry = Limits(max_connections=3, max_concurrency=3), RetryPolicy(attempts=2)
    with Runtime.load(_config(tmp_path, sandbox)) as runtime:
        opened = runtime.async_client("us", limits=pool, retry=retry)
        again = runtime.async_client("us")

        who = asyncio.run(_whoami_and_close(opened))
        asyncio.run(again.aclose())

    assert who.tenant_id == sandbox.tenant_id("us") and opened.tenant.name == "us"
    assert (opened.limits, opened.retry) == (pool, retry)
    assert again is not opened and again.limits == Limits()


async def _whoami_and_close(client: AsyncPrismaticClient) -> WhoAmI:
    async with client:
        return await client.whoami()


def test_the_embedded_sandbox_has_one_fixed_identity_whatever_its_port(tmp_path: Path) -> None:
    extra = f'[sandbox]\ndata_dir = "{tmp_path / "box"}"\ncustomers = 3\n'
    identities, ports = [], []
    for run in range(2):
        with Runtime.load(_config(tmp_path, None, name=f"{run}.toml", extra=extra)) as runtime:
            assert runtime.is_sandbox and set(runtime.tenants()) == {"us", "eu"}
            ports.append(runtime.sandbox().base_url)
            identities.append(runtime.identity("us"))
            with pytest.raises(ConfigError):
                runtime.identity("nope")
    assert identities == [sandbox_identity("us")] * 2 == ["sandbox:us"] * 2
    assert not re.match(r"^[^@]*@https?://", identities[0])  # never a real stack's identity


def test_two_stacks_called_us_keep_separate_histories_in_one_store(
        tmp_path: Path, sandbox: RunningSandbox, fresh_sandbox: RunningSandbox) -> None:
    first = Runtime.load(_config(tmp_path, sandbox, name="a.toml"))
    second = Runtime.load(_config(tmp_path, fresh_sandbox, name="b.toml"))
    embedded = Runtime(build_config({"database_url": f"sqlite:///{tmp_path / 'shared.db'}"}),
                       sandbox=lambda: fresh_sandbox)
    with first, second, embedded:
        for complete, runtime in enumerate((first, second, embedded), start=1):
            store = runtime.store()
            store.append_audit(AuditEntry(at=AT, actor=f"actor-{complete}", tenant="us",
                                          action="update_customer_values", stable_key="crm",
                                          outcome="ok", source="cli"))
            store.record_snapshot("us", AT, [ConnectionCounts(stable_key="crm",
                                                              complete=complete)])
        for complete, runtime in enumerate((first, second, embedded), start=1):
            store = runtime.store()
            assert [e.actor for e in store.audit(AuditFilter(tenant="us"))] == [
                f"actor-{complete}"]
            assert store.snapshot_series("us")["complete"].tolist() == [complete]
    assert len({first.identity("us"), second.identity("us"), embedded.identity("us")}) == 3


def test_the_acting_user_has_the_configured_local_role_and_signed_in_users_theirs(
        tmp_path: Path) -> None:
    extra = ('[access]\nlocal_role = "viewer"\ndefault_role = "editor"\n'
             'roles = {"ops@acme.example" = "operator", "admins" = "admin"}\n')
    with Runtime.load(_config(tmp_path, None, extra=extra)) as runtime:
        assert runtime.local_actor().role is Role.VIEWER
        assert not runtime.local_actor().signed_in
        assert runtime.role_for("ops@acme.example") is Role.OPERATOR
        assert runtime.role_for("x@else.example", ("admins",)) is Role.ADMIN
        assert runtime.role_for("x@else.example") is Role.EDITOR


def test_the_sandbox_keys_come_from_the_config_or_the_old_variable_names(tmp_path: Path) -> None:
    path = _config(tmp_path, None, extra='[sandbox]\ndata_dir = "from-file"\ncustomers = 5\n')
    assert load_config(path, env={}).sandbox.data_dir == "from-file"
    env = {"ORGCONN_SANDBOX_DIR": "from-env", "ORGCONN_SANDBOX_CUSTOMERS": "9"}
    box = load_config(path, env=env).sandbox
    assert (box.data_dir, box.customers) == ("from-env", 9)


# reads of the environment that are not configuration, each with its reason
ENVIRONMENT_READERS = {
    "config.py": "the configuration: the one place that reads orgconn's settings",
    "commands/set.py": "KEY=env:VAR passes a value the user chose through the environment",
    "services/rollout/rollout_charts.py": "BROWSER_PATH: where kaleido finds a browser",
}


def test_nothing_but_the_configuration_reads_orgconns_environment() -> None:
    readers = {str(path.relative_to(LIB)) for path in LIB.rglob("*.py")
               if "sandbox" not in path.relative_to(LIB).parts
               and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text("utf-8"))}
    assert readers <= set(ENVIRONMENT_READERS)
    assert "ui/context.py" not in readers and "runtime.py" not in readers

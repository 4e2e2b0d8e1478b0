"""``orgconn coverage --blocking`` and the impact columns, on the sandbox: the blocking gaps
(most instances first) for a cron alert, and the exit status that says whether there is one.

Expected figures come from the client's reads of the same sandbox, never hard-coded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import SecretStr

from orgconn.client import PrismaticClient
from orgconn.commands.coverage import EXIT_COMPLETE, EXIT_GAPS, EXIT_IMPACT_UNKNOWN
from orgconn.config import TenantConfig
from orgconn.models import CoverageRead
from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import coverage_frame, gaps_by_impact
from tests.commands.test_coverage_command import Run, run, tenants_of, write_config

__all__ = ["run"]  # the fixture, shared


@pytest.fixture
def demo_config(tmp_path: Path, sandbox: RunningSandbox) -> Path:
    return write_config(tmp_path / "orgconn.toml", tenants_of(sandbox))


def blocking_as_the_client_reads_them(box: RunningSandbox, names: tuple[str, ...]
                                      ) -> pd.DataFrame:
    frames = []
    for name in names:
        tenant = TenantConfig(name=name, url=box.stack_url(name), token=box.token(name))
        with PrismaticClient(tenant) as client:
            read = CoverageRead.of_tenant_data(client.read_tenant(), client.instance_impact())
        frames.append(coverage_frame(name, read))
    frame = pd.concat(frames, ignore_index=True)
    return gaps_by_impact(frame[frame["blocking"]])


def test_blocking_lists_only_the_gaps_with_instances_most_first_and_exits_1(
        run: Run, demo_config: Path, sandbox: RunningSandbox) -> None:
    status, out, _ = run("--config", str(demo_config), "--blocking", "--format", "csv")
    lines = list(csv.DictReader(io.StringIO(out)))
    expected = blocking_as_the_client_reads_them(sandbox, ("us", "eu"))
    assert status == EXIT_GAPS and lines, "the demo tenants have blocking gaps"
    assert {(r["tenant"], r["stable_key"], r["customer_external_id"]) for r in lines} == {
        (r.tenant, r.stable_key, r.customer_external_id) for r in expected.itertuples()}
    assert all(r["status"] != "complete" and int(r["instances"]) > 0 for r in lines)
    per_tenant = [int(r["instances"]) for r in lines if r["tenant"] == "us"]
    assert per_tenant == sorted(per_tenant, reverse=True)
    assert any(int(r["failing_instances"]) for r in lines)


def test_every_json_cell_has_its_instances_and_the_tenants_their_blocked_figures(
        run: Run, demo_config: Path, sandbox: RunningSandbox) -> None:
    status, out, _ = run("--config", str(demo_config), "--format", "json")
    document = json.loads(out)
    expected = blocking_as_the_client_reads_them(sandbox, ("us", "eu"))
    assert status == EXIT_GAPS
    assert all(isinstance(c["instances"], int) for c in document["cells"])
    for tenant in document["tenants"]:
        mine = expected[expected["tenant"] == tenant["tenant"]]
        assert tenant["blocked_customers"] == mine["customer_id"].nunique()
        assert tenant["blocked_instances"] == mine["instances"].sum()


def test_the_table_names_the_blocking_gaps_and_each_tenants_blocked_customers(
        run: Run, demo_config: Path, sandbox: RunningSandbox) -> None:
    status, out, _ = run("--config", str(demo_config), "--blocking", "--tenant", "us")
    expected = blocking_as_the_client_reads_them(sandbox, ("us",))
    assert status == EXIT_GAPS
    first = expected.iloc[0]
    assert f" {first['customer_external_id']} " in out.splitlines()[1] + " "
    line = next(x for x in out.splitlines() if x.startswith("us: "))
    assert line.endswith(f"· {expected['customer_id'].nunique():,} customers blocked "
                         f"({int(expected['instances'].sum()):,} instances)")


def test_blocking_exits_0_once_the_blocking_gaps_are_filled(
        run: Run, tmp_path: Path, make_sandbox: Callable[..., RunningSandbox]) -> None:
    box = make_sandbox(customers=12, tenants=("us",))
    config = write_config(tmp_path / "orgconn.toml", tenants_of(box, ("us",)))
    status, out, _ = run("--config", str(config), "--blocking", "--format", "csv")
    blocking = list(csv.DictReader(io.StringIO(out)))
    assert status == EXIT_GAPS and blocking, "the seed blocks some instances"
    key = blocking[0]["stable_key"]
    tenant = TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"))
    with PrismaticClient(tenant) as client:
        connection = client.connection(key)
        assert connection is not None
        values = {i.key: SecretStr("canary-blocking") if i.is_secret else "filled"
                  for i in connection.per_customer_inputs}
        for row in (r for r in blocking if r["stable_key"] == key):
            customer = client.customer(row["customer_external_id"])
            assert customer is not None
            client.upsert_customer_values(connection, customer, values)
    status, out, _ = run("--config", str(config), "--connection", key, "--blocking",
                         "--format", "csv")
    assert list(csv.reader(io.StringIO(out)))[1:] == []
    assert status == EXIT_COMPLETE
    assert "canary-blocking" not in out


def test_a_tenant_that_cannot_say_which_instances_its_gaps_block_is_not_reassuring(
        run: Run, demo_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(*args: Any, **kwargs: Any) -> Any:  # the plan of a tenant that cannot answer
        return None
        yield

    monkeypatch.setattr("orgconn.client.impact.instance_impact", unknown)
    status, out, err = run("--config", str(demo_config), "--blocking", "--format", "csv")
    assert status == EXIT_IMPACT_UNKNOWN
    assert list(csv.reader(io.StringIO(out)))[1:] == []
    assert "impact unknown" in err
    status, out, _ = run("--config", str(demo_config), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == EXIT_GAPS and {r["instances"] for r in rows} == {""}


STARTS_LEAN = """
import sys
from orgconn.cli import main
status = main(sys.argv[1:])
heavy = sorted(m for m in ("pandas", "plotly", "streamlit", "sqlalchemy") if m in sys.modules)
print("HEAVY", ",".join(heavy), file=sys.stderr)
"""


def test_the_command_reads_and_prints_without_importing_pandas_plotly_or_streamlit(
        demo_config: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", STARTS_LEAN, "coverage", "--config", str(demo_config),
         "--blocking", "--format", "csv"], capture_output=True, text=True, timeout=120,
        check=False)
    assert done.stdout.startswith("tenant,stable_key,"), done.stderr
    assert done.stderr.strip().splitlines()[-1] == "HEAVY", done.stderr

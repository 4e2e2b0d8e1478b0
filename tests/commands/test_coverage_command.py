"""``orgconn coverage`` on the sandbox: agrees with the client's read and with the page.

Expected figures are read from the sandbox with `PrismaticClient` (or from the coverage page
through AppTest), never hard-coded.
"""

from __future__ import annotations

import csv
import io
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import stamina
from pydantic import SecretStr

from orgconn.cli import main
from orgconn.client import PrismaticClient
from orgconn.commands.coverage import (
    EXIT_COMPLETE,
    EXIT_GAPS,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    write,
)
from orgconn.config import TenantConfig
from orgconn.models import CoverageRead
from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import EXPORT_COLUMNS, coverage_frame
from orgconn.services.coverage_rules import coverage_cells
from orgconn.services.values.form import find_customer
from tests.client.fake_prismatic import route_every_client
from tests.commands import odd_tenants

Run = Callable[..., tuple[int, str, str]]


def write_config(path: Path, tenants: dict[str, tuple[str, str]]) -> Path:
    """A TOML configuration with ``[tenants.NAME]`` tables of (url, token)."""
    lines = []
    for name, (url, token) in tenants.items():
        lines += [f"[tenants.{name}]", f'url = "{url}"', f'token = "{token}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tenants_of(box: RunningSandbox, names: tuple[str, ...] = ("us", "eu")
               ) -> dict[str, tuple[str, str]]:
    """(url, token) of each tenant ``names`` of ``box``."""
    return {name: (box.stack_url(name), box.token(name)) for name in names}


@pytest.fixture
def demo_config(tmp_path: Path, sandbox: RunningSandbox) -> Path:
    """Tenants us and eu of the shared sandbox."""
    return write_config(tmp_path / "orgconn.toml", tenants_of(sandbox))


@pytest.fixture(scope="module")
def client_frame(sandbox: RunningSandbox) -> pd.DataFrame:
    """The coverage of us and eu as the client reads it (the full snapshot for the statuses,
    the instance read for the impact)."""
    frames = []
    for name in ("us", "eu"):
        tenant = TenantConfig(name=name, url=sandbox.stack_url(name), token=sandbox.token(name))
        with PrismaticClient(tenant) as client:
            snapshot = client.read_tenant()
            read = CoverageRead.of_tenant_data(snapshot, client.instance_impact())
            frames.append(coverage_frame(name, read))
    frame = pd.concat(frames, ignore_index=True)
    return frame.astype({"status": str})


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``orgconn coverage ARGS``; (exit status, stdout, stderr)."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        status = main(["coverage", *argv])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return invoke


def rows(frame: pd.DataFrame) -> set[tuple[str, ...]]:
    """The export columns of ``frame`` as a set of text tuples (unknown impact: empty)."""
    return {tuple("" if pd.isna(v) else str(v) for v in r)
            for r in frame[EXPORT_COLUMNS].itertuples(index=False)}


def test_csv_has_one_row_per_customer_and_connection_as_the_client_reads_them(
        run: Run, demo_config: Path, client_frame: pd.DataFrame) -> None:
    status, out, _ = run("--config", str(demo_config), "--format", "csv")
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0] == ["tenant", "stable_key", "connection", "customer_external_id",
                        "customer_name", "status", "missing_inputs", "instances",
                        "enabled_instances", "failing_instances"]
    assert {tuple(r) for r in lines[1:]} == rows(client_frame)
    assert len(lines) - 1 == len(client_frame)
    assert status == EXIT_GAPS, "the demo tenants have gaps"
    incomplete = [r for r in lines[1:] if r[5] == "incomplete"]
    assert incomplete and all(r[6] and " " not in r[6] for r in incomplete)
    assert "canary-" not in out


@pytest.fixture
def page_metrics(demo_config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                 ) -> Iterator[list[str]]:
    """The metrics the dashboard's coverage page shows for the same configuration."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ORGCONN_CONFIG", str(demo_config))
    monkeypatch.setenv("ORGCONN_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    page = AppTest.from_file(Path(__file__).parents[2] / "app.py", default_timeout=60).run()
    assert not page.exception and not page.error
    yield [m.value for m in page.metric]
    st.cache_data.clear()
    st.cache_resource.clear()  # closes the page's clients and store


def test_json_figures_match_the_coverage_page(
        run: Run, demo_config: Path, client_frame: pd.DataFrame, page_metrics: list[str]
        ) -> None:
    status, out, _ = run("--config", str(demo_config), "--format", "json")
    document = json.loads(out)
    metrics = page_metrics
    figures = [(f"{t['customers']:,}", str(t["connections"]), f"{t['percent_complete']:.1f}%",
                f"{t['blocked_customers']:,}", f"{t['blocked_instances']:,}")
               for t in document["tenants"]]
    assert [x for five in figures for x in five] == metrics
    assert [t["tenant"] for t in document["tenants"]] == ["us", "eu"]
    assert status == EXIT_GAPS
    for entry in document["connections"]:
        cells = client_frame[(client_frame["tenant"] == entry["tenant"])
                             & (client_frame["stable_key"] == entry["stable_key"])]
        for state in ("complete", "incomplete", "missing", "error"):
            assert entry[state] == (cells["status"] == state).sum()
    assert len(document["cells"]) == len(client_frame)
    lacking = next(c for c in document["cells"] if c["status"] == "incomplete")
    assert isinstance(lacking["missing_inputs"], list) and lacking["missing_inputs"]


def test_the_table_ends_with_each_tenants_metrics(
        run: Run, demo_config: Path, client_frame: pd.DataFrame) -> None:
    status, out, _ = run("--config", str(demo_config))
    assert status == EXIT_GAPS
    for name in ("us", "eu"):
        cells = client_frame[client_frame["tenant"] == name]
        percent = 100.0 * (cells["status"] == "complete").mean()
        line = next(x for x in out.splitlines() if x.startswith(f"{name}: "))
        assert f"{cells['customer_id'].nunique():,} customers" in line
        assert f"{cells['stable_key'].nunique()} org-activated connections" in line
        assert f"{percent:.1f}% complete" in line


def test_tenant_and_connection_options_narrow_the_rows(
        run: Run, demo_config: Path, client_frame: pd.DataFrame) -> None:
    status, out, _ = run("--config", str(demo_config), "--tenant", "us", "--connection",
                         "crm-sync,billing-api", "--format", "csv")
    frame = pd.read_csv(io.StringIO(out), keep_default_na=False, dtype=str)
    wanted = client_frame[(client_frame["tenant"] == "us")
                          & client_frame["stable_key"].isin(["crm-sync", "billing-api"])]
    assert rows(frame) == rows(wanted) and len(frame) == len(wanted)
    assert status == EXIT_GAPS


def test_a_connection_no_chosen_tenant_has_is_refused_naming_the_ones_it_has(
        run: Run, demo_config: Path, client_frame: pd.DataFrame) -> None:
    status, out, err = run("--config", str(demo_config), "--tenant", "eu",
                           "--connection", "crm-sync")
    assert status == EXIT_USAGE and not out
    assert "crm-sync" in err
    for key in set(client_frame.loc[client_frame["tenant"] == "eu", "stable_key"]):
        assert key in err


def test_an_unknown_tenant_is_refused_naming_the_configured_ones(
        run: Run, demo_config: Path) -> None:
    status, out, err = run("--config", str(demo_config), "--tenant", "apac")
    assert status == EXIT_USAGE and not out
    assert "apac" in err and "us, eu" in err


def test_with_no_tenant_configured_it_says_how_to_configure_one_or_use_the_sandbox(
        run: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    status, out, err = run("--config", str(empty))
    assert status == EXIT_USAGE and not out
    assert "[tenants.NAME]" in err and "orgconn sandbox" in err and str(empty) in err


def test_an_invalid_configuration_is_refused_with_its_problems(
        run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[tenants.us]\nurl = "ftp://x.example"\n', encoding="utf-8")
    status, out, err = run("--config", str(bad))
    assert status == EXIT_USAGE and not out
    assert "tenants.us.url" in err and "tenants.us" in err


@pytest.fixture
def no_retry_waits() -> Iterator[None]:
    """Failed reads are not retried, so that an unreachable tenant fails at once."""
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def test_an_unreachable_tenant_exits_3_and_prints_nothing(
        run: Run, tmp_path: Path, sandbox: RunningSandbox, no_retry_waits: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tenants = tenants_of(sandbox, ("us",)) | {"down": (f"http://127.0.0.1:{port}", "t")}
    config = write_config(tmp_path / "orgconn.toml", tenants)
    status, out, err = run("--config", str(config))
    assert status == EXIT_UNREADABLE and not out
    assert "reading down" in err and "is its url right" in err


def test_a_refused_token_exits_3_without_showing_the_token(
        run: Run, tmp_path: Path, sandbox: RunningSandbox) -> None:
    config = write_config(tmp_path / "orgconn.toml",
                          {"eu": (sandbox.stack_url("eu"), "stolen-looking-token")})
    status, out, err = run("--config", str(config))
    assert status == EXIT_UNREADABLE and not out
    assert "refused the token" in err and "stolen-looking-token" not in err


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
        sandbox: RunningSandbox) -> None:
    tenant = TenantConfig(name="us", url=sandbox.stack_url("us"), token=sandbox.token("us"))
    with PrismaticClient(tenant) as client:
        cells = coverage_cells("us", client.coverage_read())[:3]
    names = ["=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)"]
    out = io.StringIO()
    write([c._replace(customer_name=n) for c, n in zip(cells, names, strict=True)], [], "csv",
          out)
    names = [r[4] for r in list(csv.reader(io.StringIO(out.getvalue())))[1:]]
    assert names == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)"]


def test_exit_status_0_once_every_customer_has_complete_values(
        run: Run, tmp_path: Path, make_sandbox: Callable[..., RunningSandbox]) -> None:
    box = make_sandbox(customers=3, tenants=("us",))
    config = write_config(tmp_path / "orgconn.toml", tenants_of(box, ("us",)))
    status, out, _ = run("--config", str(config), "--connection", "crm-sync", "--format", "csv")
    frame = pd.read_csv(io.StringIO(out), keep_default_na=False, dtype=str)
    assert status == EXIT_GAPS and (frame["status"] != "complete").any()
    tenant = TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"))
    with PrismaticClient(tenant) as client:
        connection = client.connection("crm-sync")
        assert connection is not None
        gaps = frame[frame["status"] != "complete"]
        assert "" in set(gaps["customer_external_id"])  # the seed's customers without one
        for row in gaps.itertuples():  # those are reached by their (unique) name
            customer = find_customer(client, row.customer_external_id or row.customer_name)
            client.upsert_customer_values(connection, customer,
                                          {"accessToken": SecretStr("canary-cli-test")})
    status, out, _ = run("--config", str(config), "--connection", "crm-sync", "--format", "csv")
    assert status == EXIT_COMPLETE
    assert set(pd.read_csv(io.StringIO(out), dtype=str)["status"]) == {"complete"}


@pytest.mark.parametrize("shape", sorted(odd_tenants.SHAPES))
@pytest.mark.parametrize("format_", ["table", "json", "csv"])
def test_a_tenant_with_nothing_to_cover_exits_0_with_a_sentence(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str,
        format_: str) -> None:
    build, sentence = odd_tenants.SHAPES[shape]
    route_every_client(monkeypatch, build())

    status, out, err = run("--config", str(odd_tenants.config(tmp_path)), "--format", format_)

    assert status == EXIT_COMPLETE
    assert f"orgconn coverage: odd {sentence}: nothing to cover" in (
        out if format_ == "table" else err)
    if format_ == "json":
        document = json.loads(out)
        assert document["cells"] == [] and document["tenants"][0]["tenant"] == "odd"
    if format_ == "csv":
        assert out.strip() == ",".join(EXPORT_COLUMNS)


def test_a_tenant_answering_empty_data_exits_3_saying_what_is_wrong(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    route_every_client(monkeypatch, odd_tenants.empty_data)

    status, out, err = run("--config", str(odd_tenants.config(tmp_path)))

    assert status == EXIT_UNREADABLE and out == ""
    assert err.startswith("orgconn coverage: reading odd: The tenant answered ")
    assert "the url may not point at a Prismatic stack" in err and "Traceback" not in err

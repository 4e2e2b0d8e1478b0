"""`import orgconn` in a notebook: DataFrames from the configured tenants, without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

import orgconn
from orgconn.config import ConfigError


@pytest.fixture
def configured(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ORGCONN_CONFIG names a file with the sandbox's us and eu tenants."""
    path = tmp_path / "orgconn.toml"
    path.write_text("".join(
        f'[tenants.{t}]\nurl = "{sandbox.stack_url(t)}"\ntoken = "{sandbox.token(t)}"\n'
        for t in ("us", "eu")))
    monkeypatch.setenv("ORGCONN_CONFIG", str(path))


def test_connect_gives_a_client_of_the_named_tenant(configured):
    with orgconn.connect("eu") as client:
        assert client.tenant.name == "eu" and client.whoami().org_name == "Acme SaaS"


def test_connect_needs_a_name_when_several_tenants_are_configured(configured):
    with pytest.raises(ConfigError, match=r"say which tenant \(configured: eu, us\)"):
        orgconn.connect()


def test_the_dataframes_describe_the_tenant_without_secrets(configured):
    connections = orgconn.connections("us")
    assert "acme-api-key" in set(connections["stable_key"])
    customers = orgconn.customers("us")
    assert "my-external-id" in set(customers["external_id"])
    values = orgconn.customer_values("us", "acme-api-key")
    assert set(values["stable_key"]) == {"acme-api-key"} and "apiKey" in values.columns
    assert not values.astype(str).apply(lambda col: col.str.contains("canary-")).any().any()
    assert set(values["apiKey"].dropna()) <= {"••••••", ""}


def test_coverage_has_a_row_per_customer_and_connection(configured):
    frame = orgconn.coverage("us")
    assert len(frame) == len(orgconn.customers("us")) * len(orgconn.connections("us"))
    assert set(frame["status"]) <= {"complete", "incomplete", "missing", "error"}


def test_coverage_carries_the_instances_each_gap_blocks_as_the_cli_reports_them(
        configured, capsys: pytest.CaptureFixture[str]):
    import csv
    import io

    from orgconn.cli import main

    frame = orgconn.coverage("us")
    blocking = frame.query("blocking")
    assert not blocking.empty and (blocking["instances"] > 0).all()
    assert (blocking["status"] != "complete").all()
    main(["coverage", "--tenant", "us", "--blocking", "--format", "csv"])
    listed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["stable_key"], r["customer_external_id"], int(r["instances"]),
             int(r["enabled_instances"]), int(r["failing_instances"])) for r in listed} == {
        (r.stable_key, r.customer_external_id, r.instances, r.enabled_instances,
         r.failing_instances) for r in blocking.itertuples()}


def test_an_unknown_attribute_of_orgconn_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        orgconn.nope  # noqa: B018

"""`import orgconn` in a notebook: DataFrames from the configured tenants, without secrets."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

import orgconn
from orgconn.config import ConfigError
from orgconn.notebook import NotebookWriteRefused
from orgconn.runtime import tenant_identity
from orgconn.services.access import AccessDenied
from orgconn.store import open_store


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


def _writable(box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> Path:
    """ORGCONN_CONFIG names a file with tenant us of ``box``, a store and ``local_role``."""
    path = tmp_path / "notebook.toml"
    path.write_text(f'database_url = "sqlite:///{tmp_path / "store.db"}"\n'
                    f'fingerprint_key = "notebook-key"\n[access]\nlocal_role = "{role}"\n'
                    f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n')
    monkeypatch.setenv("ORGCONN_CONFIG", str(path))
    return path


def _timeout(box) -> str | None:
    """my-external-id's timeoutSeconds of acme-api-key (None: no values yet)."""
    with orgconn.connect("us") as client:
        found = client.customer_values(
            connection_id=client.connection("acme-api-key").id,
            customer_id=client.customer("my-external-id").id)
    return found[0].values["timeoutSeconds"].secret_value() if found else None


def test_set_values_writes_through_the_audited_path_with_the_local_role(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _writable(fresh_sandbox, tmp_path, monkeypatch, "editor")

    said = orgconn.set_values("us", "acme-api-key", "my-external-id",
                              {"apiKey": "notebook-key-1", "timeoutSeconds": "77"})

    assert _timeout(fresh_sandbox) == "77" and "Audit row #" in said
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        [row] = store.audit()
    assert (row.source, row.action, row.outcome, row.tenant, row.actor) == (
        "notebook", "create_customer_values", "ok", "us", getpass.getuser())
    assert row.tenant_identity == tenant_identity(fresh_sandbox.stack_url("us"),
                                                  fresh_sandbox.tenant_id("us"))
    assert "notebook-key-1" not in row.model_dump_json()


def test_a_viewer_notebook_write_is_refused_and_changes_nothing(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _writable(fresh_sandbox, tmp_path, monkeypatch, "viewer")
    before = _timeout(fresh_sandbox)

    with pytest.raises(AccessDenied, match="viewer"):
        orgconn.set_values("us", "acme-api-key", "my-external-id",
                           {"apiKey": "notebook-key-2", "timeoutSeconds": "78"})

    assert _timeout(fresh_sandbox) == before != "78"
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert [row.outcome.split(":")[0] for row in store.audit()] == ["failed"]


def test_the_client_connect_hands_out_refuses_to_write_without_audit(
        fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _writable(fresh_sandbox, tmp_path, monkeypatch, "admin")
    with orgconn.connect("us") as client:
        current = client.customer_values(stable_key="acme-api-key")[0]
        with pytest.raises(NotebookWriteRefused, match=r"orgconn\.set_values"):
            client.update_customer_values(current, {"timeoutSeconds": "79"})
    with orgconn.connect("us") as client:
        assert client.customer_values_by_id(current.id) == current

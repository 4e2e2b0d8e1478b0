"""A page of 100 values with customers, inputs and instances costs a handful of SQL statements."""

from __future__ import annotations

from pathlib import Path

from orgconn.sandbox import SandboxSettings
from orgconn.sandbox.app import SandboxApp
from orgconn.sandbox.tenants import open_tenants

PAGE = """{ customerConfigVariables(first: 100, isTest: false,
  sortBy: [{field: CREATED_AT, direction: ASC}]) {
  totalCount nodes { id status isInUse hasDeployedInstances
    customer { id name externalId labels } scopedConfigVariable { stableKey connection { key } }
    inputs { nodes { name value hasValue meta } }
    instances { nodes { name customer { id } } } } } }"""


def test_a_page_of_100_values_takes_a_handful_of_statements(tmp_path: Path) -> None:
    settings = SandboxSettings(customers=60, tenants=("us",), data_dir=tmp_path)
    databases, _ = open_tenants(settings, tmp_path)
    app = SandboxApp(settings, databases)
    statements: list[str] = []
    databases["us"].trace(statements.append)
    result = app.execute("us", PAGE)
    databases["us"].trace(None)
    databases["us"].close()
    assert result.errors is None and result.data is not None
    assert len(result.data["customerConfigVariables"]["nodes"]) == 100
    assert len(statements) <= 8, statements


INSTANCES_PAGE = """{ scopedConfigVariables(stableKey: "acme-api-key") { nodes {
  instances(first: 100, sortBy: [{field: CREATED_AT, direction: ASC}]) {
    totalCount nodes { id enabled inFailedState customer { id externalId }
                       integration { id name } } } } } }"""


def test_a_page_of_100_instances_of_a_connection_takes_a_handful_of_statements(
        tmp_path: Path) -> None:
    settings = SandboxSettings(customers=200, tenants=("us",), data_dir=tmp_path)
    databases, _ = open_tenants(settings, tmp_path)
    app = SandboxApp(settings, databases)
    statements: list[str] = []
    databases["us"].trace(statements.append)
    result = app.execute("us", INSTANCES_PAGE)
    databases["us"].trace(None)
    databases["us"].close()
    assert result.errors is None and result.data is not None
    (scv,) = result.data["scopedConfigVariables"]["nodes"]
    assert len(scv["instances"]["nodes"]) == 100
    assert len(statements) <= 8, statements

"""A request's mutations commit once, together, yet each stays all or nothing on its own."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from orgconn.sandbox import RunningSandbox
from orgconn.sandbox.db import TenantDatabase
from orgconn.sandbox.relay import decode_id
from orgconn.sandbox.tenants import tenant_path
from tests.sandbox.sandbox_api import Api, find_customer, find_scv
from tests.sandbox.test_sandbox_connection_mutations import CREATE as CREATE_SCV
from tests.sandbox.test_sandbox_connection_mutations import sftp_payload

TWO_CREATES = """mutation($a: CreateCustomerConfigVariableInput!,
                          $b: CreateCustomerConfigVariableInput!) {
  a: createCustomerConfigVariable(input: $a) { customerConfigVariable { id } errors { field } }
  b: createCustomerConfigVariable(input: $b) { customerConfigVariable { id } errors { field } }
}"""


def values_count(sandbox: RunningSandbox, scv_id: str) -> int:
    """Values of a connection, counted by a connection of our own (committed rows only)."""
    raw = decode_id(scv_id, "ScopedConfigVariable", "id")
    with closing(sqlite3.connect(tenant_path(sandbox.data_dir, "us"))) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM customer_config_variables "
                                "WHERE scv_id = ?", (raw,)).fetchone()
    return int(count)


def create_input(scv: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    return {"scopedConfigVariable": scv["id"], "customer": customer["id"],
            "inputs": [{"name": "apiKey", "value": "k", "type": "value"}]}


def test_a_refused_mutation_leaves_the_others_of_its_request_written(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    sandbox = make_sandbox(tenants=("us",))
    api = api_for(sandbox)
    scv = find_scv(api, "acme-api-key")
    customer = find_customer(api, "my-external-id")
    before = values_count(sandbox, scv["id"])
    # b is the same customer again: refused as a duplicate, after a's write in the same request
    data = api.data(TWO_CREATES, {"a": create_input(scv, customer),
                                  "b": create_input(scv, customer)})
    assert data["a"]["errors"] == [] and data["a"]["customerConfigVariable"]["id"]
    assert data["b"]["customerConfigVariable"] is None and data["b"]["errors"]
    assert values_count(sandbox, scv["id"]) == before + 1


def test_drop_after_commit_commits_every_write_of_a_batched_request(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    faulty = make_sandbox(fault_rate=1.0, fault_kinds=("drop-after-commit",), tenants=("us",))
    api = api_for(faulty)
    scv = find_scv(api, "acme-api-key")
    customers = api.all_pages("customers", "id externalId", "isSystem: false")
    having = {n["customer"]["externalId"] for n in api.all_pages(
        "customerConfigVariables", "customer { externalId }",
        f'scopedConfigVariable: "{scv["id"]}", isTest: false')}
    first, second = [c for c in customers if c["externalId"] not in having][:2]
    before = values_count(faulty, scv["id"])
    with pytest.raises(httpx.TransportError):
        api.post(TWO_CREATES, {"a": create_input(scv, first), "b": create_input(scv, second)})
    assert values_count(faulty, scv["id"]) == before + 2


def insert_meta(key: str) -> Callable[[sqlite3.Connection], None]:
    def write(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO meta VALUES (?, 'x')", (key,))
    return write


def failing_after_insert(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO meta VALUES ('half-done', 'x')")
    raise RuntimeError("the write fails after its first statement")


def meta_keys(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {key for (key,) in conn.execute("SELECT key FROM meta")}


def test_inside_a_request_a_failed_write_is_undone_and_the_others_commit_once(
        tmp_path: Path) -> None:
    path = tmp_path / "tenant.sqlite3"
    db = TenantDatabase("us", path)
    try:
        with db.request():
            db.write(insert_meta("first"))
            with pytest.raises(RuntimeError):
                db.write(failing_after_insert)
            assert "first" not in meta_keys(path)  # nothing is committed before the request ends
            db.write(insert_meta("second"))
        assert {"first", "second"} <= meta_keys(path)
        assert "half-done" not in meta_keys(path)
    finally:
        db.close()


def test_a_request_that_raises_still_commits_the_writes_that_returned(tmp_path: Path) -> None:
    path = tmp_path / "tenant.sqlite3"
    db = TenantDatabase("us", path)
    try:
        with pytest.raises(KeyError), db.request():
            db.write(insert_meta("kept"))
            raise KeyError("the request fails between writes")
        assert "kept" in meta_keys(path)
        db.write(insert_meta("later"))  # the connection is usable again, outside any request
        assert "later" in meta_keys(path)
    finally:
        db.close()


CREATE_DELETE_CREATE = """mutation($a: CreateCustomerConfigVariableInput!,
                                  $gone: DeleteScopedConfigVariableInput!,
                                  $c: CreateCustomerConfigVariableInput!) {
  a: createCustomerConfigVariable(input: $a) { customerConfigVariable { id } errors { field } }
  gone: deleteScopedConfigVariable(input: $gone) { errors { field messages } }
  c: createCustomerConfigVariable(input: $c) {
    customerConfigVariable { id } errors { field messages } }
}"""


def test_a_connection_deleted_mid_request_is_gone_for_the_writes_after_it(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    # the writes of a request share what they looked up about a connection: not past its change
    api = api_for(make_sandbox(tenants=("us",)))
    created = api.data(CREATE_SCV, {"i": sftp_payload(api)})["createScopedConfigVariable"]
    assert created["errors"] == []
    scv = created["scopedConfigVariable"]
    first, second = (find_customer(api, e) for e in ("my-external-id", "cust-00002"))
    values = [{"name": "username", "value": "u", "type": "value"}]
    data = api.data(CREATE_DELETE_CREATE, {
        "a": {"scopedConfigVariable": scv["id"], "customer": first["id"], "inputs": values},
        "gone": {"id": scv["id"]},
        "c": {"scopedConfigVariable": scv["id"], "customer": second["id"], "inputs": values}})
    assert data["a"]["errors"] == [] and data["gone"]["errors"] == []
    assert data["c"]["customerConfigVariable"] is None
    assert data["c"]["errors"] == [{"field": "scopedConfigVariable", "messages": [
        "No scoped config variable with this ID exists in this tenant."]}]

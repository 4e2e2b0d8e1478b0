"""The comparison on the sandbox's demo tenants and on differences the tests create.

Expectations come from the seed's documented differences (lib/orgconn/sandbox/seed.py) and
from the tenants' data read through the client — raw values compared directly, not the
comparison code's fingerprints. Each created difference must appear exactly once: the rows
after the change are the rows before it plus (or minus) exactly the expected ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pandas as pd
import pytest

from orgconn.client import PrismaticClient
from orgconn.models import TenantData
from orgconn.sandbox import RunningSandbox
from orgconn.sandbox.tenants import tenant_path
from orgconn.services.compare.compare import Kind, differences
from tests.edit_support import sandbox_client

KEY = b"sandbox-compare-key"
Row = tuple[str, str, str, str]


def _read(box: RunningSandbox, name: str) -> tuple[TenantData, list]:
    with sandbox_client(box, name) as client:
        return client.read_tenant(), client.all_connections()


def _compare(boxes: dict[str, RunningSandbox]) -> pd.DataFrame:
    read = {name: _read(box, name) for name, box in boxes.items()}
    return differences({n: r[0] for n, r in read.items()}, KEY,
                       all_connections={n: r[1] for n, r in read.items()})


def _rows(frame: pd.DataFrame) -> list[Row]:
    keys = frame[["kind", "stable_key", "customer_external_id", "input"]]
    return list(keys.itertuples(index=False, name=None))


def _raw(values: object, key: str) -> str | None:
    value = values.values.get(key) if values is not None else None  # type: ignore[attr-defined]
    return value.secret_value() if value is not None and value.has_value else None


def expected_rows(us: TenantData, eu: TenantData) -> set[Row]:
    """Every difference of the demo tenants: documented ones plus those in the data."""
    rows: set[Row] = {
        ("connection_missing", "crm-sync", "", ""),  # "us ONLY (missing in eu)"
        ("input_scope", "acme-api-key", "", "baseUrl"),  # "GLOBAL in us and PER-CUSTOMER in eu"
        # "defaultForComponent ... sftp-drop in us only and billing-api in eu only"
        ("default_for_component", "sftp-drop", "", ""),
        ("default_for_component", "billing-api", "", ""),
    }
    externals = [{c.external_id for c in s.customers} for s in (us, eu)]
    rows |= {("customer_missing", "", e, "") for e in externals[0] ^ externals[1]}
    conns = [{c.stable_key: c for c in s.connections} for s in (us, eu)]
    configured = [{(v.stable_key, v.customer.external_id): v for v in s.customer_values
                   if v.customer is not None and not v.is_test} for s in (us, eu)]
    for stable_key in conns[0].keys() & conns[1].keys():
        inputs = [i.key for i in conns[0][stable_key].per_customer_inputs
                  if (other := conns[1][stable_key].input(i.key)) and other.is_per_customer]
        for external_id in externals[0] & externals[1]:
            a, b = (c.get((stable_key, external_id)) for c in configured)
            if (a is None) != (b is None):
                rows.add(("customer_configured", stable_key, external_id, ""))
            elif a is not None:
                rows |= {("customer_value", stable_key, external_id, key) for key in inputs
                         if _raw(a, key) != _raw(b, key)}
    return rows


@pytest.fixture(scope="module")
def demo(sandbox: RunningSandbox) -> pd.DataFrame:
    """The comparison of the shared sandbox's demo tenants us and eu (read once)."""
    return _compare({"us": sandbox, "eu": sandbox})


def test_every_seeded_difference_of_the_demo_tenants_is_found_exactly_once(
        demo: pd.DataFrame, sandbox: RunningSandbox) -> None:
    rows = _rows(demo)
    assert len(rows) == len(set(rows)), "a difference is reported more than once"
    us, eu = _read(sandbox, "us")[0], _read(sandbox, "eu")[0]
    assert set(rows) == expected_rows(us, eu)


def test_the_documented_demo_differences_read_as_the_seed_describes(demo: pd.DataFrame) -> None:
    frame = demo.set_index(["kind", "stable_key", "input"])
    assert frame.loc[("connection_missing", "crm-sync", ""), ["us", "eu"]].tolist() == [
        "present", "missing"]
    assert frame.loc[("input_scope", "acme-api-key", "baseUrl"), ["us", "eu"]].tolist() == [
        "global", "per-customer"]
    assert frame.loc[("default_for_component", "sftp-drop", ""), ["us", "eu"]].tolist() == [
        "on", "off"]
    assert frame.loc[("default_for_component", "billing-api", ""), ["us", "eu"]].tolist() == [
        "off", "on"]
    assert "northwind-acme-key" not in set(demo["stable_key"])  # one customer's own: not compared
    missing = frame.loc["customer_missing"]
    us_only = set(missing.loc[missing["eu"] == "missing", "customer_external_id"])
    assert us_only == {"cust-00003", "cust-00013", "cust-00023", "cust-00033"}  # index ends in 3
    assert len(missing) - len(us_only) == len(us_only)  # eu replaces them with as many
    # "customer my-external-id has NO value yet" for acme-api-key in us
    mine = frame.loc["customer_configured"].reset_index()
    mine = mine[(mine["stable_key"] == "acme-api-key")
                & (mine["customer_external_id"] == "my-external-id")]
    assert mine["us"].tolist() == ["not configured"]


def test_connections_left_alone_are_not_compared_though_their_values_differ(
        demo: pd.DataFrame) -> None:
    left_alone = {"ops-alerts", "usage-warehouse", "salesforce", "zendesk"}
    assert not set(demo["stable_key"]) & left_alone


def test_no_value_or_secret_reaches_the_comparison(demo: pd.DataFrame) -> None:
    text = " ".join(demo.astype(str).to_numpy().ravel())
    assert "canary-" not in text
    assert "_svc" not in text  # seeded usernames are <slug>_svc: plain customer values too


def test_a_tenant_that_hides_secrets_gives_cant_compare_counting_customers(
        sandbox: RunningSandbox, make_sandbox: Callable[..., RunningSandbox]) -> None:
    hiding = make_sandbox(write_only_secrets=True)
    frame = _compare({"us": sandbox, "eu": hiding})
    us, eu = _read(sandbox, "us")[0], _read(sandbox, "eu")[0]  # same data, secrets readable
    configured = [{(v.stable_key, v.customer.external_id): v for v in s.customer_values
                   if v.customer} for s in (us, eu)]
    expected: dict[tuple[str, str], int] = {}
    for (stable_key, external_id), a in configured[0].items():
        b = configured[1].get((stable_key, external_id))
        for key in a.values:
            if b is not None and key in b.values and a.values[key].is_secret and \
                    _raw(a, key) and _raw(b, key):
                expected[(stable_key, key)] = expected.get((stable_key, key), 0) + 1
    cant = frame[frame["kind"] == Kind.CANT_COMPARE.value]
    found = {(r.stable_key, r.input): r.eu for r in cant.itertuples()}
    assert found == {k: f"not returned for {n} customers" for k, n in expected.items()}
    assert set(cant["us"]) == {"returned"}
    secrets = frame[(frame["kind"] == Kind.CUSTOMER_VALUE.value)
                    & frame["input"].isin({k for _, k in expected})]
    for row in secrets.itertuples():  # a hidden secret differs only from an unset one
        assert "not set" in (row.us, row.eu), row


def _delta(box: RunningSandbox, change: Callable[[PrismaticClient, PrismaticClient], None]
           ) -> tuple[set[Row], set[Row]]:
    """The rows a change adds and removes (asserting no row is ever repeated)."""
    before = _rows(_compare({"us": box, "eu": box}))
    with sandbox_client(box, "us") as us, sandbox_client(box, "eu") as eu:
        change(us, eu)
    after = _rows(_compare({"us": box, "eu": box}))
    assert len(after) == len(set(after))
    return set(after) - set(before), set(before) - set(after)


def test_renaming_a_connection_is_reported_once(fresh_sandbox: RunningSandbox) -> None:
    def rename(us: PrismaticClient, eu: PrismaticClient) -> None:
        connection = eu.connection("sftp-drop")
        assert connection is not None
        eu.update_org_connection(connection, name="SFTP drop (EU)")

    added, removed = _delta(fresh_sandbox, rename)
    assert (added, removed) == ({("name", "sftp-drop", "", "")}, set())


def _both_configured(us: PrismaticClient, eu: PrismaticClient, stable_key: str, key: str,
                     *, same: bool) -> tuple[str, str]:
    """A customer configured in both tenants whose ``key`` values are equal (``same``)."""
    theirs = {v.customer.external_id: v for v in eu.customer_values(stable_key=stable_key)
              if v.customer}
    for mine in us.customer_values(stable_key=stable_key):
        other = theirs.get(mine.customer.external_id) if mine.customer else None
        if other is not None and (_raw(mine, key) == _raw(other, key)) == same and \
                not other.is_in_use:
            return other.id, other.customer.external_id  # type: ignore[union-attr]
    raise AssertionError(f"the seed has no such customer for {stable_key}")


def test_changing_a_customers_value_is_reported_once(fresh_sandbox: RunningSandbox) -> None:
    changed: list[str] = []

    def change(us: PrismaticClient, eu: PrismaticClient) -> None:
        values_id, external_id = _both_configured(us, eu, "sftp-drop", "username", same=True)
        connection = eu.connection("sftp-drop")
        current = eu.customer_values_by_id(values_id)
        assert connection is not None and current is not None
        eu.update_customer_values(current, {"username": "someone-else"}, connection=connection)
        changed.append(external_id)

    added, removed = _delta(fresh_sandbox, change)
    assert (added, removed) == ({("customer_value", "sftp-drop", changed[0], "username")}, set())


def test_deleting_a_customers_values_is_reported_once(fresh_sandbox: RunningSandbox) -> None:
    deleted: list[str] = []

    def delete(us: PrismaticClient, eu: PrismaticClient) -> None:
        values_id, external_id = _both_configured(us, eu, "customer-warehouse", "database",
                                                  same=True)
        eu.delete_customer_values(values_id)
        deleted.append(external_id)

    added, removed = _delta(fresh_sandbox, delete)
    assert added == {("customer_configured", "customer-warehouse", deleted[0], "")}
    # the values no longer compared were differences of that customer and connection only
    assert {(r[0], r[1], r[2]) for r in removed} <= {
        ("customer_value", "customer-warehouse", deleted[0])}


def test_a_connection_created_in_one_tenant_only_is_reported_once(
        fresh_sandbox: RunningSandbox) -> None:
    def create(us: PrismaticClient, eu: PrismaticClient) -> None:
        http = next(c for c in eu.components() if c.key == "http")
        basic = next(c for c in http.connections if c.key == "basic")
        eu.create_org_connection(basic, name="Partner portal", stable_key="partner-portal")

    added, removed = _delta(fresh_sandbox, create)
    assert (added, removed) == ({("connection_missing", "partner-portal", "", "")}, set())


def _add_customer(box: RunningSandbox, tenant: str, external_id: str, name: str) -> None:
    """Add a customer to a sandbox tenant's database.

    Prismatic creates customers with ``createCustomer``, which the sandbox does not serve (its
    schema is the subset orgconn uses), so this test writes the row the way the seed does.
    """
    with sqlite3.connect(tenant_path(box.data_dir, tenant)) as db:
        (pos,) = db.execute("SELECT COALESCE(MAX(heap_pos), 0) + 1 FROM customers").fetchone()
        db.execute("INSERT INTO customers VALUES (?, ?, '', ?, ?, 0, ?, ?, ?)",
                   (f"test-{external_id}", name, external_id, json.dumps([]),
                    "2026-01-01T00:00:00.000000+00:00", "2026-01-01T00:00:00.000000+00:00", pos))
    db.close()


def test_a_customer_in_one_tenant_only_is_reported_once(fresh_sandbox: RunningSandbox) -> None:
    def add(us: PrismaticClient, eu: PrismaticClient) -> None:
        _add_customer(fresh_sandbox, "us", "cust-new-1", "Brand New Customer")
        assert us.customer("cust-new-1") is not None  # the API serves it

    added, removed = _delta(fresh_sandbox, add)
    assert (added, removed) == ({("customer_missing", "", "cust-new-1", "")}, set())

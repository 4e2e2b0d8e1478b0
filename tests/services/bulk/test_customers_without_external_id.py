"""Customers without an external ID (created in Prismatic directly): a bulk row reaches them by
Prismatic ID in a ``customer_id`` column, and a template says it left them out."""

from __future__ import annotations

from orgconn.models import Customer, TenantData
from orgconn.services.bulk.issues import FileIssueKind
from orgconn.services.bulk.parse import read_upload
from orgconn.services.bulk.plan import BulkPlan, plan_upload
from orgconn.services.bulk.template import left_out, template_frame
from orgconn.store import BulkOptions
from tests.services.bulk.tenant import WAREHOUSE, snapshot

NO_ID = Customer(id="cust-prismatic-only", name="Old Mill Bakery")


def with_customer_without_external_id() -> TenantData:
    held = snapshot()
    return TenantData(connections=held.connections, customers=(*held.customers, NO_ID),
                          customer_values=held.customer_values)


def plan(text: str) -> BulkPlan:
    parsed = read_upload("upload.csv", text.encode())
    assert parsed.table is not None, parsed.issues
    return plan_upload(parsed.table, with_customer_without_external_id(),
                       BulkOptions(connection="customer-warehouse"), parsed.issues, tenant="us")


def test_a_customer_id_column_reaches_a_customer_without_an_external_id() -> None:
    found = plan("external_id,customer_id,host,port,password\n"
                 ",cust-prismatic-only,h,5432,x\nbeta,,h,5432,y\n")

    assert not found.issues
    by_row = {r.row_number: r for r in found.rows}
    assert by_row[2].action == "create" and by_row[2].customer == NO_ID
    assert by_row[2].external_id == "cust-prismatic-only"
    assert by_row[3].action == "create" and by_row[3].customer is not None
    assert by_row[3].customer.external_id == "beta"


def test_a_file_of_customer_ids_only_is_readable() -> None:
    found = plan("customer_id,host,port,password\ncust-prismatic-only,h,5432,x\n")
    assert not found.issues and [r.action for r in found.rows] == ["create"]


def test_an_unknown_customer_id_and_a_disagreeing_pair_are_refused_naming_the_column() -> None:
    found = plan("external_id,customer_id,host,port,password\n,nobody,h,1,x\n"
                 "beta,cust-prismatic-only,h,1,x\n")

    assert [(i.kind, i.row, i.column) for i in found.issues] == [
        (FileIssueKind.UNKNOWN_EXTERNAL_ID, 2, "customer_id"),
        (FileIssueKind.UNKNOWN_EXTERNAL_ID, 3, "customer_id")]
    assert "Prismatic ID nobody" in found.issues[0].message
    assert "keep one of the two" in found.issues[1].message


def test_the_same_customer_named_both_ways_is_a_duplicate() -> None:
    held = with_customer_without_external_id()
    beta = next(c for c in held.customers if c.external_id == "beta")
    found = plan(f"external_id,customer_id,host,port,password\nbeta,,h,1,x\n,{beta.id},h,1,x\n")
    assert [i.kind for i in found.issues] == [FileIssueKind.DUPLICATE]


def test_a_template_says_which_customers_it_left_out_and_why() -> None:
    held = with_customer_without_external_id()
    frame = template_frame(WAREHOUSE, held, missing_only=False)
    assert "Old Mill Bakery" not in set(frame["customer_name"])
    out, note = left_out(WAREHOUSE, held, missing_only=False)
    assert out == [NO_ID]
    assert note is not None and "Old Mill Bakery (cust-prismatic-only)" in note
    assert "without an external ID" in note and "customer_id column" in note
    assert left_out(WAREHOUSE, snapshot(), missing_only=True) == ([], None)

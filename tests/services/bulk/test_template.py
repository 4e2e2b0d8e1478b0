"""Templates: their columns and rows, secrets never prefilled, and a clean round trip."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from orgconn.services.bulk.parse import read_upload
from orgconn.services.bulk.plan import plan_upload
from orgconn.services.bulk.template import (
    TemplateFormat,
    column_guide,
    describe_columns,
    left_out_of_template,
    template_bytes,
    template_file_name,
    template_frame,
)
from orgconn.services.coverage import coverage_frame, gap_export
from orgconn.store import BulkOptions
from tests.services.bulk.tenant import OLD_SECRET, WAREHOUSE, snapshot


def test_columns_are_the_ids_then_the_per_customer_inputs_without_global_ones() -> None:
    frame = template_frame(WAREHOUSE, snapshot(), missing_only=False)

    assert list(frame.columns) == ["external_id", "customer_name", "host", "port", "password",
                                   "ssl", "options"]


def test_missing_only_lists_customers_without_values_or_with_a_required_input_empty() -> None:
    frame = template_frame(WAREHOUSE, snapshot(), missing_only=True)

    assert list(frame["external_id"]) == ["beta", "gamma", "delta"]
    assert frame.set_index("external_id").loc["gamma", "host"] == "gamma.example.com"


def test_all_lists_every_customer_with_plain_values_filled_in_and_secrets_empty() -> None:
    frame = template_frame(WAREHOUSE, snapshot(), missing_only=False).set_index("external_id")

    assert list(frame.index) == ["alpha", "beta", "gamma", "delta"]
    assert (frame.loc["alpha", "host"], frame.loc["alpha", "ssl"]) == ("old.example.com", "true")
    assert frame.loc["alpha", "password"] == "" and OLD_SECRET not in frame.to_csv()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_uploaded_back_untouched_plans_nothing_to_send(fmt: TemplateFormat) -> None:
    content = template_bytes(template_frame(WAREHOUSE, snapshot(), missing_only=False), fmt,
                             column_guide(WAREHOUSE))
    parsed = read_upload(template_file_name("us", "customer-warehouse", missing_only=False,
                                            fmt=fmt), content)
    assert parsed.table is not None
    plan = plan_upload(parsed.table, snapshot(), BulkOptions(
        connection="customer-warehouse", overwrite=True), parsed.issues)

    assert {r.external_id: r.action for r in plan.rows} == {
        "alpha": "unchanged", "beta": "skip", "gamma": "unchanged", "delta": "skip"}
    assert not plan.issues


def test_the_file_name_says_tenant_connection_and_which_rows() -> None:
    assert template_file_name("eu", "sftp-drop", missing_only=True, fmt="xlsx") == \
        "bulk-eu-sftp-drop-missing.xlsx"


def test_the_column_guide_says_which_columns_are_required_and_what_each_takes() -> None:
    guide = {g.column: g for g in column_guide(WAREHOUSE)}

    assert list(guide) == ["external_id", "customer_name", "host", "port", "password", "ssl",
                           "options"]
    assert [c for c, g in guide.items() if g.required] == ["external_id", "host", "port",
                                                           "password"]
    assert guide["port"].describe() == "port (Port): required · a port number from 1 to 65535"
    assert guide["ssl"].describe() == "ssl (Use SSL): optional · true or false"
    assert "JSON" in guide["options"].takes and "ignored" in guide["customer_name"].takes
    assert describe_columns(column_guide(WAREHOUSE))[0].startswith("external_id: required")


def test_the_xlsx_template_notes_each_header_and_offers_true_or_false_for_booleans() -> None:
    frame = template_frame(WAREHOUSE, snapshot(), missing_only=False)
    content = template_bytes(frame, "xlsx", column_guide(WAREHOUSE))

    sheet = openpyxl.load_workbook(io.BytesIO(content))["customers"]
    notes = {cell.value: cell.comment.text if cell.comment else None for cell in sheet[1]}
    assert notes["host"] == "host (Host): required · text"
    assert notes["ssl"] == "ssl (Use SSL): optional · true or false"
    lists = sheet.data_validations.dataValidation
    assert [(v.type, v.formula1, str(v.sqref).split(":")[0]) for v in lists] == [
        ("list", '"true,false"', "F2")]
    assert read_upload("t.xlsx", content).table is not None  # the notes do not disturb reading
def test_a_lacking_values_template_covers_every_gap_but_those_it_says_it_leaves_out() -> None:
    tenant = snapshot()
    gaps = gap_export(coverage_frame("us", tenant))
    gaps = gaps[gaps["stable_key"] == WAREHOUSE.stable_key]
    covered = gaps.drop(left_out_of_template(gaps).index)
    frame = template_frame(WAREHOUSE, tenant, missing_only=True)
    assert list(frame["external_id"]) == list(covered["customer_external_id"])


def test_error_rows_and_customers_without_external_id_are_left_out_saying_why() -> None:
    gaps = pd.DataFrame({"customer_external_id": ["a", "b", "", "c"],
                         "status": ["missing", "error", "missing", "incomplete"]})
    left_out = left_out_of_template(gaps)
    assert list(left_out.index) == [1, 2]
    assert "reports an error" in left_out.loc[1, "why"]
    assert "no external ID" in left_out.loc[2, "why"]

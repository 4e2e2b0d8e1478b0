"""The dry run on a hand-made tenant: each kind of problem, and each row's action."""

from __future__ import annotations

import pytest

from orgconn.services.bulk.issues import FileIssue, FileIssueKind, grouped, issues_frame, summary
from orgconn.services.bulk.parse import read_upload
from orgconn.services.bulk.plan import BulkPlan, plan_frame, plan_upload, planned_rows
from orgconn.store import BulkOptions
from tests.services.bulk.tenant import NEW_SECRET, OLD_SECRET, snapshot

WAREHOUSE = BulkOptions(connection="customer-warehouse")


def plan(text: str, options: BulkOptions = WAREHOUSE, *, hidden_secrets: bool = False
         ) -> BulkPlan:
    parsed = read_upload("upload.csv", text.encode())
    assert parsed.table is not None, parsed.issues
    return plan_upload(parsed.table, snapshot(hidden_secrets=hidden_secrets), options,
                       parsed.issues, tenant="us")


def only(found: BulkPlan, kind: FileIssueKind) -> FileIssue:
    assert [i.kind for i in found.issues] == [kind], found.issues
    return found.issues[0]


def actions(found: BulkPlan) -> dict[str, str]:
    return {r.external_id: r.action for r in found.rows}


# --- one test per kind of problem ---------------------------------------------------------

def test_an_unknown_external_id_names_the_row_and_the_id() -> None:
    found = plan("external_id,host,port,password\nnobody,h,1,x\nbeta,h,1,x\n")

    issue = only(found, FileIssueKind.UNKNOWN_EXTERNAL_ID)
    assert (issue.row, issue.column) == (2, "external_id")
    assert "nobody" in issue.message and "Row 2" in issue.message
    assert actions(found) == {"nobody": "invalid", "beta": "create"}


def test_an_empty_external_id_says_to_fill_it_in_or_delete_the_row() -> None:
    issue = only(plan("external_id,host\n,h\n"), FileIssueKind.UNKNOWN_EXTERNAL_ID)
    assert "empty" in issue.message and "delete the row" in issue.message


def test_an_unknown_column_suggests_the_input_it_resembles_and_lists_the_inputs() -> None:
    found = plan("external_id,hots,host,port,password\nbeta,h,h,1,x\ndelta,,h,1,x\n")

    issue = only(found, FileIssueKind.UNKNOWN_COLUMN)
    assert (issue.row, issue.column) == (1, "hots")
    assert "Did you mean host?" in issue.message and "options, password" in issue.message
    assert actions(found) == {"beta": "invalid", "delta": "create"}  # delta left it empty


def test_a_global_input_in_the_file_says_it_is_set_on_the_connection() -> None:
    found = plan("external_id,host,port,password,region\nbeta,h,1,x,us-east-1\n")

    issue = only(found, FileIssueKind.GLOBAL_INPUT)
    assert issue.column == "region" and "Delete the column" in issue.message
    assert actions(found) == {"beta": "invalid"}


def test_a_required_value_missing_names_the_input_on_a_row_that_creates_values() -> None:
    found = plan("external_id,host,port,password\nbeta,h,5432,\n")

    issue = only(found, FileIssueKind.REQUIRED)
    assert (issue.row, issue.column) == (2, "password")
    assert "Password is required" in issue.message


def test_a_bad_type_uses_the_forms_validator_and_never_quotes_a_secret() -> None:
    found = plan(f"external_id,host,port,password,ssl,options\nbeta,h,5432,{NEW_SECRET},maybe,"
                 "{oops\n")

    assert [(i.kind, i.column) for i in found.issues] == [
        (FileIssueKind.BAD_TYPE, "ssl"), (FileIssueKind.BAD_TYPE, "options")]
    assert "true or false" in found.issues[0].message
    assert all(NEW_SECRET not in i.message for i in found.issues)


def test_a_value_unlike_its_inputs_name_is_a_row_warning_that_never_blocks_it() -> None:
    found = plan("external_id,host,port,password\nbeta,h,70000,x\ndelta,h,5432,y\n")

    assert not found.issues and actions(found) == {"beta": "create", "delta": "create"}
    assert found.warnings == [(2, "port: Port does not look like a port number from 1 to 65535 "
                                  "(from its name); it is saved as typed: check it.")]
    shown = plan_frame(found).set_index("external_id")["warnings"]
    assert "port number" in shown["beta"] and shown["delta"] == ""
    assert found.rows[0].values["port"] == "70000"


def test_two_rows_for_one_customer_and_connection_are_both_left_out() -> None:
    found = plan("external_id,host,port,password\nbeta,h,1,x\ndelta,h,1,x\nbeta,h,2,y\n")

    issue = only(found, FileIssueKind.DUPLICATE)
    assert issue.row == 4 and "row 2 is already for customer beta" in issue.message
    assert [r.action for r in found.rows] == ["invalid", "create", "invalid"]


def test_an_unknown_connection_in_a_stable_key_column_lists_the_tenants_connections() -> None:
    found = plan("stable_key,external_id,host\nno-such-thing,beta,h\n", BulkOptions())

    issue = only(found, FileIssueKind.UNKNOWN_CONNECTION)
    assert "acme-api-key, customer-warehouse" in issue.message


def test_a_file_naming_no_connection_says_to_choose_one() -> None:
    found = plan("external_id,host\nbeta,h\n", BulkOptions())

    issue = only(found, FileIssueKind.UNKNOWN_CONNECTION)
    assert issue.row is None and "stable_key column" in issue.message


def test_problems_are_grouped_by_kind_in_a_fixed_order_with_a_summary() -> None:
    found = plan("external_id,host,port,password,ssl\nnobody,h,1,x,true\nbeta,h,1,y,x\n"
                 "gamma,h,1,z,maybe\n")

    groups = grouped(found.issues)
    assert list(groups) == [FileIssueKind.UNKNOWN_EXTERNAL_ID, FileIssueKind.BAD_TYPE]
    assert [i.row for i in groups[FileIssueKind.BAD_TYPE]] == [3, 4]
    assert summary(found.issues) == "3 problems: 1 unknown external ID, 2 bad type"
    assert list(issues_frame(found.issues)["row"]) == [2, 3, 4]


# --- what each row does --------------------------------------------------------------------

def test_a_customer_without_values_gets_a_create_with_secrets_only_as_set() -> None:
    found = plan(f"external_id,host,port,password,ssl\nbeta,db.example.com,5432,{NEW_SECRET},yes\n")

    row, = found.rows
    assert row.action == "create" and not found.issues
    assert [c.describe() for c in row.changes] == [
        "host = db.example.com", "port = 5432", "password (secret set)", "ssl = true"]
    assert NEW_SECRET not in plan_frame(found).to_csv() + repr(found)


def test_without_overwrite_a_row_only_fills_inputs_that_have_no_value() -> None:
    found = plan("external_id,host,port,password\ngamma,new.example.com,6543,pw-gamma\n"
                 f"alpha,new.example.com,6543,{NEW_SECRET}\n")

    gamma, alpha = found.rows
    assert gamma.action == "update" and gamma.kept == ("host",)
    assert [c.name for c in gamma.changes] == ["port", "password"]
    assert alpha.action == "unchanged" and alpha.kept == ("host", "port", "password")
    assert "overwrite is off" in alpha.message


def test_with_overwrite_every_non_blank_cell_replaces_the_value_and_blanks_clear_nothing() -> None:
    found = plan(f"external_id,host,port,password,ssl\nalpha,new.example.com,,{NEW_SECRET},\n",
                 BulkOptions(connection="customer-warehouse", overwrite=True))

    row, = found.rows
    assert row.action == "update"
    assert [c.describe() for c in row.changes] == [
        "host: old.example.com → new.example.com", "password (secret changed)"]


def test_values_already_there_after_normalising_are_unchanged_even_with_overwrite() -> None:
    found = plan(f"external_id,host,port,password,ssl\nalpha, old.example.com ,5432,{OLD_SECRET},"
                 "Yes\n", BulkOptions(connection="customer-warehouse", overwrite=True))

    assert actions(found) == {"alpha": "unchanged"}


def test_a_row_without_values_for_a_customer_without_values_is_skipped() -> None:
    found = plan("external_id,customer_name,host,port,password\nbeta,Beta Inc.,,,\n")

    assert actions(found) == {"beta": "skip"} and not found.issues


def test_an_update_leaving_a_required_input_empty_is_refused_not_half_applied() -> None:
    found = plan("external_id,host,ssl\ngamma,,true\n")

    assert actions(found) == {"gamma": "invalid"}
    assert {i.column for i in found.issues} == {"port", "password"}


def test_several_connections_in_one_file_each_row_checked_against_its_own() -> None:
    found = plan("stable_key,external_id,host,port,password,apiKey,timeoutSeconds\n"
                 f"customer-warehouse,beta,h,1,{NEW_SECRET},,\n"
                 f"acme-api-key,beta,,,,{NEW_SECRET},45\n"
                 "acme-api-key,alpha,,,,,60\n"
                 "acme-api-key,delta,h,,,x,\n", BulkOptions(overwrite=True))

    assert [(r.stable_key, r.action) for r in found.rows] == [
        ("customer-warehouse", "create"), ("acme-api-key", "create"),
        ("acme-api-key", "update"), ("acme-api-key", "invalid")]
    issue = only(found, FileIssueKind.UNKNOWN_COLUMN)
    assert issue.row == 5 and "host is not an input of Acme API key" in issue.message


def test_a_hidden_secret_must_be_given_for_an_update_that_sends_every_input() -> None:
    found = plan("external_id,host\nalpha,new.example.com\n",
                 BulkOptions(connection="customer-warehouse", overwrite=True),
                 hidden_secrets=True)

    issue = only(found, FileIssueKind.REQUIRED)
    assert "password" in issue.message and "give a value" in issue.message


def test_totals_count_every_action() -> None:
    found = plan("external_id,host,port,password\nalpha,,,\nbeta,h,1,x\ngamma,,2,y\n"
                 "delta,,,\nnobody,h,1,x\n")

    assert found.totals() == {"create": 1, "update": 1, "unchanged": 1, "skip": 1,
                              "invalid": 1}


def test_rows_for_the_store_keep_secret_fingerprints_never_values() -> None:
    found = plan(f"external_id,host,port,password\nbeta,h,1,{NEW_SECRET}\n")

    row, = planned_rows(found, key=b"test-key")
    assert row.action == "create" and row.row_number == 2
    password = next(c for c in row.changed_inputs if c.name == "password")
    assert password.secret and password.fingerprint and NEW_SECRET not in row.model_dump_json()


@pytest.mark.parametrize("valid_only", [False, True])
def test_the_plan_of_a_file_with_problems_is_the_same_whatever_valid_only_says(
        valid_only: bool) -> None:
    options = BulkOptions(connection="customer-warehouse", valid_only=valid_only)
    found = plan("external_id,host,port,password\nnobody,h,1,x\nbeta,h,1,x\n", options)

    assert actions(found) == {"nobody": "invalid", "beta": "create"} and found.has_errors

"""Reading uploaded files: CSV dialects and encodings, XLSX, and the file-level problems."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from orgconn.services.bulk.issues import FileIssueKind
from orgconn.services.bulk.parse import BulkLimits, read_upload

ROWS = [["external_id", "customer_name", "host", "port"],
        ["alpha", "Alpha Inc.", "db.example.com", "5432"],
        ["beta", "Beta; Co, Ltd", "", "6543"]]


def as_csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    for row in rows:
        out.write(delimiter.join(f'"{c}"' if delimiter in c or "," in c or ";" in c else c
                                 for c in row) + "\r\n")
    return out.getvalue()


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_csv_separated_by_commas_semicolons_or_tabs_with_or_without_bom_reads_the_same(
        delimiter: str, bom: bytes) -> None:
    parsed = read_upload("values.csv", bom + as_csv(ROWS, delimiter).encode())

    assert parsed.issues == () and parsed.table is not None
    assert parsed.table.columns == tuple(ROWS[0])
    assert [dict(r.cells) for r in parsed.table.rows] == [dict(zip(ROWS[0], r, strict=True))
                                                          for r in ROWS[1:]]
    assert [r.number for r in parsed.table.rows] == [2, 3]


def test_an_xlsx_workbook_reads_numbers_and_booleans_as_a_person_would_type_them() -> None:
    parsed = read_upload("values.xlsx", xlsx([["external_id", "port", "ssl", "timeout"],
                                              ["alpha", 5432, True, 2.5]]))

    assert parsed.table is not None and parsed.issues == ()
    assert dict(parsed.table.rows[0].cells) == {"external_id": "alpha", "port": "5432",
                                                "ssl": "true", "timeout": "2.5"}


def test_the_apostrophe_an_export_puts_before_a_formula_character_is_taken_off() -> None:
    parsed = read_upload("t.csv", b"external_id,note\n'=alpha,'-5\nbeta,'plain\n")

    assert parsed.table is not None
    assert [r.cell("external_id") for r in parsed.table.rows] == ["=alpha", "beta"]
    assert [r.cell("note") for r in parsed.table.rows] == ["-5", "'plain"]


def test_blank_rows_are_left_out_and_reserved_columns_match_however_they_are_written() -> None:
    parsed = read_upload("t.csv", b"External ID , Customer Name,host\n\n,,\nalpha,A,h\n")

    assert parsed.table is not None and parsed.issues == ()
    assert parsed.table.columns == ("external_id", "customer_name", "host")
    assert [r.number for r in parsed.table.rows] == [4]


def test_an_empty_file_says_to_fill_in_a_template() -> None:
    for content in (b"", b"\xef\xbb\xbf\r\n\r\n", b" , ,\n"):
        parsed = read_upload("t.csv", content)
        assert parsed.table is None
        assert [i.kind for i in parsed.issues] == [FileIssueKind.EMPTY_FILE]
        assert "template" in parsed.issues[0].message


def test_a_header_without_rows_is_an_empty_file_too() -> None:
    parsed = read_upload("t.csv", b"external_id,host\n")

    assert parsed.table is None
    assert [i.kind for i in parsed.issues] == [FileIssueKind.EMPTY_FILE]


def test_a_file_that_is_not_utf8_says_on_which_line_and_how_to_save_it() -> None:
    content = "external_id,name\nalpha,Zürich\n".encode("latin-1")
    parsed = read_upload("t.csv", content)

    assert parsed.table is None
    issue, = parsed.issues
    assert issue.kind is FileIssueKind.UNREADABLE
    assert "line 2" in issue.message and "CSV UTF-8" in issue.message


@pytest.mark.parametrize(("name", "content"), [
    ("t.csv", "external_id\nalpha\n".encode("utf-16")),
    ("t.xls", b"\xd0\xcf\x11\xe0 old excel"),
    ("t.xlsx", b"PK\x03\x04 not really a workbook"),
    ("t.csv", b"external_id\x00\x00\x01\x02"),
])
def test_files_orgconn_cannot_read_say_what_to_save_them_as(name: str, content: bytes) -> None:
    parsed = read_upload(name, content)

    assert parsed.table is None
    assert [i.kind for i in parsed.issues] == [FileIssueKind.UNREADABLE]
    assert ".xlsx" in parsed.issues[0].message


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read() -> None:
    parsed = read_upload("t.csv", b"external_id\n" + b"x\n" * 600, BulkLimits(max_bytes=1000))

    assert parsed.table is None
    assert [i.kind for i in parsed.issues] == [FileIssueKind.TOO_LARGE]
    assert "larger than 1.0 kB, the most accepted" in parsed.issues[0].message


def test_a_file_over_the_row_limit_is_refused_and_says_the_limit() -> None:
    content = b"external_id\n" + b"".join(b"c%d\n" % n for n in range(11))
    parsed = read_upload("t.csv", content, BulkLimits(max_rows=10))

    assert parsed.table is None
    issue, = parsed.issues
    assert issue.kind is FileIssueKind.TOO_LARGE and "more than 10 rows" in issue.message
    assert "at most 10" in issue.message


def test_a_file_without_an_external_id_column_names_the_missing_column() -> None:
    parsed = read_upload("t.csv", b"customer,host\nalpha,h\n")

    assert parsed.table is None
    issue, = parsed.issues
    assert issue.kind is FileIssueKind.MISSING_COLUMN and "external_id" in issue.message


def test_values_under_a_column_without_a_name_are_an_unknown_column() -> None:
    parsed = read_upload("t.csv", b"external_id,host\nalpha,h\nbeta,h,stray\n")

    assert parsed.table is not None
    issue, = parsed.issues
    assert issue.kind is FileIssueKind.UNKNOWN_COLUMN and issue.row == 1
    assert "Column C" in issue.message and "row 3" in issue.message
    assert parsed.table.rows[1].cell("(column C)") == "stray"


def test_a_column_named_twice_is_reported_with_both_letters() -> None:
    parsed = read_upload("t.csv", b"external_id,host,host\nalpha,a,b\n")

    issue, = parsed.issues
    assert issue.kind is FileIssueKind.UNKNOWN_COLUMN and issue.column == "host"
    assert "columns B and C" in issue.message


def test_the_cells_of_a_row_never_show_in_its_repr() -> None:
    parsed = read_upload("t.csv", b"external_id,password\nalpha,canary-secret-value\n")

    assert parsed.table is not None
    assert "canary-secret-value" not in repr(parsed.table) + repr(parsed.table.rows[0])

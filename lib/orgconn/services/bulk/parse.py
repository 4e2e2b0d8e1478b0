"""Reading an uploaded file into a table of text cells, or saying why it cannot be read.

Accepted: CSV in UTF-8, with or without a byte-order mark, separated by commas, semicolons or
tabs (sniffed from the header line), and XLSX workbooks (the first sheet). Everything else gets
an ``unreadable encoding`` issue that says how to save the file.

Bounded: the limits (`orgconn.config.BulkLimits`, the ``[bulk]`` configuration table) are
checked while reading, row by row, before the work grows. The file's bytes come first; a
workbook's parts must not unpack to more than `BulkLimits.max_unpacked_bytes` (checked on the
zip's declared sizes, which bound what is unpacked); rows are streamed (`xlsx`: expat, no
document type declarations, so no entity expansion) and reading stops at the first row over
``max_rows`` (or `BulkLimits.max_scanned_rows` counting blank ones) or with a value beyond
column ``max_columns``, or past `BulkLimits.max_values` values in all. Each refuses the
whole file with one issue. A value longer than
``max_value_chars`` is a problem of its row only (the row is invalid, the value dropped). A
workbook orgconn cannot read, however it fails, is one ``unreadable encoding`` issue.

Cells are kept as text: XLSX numbers and booleans are written as a person would type them
(``5432``, ``true``); a leading apostrophe that orgconn's exports put before ``=+-@`` is taken
off again, so a downloaded template uploads back unchanged. Column names are stripped; the
reserved columns (`EXTERNAL_ID`, `CUSTOMER_ID`, `CUSTOMER_NAME`, `STABLE_KEY`) are matched
ignoring case and with spaces read as underscores (``External ID`` works). Rows whose cells are
all blank are left out. Nothing here knows connections: `plan` checks the columns against them.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import zipfile
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from orgconn.config import BulkLimits
from orgconn.services.bulk.issues import FileIssue, FileIssueKind, FileRefused, column_letter
from orgconn.services.bulk.xlsx import DAMAGED, sheet_rows

__all__ = ["BulkLimits", "ParseResult", "UploadedRow", "UploadedTable", "file_sha256",
           "read_upload"]

EXTERNAL_ID = "external_id"
CUSTOMER_ID = "customer_id"  # the Prismatic ID, for customers without an external ID
CUSTOMER_NAME = "customer_name"
STABLE_KEY = "stable_key"
RESERVED = (EXTERNAL_ID, CUSTOMER_ID, CUSTOMER_NAME, STABLE_KEY)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ZIP_MAGIC = b"PK\x03\x04"
_MAX_ZIP_MEMBERS = 10_000  # a workbook has a few dozen parts


@dataclass(frozen=True)
class UploadedRow:
    """One customer row: its spreadsheet row number and its cells by column name."""

    number: int
    cells: Mapping[str, str] = field(repr=False)  # may hold secret values: never shown

    def cell(self, column: str) -> str:
        """The cell's text ("" when the row has no such cell)."""
        return self.cells.get(column, "")


@dataclass(frozen=True)
class UploadedTable:
    """A readable file: its name, content hash, column names in order, and non-blank rows."""

    file_name: str
    sha256: str
    columns: tuple[str, ...]
    rows: tuple[UploadedRow, ...] = field(repr=False)

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The columns that are not reserved: connection inputs, or mistakes."""
        return tuple(c for c in self.columns if c not in RESERVED)

    @property
    def has_customer_id(self) -> bool:
        """Whether rows may name their customer by Prismatic ID in a ``customer_id`` column."""
        return CUSTOMER_ID in self.columns

    @property
    def has_stable_key(self) -> bool:
        """Whether rows name their connection in a ``stable_key`` column."""
        return STABLE_KEY in self.columns


@dataclass(frozen=True)
class ParseResult:
    """The table (None when the file cannot be used at all) and the problems found reading it."""

    table: UploadedTable | None
    issues: tuple[FileIssue, ...] = ()


def file_sha256(content: bytes) -> str:
    """The SHA-256 of a file's bytes: with the options, what identifies a bulk job."""
    return hashlib.sha256(content).hexdigest()


def read_upload(file_name: str, content: bytes, limits: BulkLimits | None = None
                ) -> ParseResult:
    """Read an uploaded CSV or XLSX file within ``limits``; never raises for a bad file
    (issues say why: one whole-file issue, or header and per-row issues with the table).

    A caller reading a file may stop at ``limits.max_bytes + 1`` bytes: that is refused alike.
    """
    limits = limits or BulkLimits()
    if len(content) > limits.max_bytes:  # callers may pass only the first max_bytes + 1
        return _refused(FileIssueKind.TOO_LARGE, (
            f"The file is larger than {_size(limits.max_bytes)}, the most accepted. Split it "
            f"into several files (at most {limits.max_rows:,} rows each)."))
    is_xlsx = content.startswith(_ZIP_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm"))
    if file_name.lower().endswith(".xls") and not is_xlsx:
        return _refused(FileIssueKind.UNREADABLE, (
            "Old .xls workbooks cannot be read: save the file as .xlsx or as CSV UTF-8."))
    rows = _xlsx_rows(content, limits) if is_xlsx else _csv_rows(content, limits)
    try:
        with contextlib.closing(rows):
            lines, row_issues = _bounded_lines(rows, limits)
    except FileRefused as refused:
        return ParseResult(None, (refused.issue,))
    return _table(file_name, file_sha256(content), lines, row_issues)


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.1f} kB"


def _refused(kind: FileIssueKind, message: str) -> ParseResult:
    return ParseResult(None, (FileIssue(kind, message),))


Line = tuple[int, list[str]]  # a spreadsheet row number and its cells


def _bounded_lines(rows: Iterator[Line], limits: BulkLimits
                   ) -> tuple[list[Line], list[FileIssue]]:
    """The non-blank rows, read one at a time and stopped at the first limit passed."""
    lines: list[Line] = []
    issues: list[FileIssue] = []
    values = 0
    for number, row in rows:
        if number > limits.max_scanned_rows:
            raise FileRefused(FileIssueKind.TOO_LARGE, (
                f"The sheet goes on past row {limits.max_scanned_rows:,} (blank rows included); "
                f"at most {limits.max_rows:,} customer rows are accepted. Delete the empty rows "
                "below the data, or split the file."))
        width = next((i + 1 for i in range(len(row) - 1, -1, -1) if row[i].strip()), 0)
        if not width:
            continue
        if width > limits.max_columns:
            raise FileRefused(FileIssueKind.TOO_LARGE, (
                f"Row {number} has a value in column {column_letter(width - 1)} (column "
                f"{width:,}); at most {limits.max_columns:,} columns are accepted. Delete the "
                "columns that are not input keys."))
        if len(lines) > limits.max_rows:  # the header and max_rows rows are in already
            raise FileRefused(FileIssueKind.TOO_LARGE, (
                f"The file has more than {limits.max_rows:,} rows; at most "
                f"{limits.max_rows:,} are accepted. Split it into several files."))
        cells = row[:width]
        values += sum(1 for cell in cells if cell)
        if values > limits.max_values:
            raise FileRefused(FileIssueKind.TOO_LARGE, (
                f"The file has more than {limits.max_values:,} values (row {number} passes "
                f"that); at most {limits.max_rows:,} rows of 50 values are accepted. Split it "
                "into several files."))
        for index, cell in enumerate(cells):
            if len(cell) > limits.max_value_chars:
                cells[index] = ""  # never kept, never sent: the row is invalid
                issues.append(_too_long(number, index, len(cell), lines, limits))
        lines.append((number, [_unneutralize(c) for c in cells]))
    return lines, issues


def _too_long(number: int, index: int, length: int, lines: list[Line], limits: BulkLimits
              ) -> FileIssue:
    """The issue of a value over ``max_value_chars``; in the header it refuses the file."""
    letter = column_letter(index)
    if not lines:
        raise FileRefused(FileIssueKind.TOO_LARGE, (
            f"The header's column {letter} is {length:,} characters long: the first row "
            "must name the columns (external_id, then input keys)."))
    header = lines[0][1]
    name = _column_name(header[index]) if index < len(header) else ""
    return FileIssue(FileIssueKind.TOO_LONG, (
        f"Row {number}: the value in column {name or letter} is {length:,} characters long; "
        f"at most {limits.max_value_chars:,} are accepted (no credential is that long). "
        "Correct the cell, or leave it empty."), row=number, column=name or f"(column {letter})")


def _csv_rows(content: bytes, limits: BulkLimits) -> Generator[Line, None, None]:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(FileIssueKind.UNREADABLE, (
            "The file is UTF-16 text: save it as “CSV UTF-8” (Excel: File › Save As › "
            "CSV UTF-8) or as .xlsx, and upload it again."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        raise FileRefused(FileIssueKind.UNREADABLE, (
            f"The file is not UTF-8 text (the first unreadable character is on line {line}). "
            "Save it as “CSV UTF-8” (Excel: File › Save As › CSV UTF-8) or as .xlsx, and "
            "upload it again.")) from None
    if "\x00" in text:
        raise FileRefused(FileIssueKind.UNREADABLE, (
            "The file is not a CSV text file: upload a .csv (UTF-8) or an .xlsx file."))
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to tell: commas
    # csv's own field limit (a process-wide setting, 128 kB by default) would refuse the
    # whole file; no field is longer than the file, and `_bounded_lines` judges each value
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_bytes))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileRefused(FileIssueKind.UNREADABLE, (
            f"The CSV cannot be read near line {reader.line_num} ({exc}): check the quotes "
            "on that line, or save the file again from a spreadsheet.")) from None


def _xlsx_rows(content: bytes, limits: BulkLimits) -> Generator[Line, None, None]:
    """The first worksheet's rows, after refusing a workbook that would unpack too far.

    The declared sizes bound what is unpacked: Python's zipfile stops a part at its declared
    size (and fails its CRC check), so a part that lies about its size is unreadable.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(FileIssueKind.UNREADABLE, DAMAGED) from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(part.file_size for part in parts)
        if len(parts) > _MAX_ZIP_MEMBERS or unpacked > limits.max_unpacked_bytes:
            raise FileRefused(FileIssueKind.TOO_LARGE, (
                f"The workbook unpacks to {_size(unpacked)} in {len(parts):,} parts; at most "
                f"{_size(limits.max_unpacked_bytes)} is read, so it was refused before "
                "unpacking. Save it as CSV UTF-8, or split it into several files."))
        yield from sheet_rows(archive, limits)


def _unneutralize(text: str) -> str:
    """Take off the apostrophe an export put before a formula character."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def _column_name(text: str) -> str:
    name = text.strip()
    reserved = name.lower().replace(" ", "_")
    return reserved if reserved in RESERVED else name


def _table(file_name: str, sha: str, lines: list[Line], row_issues: list[FileIssue]
           ) -> ParseResult:
    if not lines:
        return _refused(FileIssueKind.EMPTY_FILE, (
            "The file is empty: download a template, add one row per customer under its "
            "header, and upload it again."))
    header_number, header = lines[0]
    body = lines[1:]
    width = max(len(cells) for _, cells in lines)
    names = [_column_name(c) for c in header] + [""] * (width - len(header))
    issues = _header_issues(names, header_number)
    if EXTERNAL_ID not in names and CUSTOMER_ID not in names:
        issues.append(FileIssue(FileIssueKind.MISSING_COLUMN, (
            "The header has no external_id column: the first row must name the columns, "
            "starting with external_id (the customer's external ID; or customer_id, its "
            "Prismatic ID, for customers without one)."), row=header_number))
    if not body:
        issues.append(FileIssue(FileIssueKind.EMPTY_FILE, (
            "The file has a header but no customer rows: add one row per customer under it.")))
    if any(i.kind in (FileIssueKind.MISSING_COLUMN, FileIssueKind.EMPTY_FILE) for i in issues):
        return ParseResult(None, tuple(issues))
    for index, name in enumerate(names):
        used = next((n for n, cells in body if index < len(cells) and cells[index].strip()), None)
        if not name and used is not None:
            letter = column_letter(index)
            names[index] = f"(column {letter})"
            issues.append(FileIssue(FileIssueKind.UNKNOWN_COLUMN, (
                f"Column {letter} has no name in row {header_number} but row {used} has a value "
                "there: name the column (an input key) or empty its cells."),
                row=header_number, column=names[index]))
    rows = tuple(UploadedRow(number=number, cells={
        name: cell for name, cell in zip(names, cells, strict=False) if name})
        for number, cells in body)
    columns = tuple(dict.fromkeys(n for n in names if n))
    return ParseResult(UploadedTable(file_name, sha, columns, rows), (*issues, *row_issues))


def _header_issues(names: list[str], header_row: int) -> list[FileIssue]:
    issues = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        letter = column_letter(index)
        if not name:
            continue
        if name in seen:
            issues.append(FileIssue(FileIssueKind.UNKNOWN_COLUMN, (
                f"Column {name} appears twice (columns {column_letter(seen[name])} and "
                f"{letter}): keep one of them."), row=header_row, column=name))
        seen.setdefault(name, index)
    return issues

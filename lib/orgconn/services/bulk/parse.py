"""Reading an uploaded file into a table of text cells, or saying why it cannot be read.

Accepted: CSV in UTF-8, with or without a byte-order mark, separated by commas, semicolons or
tabs (sniffed from the header line), and XLSX workbooks (the first sheet). Everything else gets
an ``unreadable encoding`` issue that says how to save the file. Limits (bytes and rows) come
from `BulkLimits`; ``ORGCONN_BULK_MAX_BYTES`` and ``ORGCONN_BULK_MAX_ROWS`` change them.

Cells are kept as text: XLSX numbers and booleans are written as a person would type them
(``5432``, ``true``); a leading apostrophe that orgconn's exports put before ``=+-@`` is taken
off again, so a downloaded template uploads back unchanged. Column names are stripped; the
reserved columns (`EXTERNAL_ID`, `CUSTOMER_NAME`, `STABLE_KEY`) are matched ignoring case and
with spaces read as underscores (``External ID`` works). Rows whose cells are all blank are left
out. Nothing here knows connections: `plan` checks the columns against them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orgconn.services.bulk.issues import FileIssue, FileIssueKind

EXTERNAL_ID = "external_id"
CUSTOMER_NAME = "customer_name"
STABLE_KEY = "stable_key"
RESERVED = (EXTERNAL_ID, CUSTOMER_NAME, STABLE_KEY)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class BulkLimits:
    """The largest file accepted: ``max_bytes`` of content and ``max_rows`` customer rows."""

    max_bytes: int = 5_000_000
    max_rows: int = 20_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BulkLimits:
        """The limits, overridden by ``ORGCONN_BULK_MAX_BYTES`` / ``ORGCONN_BULK_MAX_ROWS``.

        Raises ValueError naming the variable when one is not a positive whole number.
        """
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for name, attr in (("ORGCONN_BULK_MAX_BYTES", "max_bytes"),
                           ("ORGCONN_BULK_MAX_ROWS", "max_rows")):
            text = (env.get(name) or "").strip()
            if text:
                if not text.isdigit() or int(text) < 1:
                    raise ValueError(f"{name} must be a positive whole number (got {text!r})")
                values[attr] = int(text)
        return cls(**values)


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
    """Read an uploaded CSV or XLSX file; never raises for a bad file (issues say why)."""
    limits = limits or BulkLimits()
    if len(content) > limits.max_bytes:
        return _refused(FileIssueKind.TOO_LARGE, (
            f"The file is {_size(len(content))}; at most {_size(limits.max_bytes)} is "
            f"accepted. Split it into several files (at most {limits.max_rows:,} rows each)."))
    is_xlsx = content.startswith(_ZIP_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm"))
    if file_name.lower().endswith(".xls") and not is_xlsx:
        return _refused(FileIssueKind.UNREADABLE, (
            "Old .xls workbooks cannot be read: save the file as .xlsx or as CSV UTF-8."))
    grid = _xlsx_grid(content) if is_xlsx else _csv_grid(content)
    if isinstance(grid, FileIssue):
        return ParseResult(None, (grid,))
    return _table(file_name, file_sha256(content), grid, limits)


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.1f} kB"


def _refused(kind: FileIssueKind, message: str) -> ParseResult:
    return ParseResult(None, (FileIssue(kind, message),))


def _csv_grid(content: bytes) -> list[list[str]] | FileIssue:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return FileIssue(FileIssueKind.UNREADABLE, (
            "The file is UTF-16 text: save it as “CSV UTF-8” (Excel: File › Save As › "
            "CSV UTF-8) or as .xlsx, and upload it again."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        return FileIssue(FileIssueKind.UNREADABLE, (
            f"The file is not UTF-8 text (the first unreadable character is on line {line}). "
            "Save it as “CSV UTF-8” (Excel: File › Save As › CSV UTF-8) or as .xlsx, and "
            "upload it again."))
    if "\x00" in text:
        return FileIssue(FileIssueKind.UNREADABLE, (
            "The file is not a CSV text file: upload a .csv (UTF-8) or an .xlsx file."))
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to tell: commas
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    try:
        return [list(row) for row in reader]
    except csv.Error as exc:
        return FileIssue(FileIssueKind.UNREADABLE, (
            f"The CSV cannot be read near line {reader.line_num} ({exc}): check the quotes "
            "on that line, or save the file again from a spreadsheet."))


def _xlsx_grid(content: bytes) -> list[list[str]] | FileIssue:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return FileIssue(FileIssueKind.UNREADABLE, (
            "The file cannot be read as an Excel workbook: save it again as .xlsx (or as "
            "CSV UTF-8) and upload it again."))
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _unneutralize(text: str) -> str:
    """Take off the apostrophe an export put before a formula character."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def _column_name(text: str) -> str:
    name = text.strip()
    reserved = name.lower().replace(" ", "_")
    return reserved if reserved in RESERVED else name


def _table(file_name: str, sha: str, grid: Sequence[list[str]], limits: BulkLimits
           ) -> ParseResult:
    lines = [(n, [_unneutralize(c) for c in row]) for n, row in enumerate(grid, start=1)
             if any(c.strip() for c in row)]
    if not lines:
        return _refused(FileIssueKind.EMPTY_FILE, (
            "The file is empty: download a template, add one row per customer under its "
            "header, and upload it again."))
    header_number, header = lines[0]
    body = lines[1:]
    if len(body) > limits.max_rows:
        return _refused(FileIssueKind.TOO_LARGE, (
            f"The file has {len(body):,} rows; at most {limits.max_rows:,} are accepted. "
            "Split it into several files."))
    width = max(len(cells) for _, cells in lines)
    names = [_column_name(c) for c in header] + [""] * (width - len(header))
    issues = _header_issues(names, header_number)
    if EXTERNAL_ID not in names:
        issues.append(FileIssue(FileIssueKind.MISSING_COLUMN, (
            "The header has no external_id column: the first row must name the columns, "
            "starting with external_id (the customer's external ID)."), row=header_number))
    if not body:
        issues.append(FileIssue(FileIssueKind.EMPTY_FILE, (
            "The file has a header but no customer rows: add one row per customer under it.")))
    if any(i.kind in (FileIssueKind.MISSING_COLUMN, FileIssueKind.EMPTY_FILE) for i in issues):
        return ParseResult(None, tuple(issues))
    for index, name in enumerate(names):
        used = next((n for n, cells in body if index < len(cells) and cells[index].strip()), None)
        if not name and used is not None:
            letter = _column_letter(index)
            names[index] = f"(column {letter})"
            issues.append(FileIssue(FileIssueKind.UNKNOWN_COLUMN, (
                f"Column {letter} has no name in row {header_number} but row {used} has a value "
                "there: name the column (an input key) or empty its cells."),
                row=header_number, column=names[index]))
    rows = tuple(UploadedRow(number=number, cells={
        name: cell for name, cell in zip(names, cells, strict=False) if name})
        for number, cells in body)
    columns = tuple(dict.fromkeys(n for n in names if n))
    return ParseResult(UploadedTable(file_name, sha, columns, rows), tuple(issues))


def _header_issues(names: list[str], header_row: int) -> list[FileIssue]:
    issues = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        letter = _column_letter(index)
        if not name:
            continue
        if name in seen:
            issues.append(FileIssue(FileIssueKind.UNKNOWN_COLUMN, (
                f"Column {name} appears twice (columns {_column_letter(seen[name])} and "
                f"{letter}): keep one of them."), row=header_row, column=name))
        seen.setdefault(name, index)
    return issues


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

"""Streaming the first worksheet of an XLSX workbook as rows of text, safely.

A workbook is a zip of XML parts. This reads only what a bulk upload needs — the first
worksheet, the shared strings, the number formats that make a number a date — with expat,
one chunk at a time, so the caller can stop at its limits after any row. It is written for
files built to hurt:

- a document type declaration (the way to entity expansion, "billion laughs") is refused;
- the zip's declared sizes are checked by the caller before anything is unpacked, and Python's
  zipfile never unpacks a part beyond its declared size (a lying part fails its CRC check);
- a truncated part, a bad shared-string index or any other damage raises `FileRefused`
  (``unreadable encoding``) saying how to save the file again — never a traceback;
- rows come with their spreadsheet numbers (gaps are not filled in) and only up to their
  last cell, so a claimed ``A1:XFD1048576`` costs nothing.

Cells are text as a person would type them, as openpyxl would read them with
``data_only=True``: numbers without a needless ``.0``, booleans ``true``/``false``, dates in
ISO 8601, formulas as their cached results.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from orgconn.config import BulkLimits
from orgconn.services.bulk.issues import FileIssueKind, FileRefused, column_letter

__all__ = ["DAMAGED", "sheet_rows"]

CHUNK = 1 << 16
MAX_CELL_STYLES = 65_000  # Excel writes at most 64,000 cell formats
MAX_NUMBER_FORMATS = 10_000  # and a few hundred number formats
DAMAGED = ("The workbook cannot be read (it is damaged, or was not written by a spreadsheet "
           "program): open it in Excel or LibreOffice, save it again as .xlsx (or as CSV "
           "UTF-8) and upload it again.")
Start = Callable[[str, dict[str, str]], None]
Row = tuple[int, list[str]]


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _damaged(detail: str = "") -> FileRefused:
    return FileRefused(FileIssueKind.UNREADABLE, DAMAGED.replace(
        "(it is damaged", f"({detail}; it is damaged" if detail else "(it is damaged"))


def _parser(start: Start, end: Callable[[str], None] | None = None,
            text: Callable[[str], None] | None = None) -> Any:
    """An expat parser calling ``start``/``end``/``text`` with local names; no DTD allowed."""
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse(*_: object) -> None:
        raise FileRefused(FileIssueKind.UNREADABLE, (
            "The workbook declares a document type (entity definitions, which can make a small "
            "file grow without end), which spreadsheet programs never write: save it again as "
            ".xlsx from Excel or LibreOffice (or as CSV UTF-8) and upload it again."))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: Any, stream: IO[bytes]) -> Iterator[None]:
    """Feed ``stream`` to ``parser`` a chunk at a time, yielding after each chunk."""
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _damaged(f"its XML stops or breaks at line {exc.lineno}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise _damaged() from None
    yield


def _parse_part(archive: zipfile.ZipFile, name: str, start: Start,
                end: Callable[[str], None] | None = None,
                text: Callable[[str], None] | None = None) -> None:
    with _opened(archive, name) as stream:
        for _ in _feed(_parser(start, end, text), stream):
            pass


def _opened(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    try:
        return archive.open(name)
    except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError):
        raise _damaged(f"its part {name} is missing or cannot be unpacked") from None


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: ID -> (type, target part name)."""
    folder = PurePosixPath(part).parent
    rels = str(folder / "_rels" / f"{PurePosixPath(part).name}.rels")
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(folder / target)
            parts: list[str] = []
            for piece in path.split("/"):
                if piece == "..":
                    parts = parts[:-1]
                elif piece not in ("", "."):
                    parts.append(piece)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), "/".join(parts))

    if rels in archive.NameToInfo:
        _parse_part(archive, rels, start)
    return found


def _of_type(rels: dict[str, tuple[str, str]], kind: str) -> str | None:
    return next((target for type_, target in rels.values() if type_.endswith("/" + kind)), None)


class _Workbook:
    """Where the first worksheet is, its strings, and which styles are dates."""

    def __init__(self, archive: zipfile.ZipFile, max_strings: int) -> None:
        self.archive, self.max_strings = archive, max_strings
        book = _of_type(_relationships(archive, ""), "officeDocument") or "xl/workbook.xml"
        sheet_ids: list[str] = []
        self.epoch = CALENDAR_WINDOWS_1900

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "sheet":
                sheet_ids.extend(v for k, v in attrs.items() if _local(k) == "id" and ":" in k)
            elif name == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904

        _parse_part(archive, book, start)
        rels = _relationships(archive, book)
        sheets = [rels[i][1] for i in sheet_ids if i in rels and rels[i][0].endswith(
            "/worksheet")]
        if not sheets:
            raise FileRefused(FileIssueKind.UNREADABLE, (
                "The workbook has no worksheet: put the table on its first sheet."))
        self.sheet = sheets[0]
        strings, styles = _of_type(rels, "sharedStrings"), _of_type(rels, "styles")
        self.strings = self._strings(strings) if strings else []
        self.date_styles, self.duration_styles = self._styles(styles) if styles else ({}, {})

    def _strings(self, part: str) -> list[str]:
        table: list[str] = []
        pieces: list[str] = []
        depth = {"t": 0, "rPh": 0}  # text counts inside <t>, except phonetic runs (<rPh>)

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "si":
                pieces.clear()
            elif name in depth:
                depth[name] += 1

        def end(name: str) -> None:
            if name == "si":
                table.append("".join(pieces))
                if len(table) > self.max_strings:
                    raise FileRefused(FileIssueKind.TOO_LARGE, (
                        f"The workbook holds more than {self.max_strings:,} different texts, "
                        "more than a file within the limits can use: save it as CSV UTF-8, or "
                        "split it into several files."))
            elif name in depth:
                depth[name] -= 1

        def text(data: str) -> None:
            if depth["t"] and not depth["rPh"]:
                pieces.append(data)

        _parse_part(self.archive, part, start, end, text)
        return table

    def _styles(self, part: str) -> tuple[dict[int, bool], dict[int, bool]]:
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        cell_formats: list[int] = []
        inside = {"cellXfs": False}

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "numFmt" and attrs.get("numFmtId", "").isdigit():
                formats[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                inside["cellXfs"] = True
            elif name == "xf" and inside["cellXfs"]:
                number = attrs.get("numFmtId", "0")
                cell_formats.append(int(number) if number.isdigit() else 0)
            if len(cell_formats) > MAX_CELL_STYLES or len(formats) > MAX_NUMBER_FORMATS:
                raise _damaged("it defines more cell styles than spreadsheet programs write")

        def end(name: str) -> None:
            if name == "cellXfs":
                inside["cellXfs"] = False

        _parse_part(self.archive, part, start, end)
        used = set(cell_formats)
        dates = {f for f in used if is_date_format(formats.get(f, ""))}
        durations = {f for f in used if is_timedelta_format(formats.get(f, ""))}
        return ({i: True for i, f in enumerate(cell_formats) if f in dates},
                {i: True for i, f in enumerate(cell_formats) if f in durations})


def _column_index(reference: str) -> int | None:
    """0-based column of a cell reference like ``AB12`` (None if it has no letters)."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
    return index - 1 if index else None


class _SheetReader:
    """expat handlers collecting finished rows of one worksheet (the hot path: a few
    attribute look-ups per element, no dispatch through `_parser`'s name wrapper)."""

    def __init__(self, book: _Workbook, max_columns: int) -> None:
        self.book, self.max_columns = book, max_columns
        self.rows: list[Row] = []
        self.number = 0
        self.cells: list[tuple[int, str]] = []
        self.column = -1
        self.kind, self.style = "n", "0"
        self.pieces: list[str] | None = None  # where text goes now: inside <v> or <is><t>
        self.text_of_cell: list[str] = []
        self.skipping = 0  # inside <rPh> (phonetic runs) or <f> (a formula): text ignored

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:
            name = _local(name)
        if name == "c":
            found = _column_index(attrs.get("r", ""))
            self.column = found if found is not None else self.column + 1
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s", "0")
            self.text_of_cell = []
        elif name == "v" or (name == "t" and not self.skipping):
            self.pieces = self.text_of_cell
        elif name in ("rPh", "f"):
            self.skipping += 1
        elif name == "row":
            given = attrs.get("r", "")
            self.number = int(given) if given.isdigit() else self.number + 1
            self.cells, self.column = [], -1

    def end(self, name: str) -> None:
        if ":" in name:
            name = _local(name)
        if name in ("v", "t"):
            self.pieces = None
        elif name == "c":
            self._end_cell()
        elif name in ("rPh", "f"):
            self.skipping -= 1
        elif name == "row":
            width = self.cells[-1][0] + 1 if self.cells else 0
            row = [""] * width
            for column, value in self.cells:
                row[column] = value
            self.rows.append((self.number, row))

    def text(self, data: str) -> None:
        if self.pieces is not None:
            self.pieces.append(data)

    def _end_cell(self) -> None:
        text = "".join(self.text_of_cell)
        plain = self.kind == "n" and self.style == "0" and text.isdigit() and text[0] != "0"
        value = text if plain else self._value(text)
        if not value:
            return
        if self.column >= self.max_columns and value.strip():
            raise FileRefused(FileIssueKind.TOO_LARGE, (
                f"Row {self.number} has a value in column {column_letter(self.column)} "
                f"(column {self.column + 1:,}); at most {self.max_columns:,} columns are "
                "accepted. Delete the columns that are not input keys."))
        if self.cells and self.cells[-1][0] >= self.column:  # out of order: keep it sorted
            self.cells = sorted([*(c for c in self.cells if c[0] != self.column),
                                 (self.column, value)])
        else:
            self.cells.append((self.column, value))

    def _value(self, text: str) -> str:
        kind = self.kind
        if kind == "s":
            try:
                return self.book.strings[int(text)]
            except (ValueError, IndexError):
                raise _damaged(f"a cell of row {self.number} names a shared string the "
                               "workbook does not have") from None
        if kind == "b":
            return "true" if text.strip() in ("1", "true") else "false"
        if kind != "n" or not text:
            return text
        style = int(self.style) if self.style.isdigit() else 0
        try:
            if style in self.book.date_styles or style in self.book.duration_styles:
                moment = from_excel(float(text), self.book.epoch,
                                    timedelta=style in self.book.duration_styles)
                return str(moment) if isinstance(moment, dt.timedelta) else moment.isoformat()
            if any(c in text for c in ".eE"):
                number = float(text)
                return str(int(number)) if number.is_integer() else str(number)
            return str(int(text))
        except (ValueError, OverflowError):
            return text


def sheet_rows(archive: zipfile.ZipFile, limits: BulkLimits) -> Iterator[Row]:
    """The first worksheet's rows that have a cell: (spreadsheet row number, cell texts).

    Raises `FileRefused` for a damaged or hostile workbook, more shared strings than
    ``limits.max_values``, or a value beyond column ``limits.max_columns`` (found while that
    row is read). Stop iterating at any row to stop reading.
    """
    book = _Workbook(archive, limits.max_values)
    reader = _SheetReader(book, limits.max_columns)
    parser = _parser(lambda *_: None)
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.text
    with _opened(archive, book.sheet) as stream:
        for _ in _feed(parser, stream):
            yield from reader.rows
            reader.rows.clear()

"""Workbooks built to hurt, made by code: small on disk, each a different way to fail.

Every builder writes a minimal XLSX (the parts openpyxl needs) with one part made hostile and
returns its bytes; `build_all` writes them under a directory once (the tests' session cache).
A row or cell of XML is repeated through a streaming zip writer, so a file that unpacks to
hundreds of megabytes is built in about a second and a few hundred kB of memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats'
    '-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="values" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>apiKey</t></is></c></row>')
Chunks = Iterable[str]


def _sheet(rows: Chunks, prologue: str = "") -> Chunks:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n{prologue}<worksheet {MAIN}><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def _strings(strings: Chunks = ()) -> Chunks:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<sst {MAIN}>'
    yield from strings
    yield "</sst>"


def workbook(sheet: Chunks, strings: Chunks | None = None) -> bytes:
    """An XLSX whose sheet and shared strings are written from ``sheet`` / ``strings`` chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            archive.writestr(name, text)
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet),
                             ("xl/sharedStrings.xml", strings or _strings())):
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk.encode())
    return buffer.getvalue()


def _repeat(text: str, times: int, chunk: int = 1 << 20) -> Chunks:
    """``text * times`` in pieces of about ``chunk`` characters."""
    per = max(1, chunk // max(1, len(text)))
    block = text * per
    for _ in range(times // per):
        yield block
    yield text * (times % per)


def valid() -> bytes:
    """A small good workbook: header and two customers (one value from shared strings)."""
    rows = [HEADER_ROW, '<row r="2"><c r="A2" t="inlineStr"><is><t>alpha</t></is></c>'
            '<c r="B2" t="s"><v>0</v></c></row>',
            '<row r="3"><c r="A3" t="inlineStr"><is><t>beta</t></is></c>'
            '<c r="B3" t="inlineStr"><is><t>key-b</t></is></c></row>']
    return workbook(_sheet(rows), _strings(["<si><t>key-a</t></si>"]))


def workbook_of(rows: list[list[str]]) -> bytes:
    """A plain workbook of inline strings (``rows[0]`` the header)."""
    def cell(text: str) -> str:
        return f'<c t="inlineStr"><is><t>{text}</t></is></c>'

    return workbook(_sheet("<row>" + "".join(map(cell, row)) + "</row>" for row in rows))


def entity_expansion() -> bytes:
    """Billion laughs: ten levels of ten entity references in the shared strings."""
    levels = ['<!ENTITY lol0 "lollollollollollollollollollol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    dtd = f"<!DOCTYPE sst [{''.join(levels)}]>"
    strings = [f'<?xml version="1.0"?>\n{dtd}<sst {MAIN}><si><t>&lol9;</t></si></sst>']
    rows = [HEADER_ROW, '<row r="2"><c r="A2" t="inlineStr"><is><t>alpha</t></is></c>'
            '<c r="B2" t="s"><v>0</v></c></row>']
    return workbook(_sheet(rows), iter(strings))


def truncated_sheet() -> bytes:
    """A sheet whose XML stops in the middle of a row."""
    text = "".join(_sheet([HEADER_ROW] + [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>c{n}</t></is></c></row>'
        for n in range(2, 200)]))
    return workbook([text[: len(text) // 2]])


def bad_shared_string() -> bytes:
    """A cell pointing at shared string 999 of a table of one."""
    rows = [HEADER_ROW, '<row r="2"><c r="A2" t="inlineStr"><is><t>alpha</t></is></c>'
            '<c r="B2" t="s"><v>999</v></c></row>']
    return workbook(_sheet(rows), _strings(["<si><t>only</t></si>"]))


def zip_bomb(gigabytes: float = 1.0) -> bytes:
    """A sheet of whitespace that unpacks to ``gigabytes`` (about a thousandth on disk)."""
    return workbook(_sheet(_repeat(" ", int(gigabytes * 1e9))))


def wide(rows: int = 1_000, columns: int = 16_384) -> bytes:
    """``rows`` rows with a value in every one of ``columns`` columns."""
    row = "<row>" + "<c><v>1</v></c>" * columns + "</row>"
    return workbook(_sheet(_repeat(row, rows, chunk=1 << 22)))


def long(rows: int = 1_048_575) -> bytes:
    """A header and ``rows`` customer rows of one value each (Excel's maximum by default)."""
    return workbook(_sheet([HEADER_ROW, *_repeat("<row><c><v>1</v></c></row>", rows)]))


def huge_cell(megabytes: int = 400) -> bytes:
    """One shared string of ``megabytes`` million characters, used by a customer's apiKey."""
    rows = [HEADER_ROW, '<row r="2"><c r="A2" t="inlineStr"><is><t>alpha</t></is></c>'
            '<c r="B2" t="s"><v>0</v></c></row>']
    text = ["<si><t>", *_repeat("A", megabytes * 1_000_000), "</t></si>"]
    return workbook(_sheet(rows), _strings(text))


def many_strings(count: int) -> bytes:
    """A valid sheet beside a table of ``count`` shared strings."""
    return workbook(_sheet([HEADER_ROW]), _strings(_repeat("<si><t>x</t></si>", count)))


def many_styles(count: int = 70_000) -> bytes:
    """A valid sheet with a styles part of ``count`` cell formats (Excel writes 64,000 at most)."""
    rels = WORKBOOK_RELS.replace("</Relationships>", (
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'))
    buffer = io.BytesIO(valid())
    with zipfile.ZipFile(buffer) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    parts["xl/styles.xml"] = (f"<styleSheet {MAIN}><cellXfs>" + '<xf numFmtId="14"/>' * count
                              + "</cellXfs></styleSheet>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "entity-expansion": entity_expansion, "truncated-sheet": truncated_sheet,
    "bad-shared-string": bad_shared_string, "zip-bomb": zip_bomb,
    "16384-columns": wide, "100-rows-16384-columns": lambda: wide(rows=100),
    "1048575-rows": long, "400-MB-cell": huge_cell, "70000-styles": many_styles,
}
"""Each hostile workbook by name."""


def build_all(directory: Path) -> dict[str, Path]:
    """Write every hostile workbook (once: existing files are kept) and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in HOSTILE.items():
        path = directory / f"{name}.xlsx"
        if not path.exists():
            path.write_bytes(build())
        paths[name] = path
    return paths

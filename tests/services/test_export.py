"""Exports cannot smuggle spreadsheet formulas."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from orgconn.services.export import neutralize, to_csv_bytes, to_xlsx_bytes

FRAME = pd.DataFrame(
    {
        "customer_name": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Acme", "a=b"],
        "count": [1, 2, 3, 4, 5, 6],
    }
)


def test_cells_that_start_like_a_formula_get_an_apostrophe() -> None:
    safe = neutralize(FRAME)
    assert list(safe["customer_name"]) == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Acme", "a=b",
    ]
    assert list(safe["count"]) == [1, 2, 3, 4, 5, 6], "numbers are left alone"
    assert FRAME.loc[0, "customer_name"].startswith("="), "the input frame is not modified"


def test_csv_export_is_utf8_with_bom_and_neutralized() -> None:
    data = to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert not any(str(v).startswith(("=", "+", "-", "@")) for v in back["customer_name"])


def test_xlsx_export_holds_no_formula_cells() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(FRAME)))
    cells = [c.value for row in book.active.iter_rows(min_row=2) for c in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in cells)
    assert "'=HYPERLINK(\"http://x\")" in cells

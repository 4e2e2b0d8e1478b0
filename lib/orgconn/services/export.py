"""Downloads and exports: CSV and XLSX that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is read as a
formula by Excel and LibreOffice; customer names and external IDs come from outside, so every
export goes through :func:`neutralize` which prefixes such cells with an apostrophe.
Exports are built from DataFrames that never hold secret values: callers pass fingerprints or
"set"/"not set" instead.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is exported: `orgconn coverage` starts
    import pandas as pd  # without it and still neutralises its cells with `neutralize_cell`

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: object) -> object:
    """The cell with an apostrophe before a leading formula character; others untouched."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralize(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas."""
    import pandas as pd

    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize_cell)
    safe.columns = [str(neutralize_cell(str(c))) for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a BOM, so Excel reads accents right) of the neutralized frame."""
    return neutralize(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "orgconn") -> bytes:
    """An XLSX workbook of the neutralized frame, one sheet."""
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralize(frame).to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()

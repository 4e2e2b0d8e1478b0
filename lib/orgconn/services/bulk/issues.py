"""What can be wrong with an uploaded file: each problem has a kind, a place and a fix.

Row numbers are those a spreadsheet shows: the header is row 1, the first customer row 2.
``row=None`` means the whole file; ``row=1`` a column of the header. Messages say what to
change and never quote a value of a secret input (they name inputs and columns only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from orgconn.services.values.validation import IssueKind


class FileIssueKind(StrEnum):
    """Why a file, a column or a row was refused; the report groups problems by these."""

    EMPTY_FILE = "empty file"
    UNREADABLE = "unreadable encoding"
    TOO_LARGE = "file too large"
    MISSING_COLUMN = "missing column"
    UNKNOWN_COLUMN = "unknown column"
    GLOBAL_INPUT = "global input in the file"
    UNKNOWN_CONNECTION = "unknown connection"
    UNKNOWN_EXTERNAL_ID = "unknown external ID"
    DUPLICATE = "two rows for one customer and connection"
    REQUIRED = "required value missing"
    BAD_TYPE = "bad type"
    TOO_LONG = "value too long"


FILE_LEVEL = frozenset({FileIssueKind.EMPTY_FILE, FileIssueKind.UNREADABLE,
                        FileIssueKind.TOO_LARGE, FileIssueKind.MISSING_COLUMN})
"""Kinds that make the whole file unusable: no row can be planned, not even with valid-only."""

FROM_VALIDATION = {IssueKind.REQUIRED: FileIssueKind.REQUIRED,
                   IssueKind.BAD_TYPE: FileIssueKind.BAD_TYPE,
                   IssueKind.UNKNOWN_INPUT: FileIssueKind.UNKNOWN_COLUMN}
"""The file issue kind of each `orgconn.services.values.validation.IssueKind`."""

ISSUE_COLUMNS = ["kind", "row", "column", "message"]


@dataclass(frozen=True)
class FileIssue:
    """One problem: its kind, where it is (spreadsheet row, column) and what to do."""

    kind: FileIssueKind
    message: str
    row: int | None = None
    column: str | None = None

    @property
    def where(self) -> str:
        """``row 5, column port``, ``column port`` or ``the file``."""
        parts = []
        if self.row is not None and self.row > 1:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) or "the file"


def column_letter(index: int) -> str:
    """The spreadsheet letters of a 0-based column index: 0 -> ``A``, 26 -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class FileRefused(Exception):  # a verdict on a file, caught while reading it
    """Reading stopped: the whole file is refused for ``issue`` (raised and caught while
    reading; `orgconn.services.bulk.parse.read_upload` turns it into its result)."""

    def __init__(self, kind: FileIssueKind, message: str) -> None:
        super().__init__(message)
        self.issue = FileIssue(kind, message)


def grouped(issues: Iterable[FileIssue]) -> dict[FileIssueKind, list[FileIssue]]:
    """Issues by kind, kinds in `FileIssueKind` order, each list by row number."""
    found: dict[FileIssueKind, list[FileIssue]] = {}
    for issue in issues:
        found.setdefault(issue.kind, []).append(issue)
    order = list(FileIssueKind)
    return {kind: sorted(found[kind], key=lambda i: (i.row or 0, i.column or ""))
            for kind in sorted(found, key=order.index)}


def issues_frame(issues: Iterable[FileIssue]) -> pd.DataFrame:
    """Issues as a DataFrame with `ISSUE_COLUMNS` (``row`` as nullable integers), grouped."""
    rows = [{"kind": i.kind.value, "row": i.row, "column": i.column or "", "message": i.message}
            for group in grouped(issues).values() for i in group]
    frame = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def summary(issues: Iterable[FileIssue]) -> str:
    """One sentence counting the problems by kind, e.g. ``3 problems: 2 bad type, 1 ...``."""
    groups = grouped(issues)
    total = sum(len(g) for g in groups.values())
    if not total:
        return "no problems"
    kinds = ", ".join(f"{len(g)} {kind.value}" for kind, g in groups.items())
    return f"{total} problem{'s' if total != 1 else ''}: {kinds}"

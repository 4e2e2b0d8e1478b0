"""Tables on screen: one vocabulary of human column headers, dates as dates, blanks for
missing values and status words in colour, for every page's ``st.dataframe``.

The frames keep their snake_case column names (they are the CSV/JSON contract); only what a
person reads changes here. A page calls `table(frame, key=...)`, optionally naming the columns
to show first (``first``), the columns holding a coverage status (``statuses``) and its own
`st.column_config` entries for what this module cannot guess (links, widths).

Widths are set so that a table's identifying and status columns fit beside each other at
1280 px (a 820 px main column): `WIDTHS` for the identifying columns every page shows, and
`STATUS_WIDTH` for a status column, wide enough for its longest word ("incomplete"); a
status column whose header is cut says it in full in its tooltip.

Status marks are coloured labels (`st.column_config.MultiselectColumn` with a colour per
status): text and colour that every browser renders, unlike emoji, which are empty boxes on a
machine without an emoji font. `status_legend` is the same words and colours in Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from orgconn.services.coverage import Status

HEADERS: dict[str, str] = {
    "tenant": "Tenant", "stable_key": "Stable key", "connection": "Connection",
    "customer_external_id": "External ID", "customer_name": "Customer",
    "external_id": "External ID",
    "status": "Status", "missing_inputs": "Missing inputs", "labels": "Labels",
    "last_configured_at": "Last configured", "basis": "How it is known",
    "target_pct": "Target (% complete)", "target_date": "Target date",
    "current_pct": "Now (% complete)", "as_of": "As of", "slope_per_week": "Trend (points/week)",
    "fit_points": "Snapshots in the trend", "fit_uses_estimates": "Trend uses estimates",
    "projected_date": "Projected to reach it", "on_track": "On track", "verdict": "Verdict",
    "drift_in": "Differs in", "kind": "Kind", "input": "Input", "exists_in": "Exists in",
    "differences": "Differences", "action": "Action", "name": "Name", "component": "Component",
    "inputs": "Inputs", "type_in": "Secrets to type in", "reason": "Why", "outcome": "Outcome",
    "test_credentials": "Test credentials", "inputs_set": "Inputs set",
    "missing_required": "Required inputs missing", "description": "Description",
    "label": "Label", "type": "Type", "required": "Required", "scope": "Scope",
    "global_value": "Global value", "fingerprint": "Fingerprint", "differs": "Differs",
    "instances": "Instances", "enabled_instances": "Enabled", "failing_instances": "Failing",
    "row": "Row", "column": "Column", "message": "Message", "planned": "Planned",
    "customer": "Customer", "changes": "Changes", "kept": "Kept", "warnings": "Warnings",
    "attempts": "Attempts",
}
# Streamlit's palette-safe colours, one per status (the coverage chart's hues, darkened so white
# text on them is readable)
STATUS_COLOURS: dict[str, str] = {
    Status.COMPLETE.value: "#1e7b45", Status.INCOMPLETE.value: "#b35c00",
    Status.MISSING.value: "#5f6673", Status.ERROR.value: "#c62828",
}
_LEGEND = {Status.COMPLETE.value: "green", Status.INCOMPLETE.value: "orange",
           Status.MISSING.value: "gray", Status.ERROR.value: "red"}
# pixels: the coverage matrix (tenant, customer, external ID and six connections) and a gap
# table's first eight columns fit at 1280 px
WIDTHS: dict[str, int] = {"tenant": 52, "customer_name": 146, "customer_external_id": 92,
                          "external_id": 92, "stable_key": 130, "connection": 150,
                          "missing_inputs": 120, "instances": 76}
STATUS_WIDTH = 86
DATE_FORMAT = "YYYY-MM-DD HH:mm"
WRAPPING_ROW_HEIGHT = 70  # Streamlit wraps cell text only in rows taller than 4rem
MAX_WRAPPED_ROWS = 12  # rows a wrapping table shows before it scrolls
LAZY_ROWS = 1_000  # above this, a table's rows are sent as the user scrolls, not all at once


def header(column: str) -> str:
    """The on-screen header of a frame's column: `HEADERS`, else a snake_case name in words
    (a name without underscores, e.g. a connection's, is kept as it is)."""
    if column in HEADERS:
        return HEADERS[column]
    return column.replace("_", " ").capitalize() if "_" in column else column


def status_cells(values: pd.Series) -> pd.Series:
    """Cells of coverage statuses (``"incomplete: apiKey, region"`` too) as label lists: the
    status first (coloured), then any inputs it names; other text is kept as one label."""
    def split(text: object) -> list[str]:
        if not isinstance(text, str) or not text:
            return []
        status, _, rest = text.partition(": ")
        return [status, *(x for x in rest.split(", ") if x)]

    return values.map({v: split(v) for v in values.unique()})  # few distinct texts


def status_column(label: str, **options: Any) -> Any:
    """A `st.column_config` entry showing `status_cells` as coloured labels, `STATUS_WIDTH`
    wide unless ``options`` say otherwise, its label in full as its tooltip."""
    options = {"width": STATUS_WIDTH, "help": label, **options}
    return st.column_config.MultiselectColumn(
        label, options=list(STATUS_COLOURS), color=list(STATUS_COLOURS.values()), **options)


def status_legend() -> str:
    """The statuses in their colours, as Markdown badges (for a caption above a table)."""
    return " ".join(f":{colour}-badge[{status}]" for status, colour in _LEGEND.items())


def column_config(frame: pd.DataFrame, *, statuses: Iterable[str] = (),
                  config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A `st.column_config` mapping for every column of ``frame``: human headers, dates and
    times formatted as such, ``statuses`` as coloured labels, `WIDTHS`; ``config`` entries
    win."""
    chosen: dict[str, Any] = {}
    status_set = set(statuses)
    for column in frame.columns:
        name = str(column)
        if name in status_set:
            chosen[name] = status_column(header(name))
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            chosen[name] = st.column_config.DatetimeColumn(header(name), format=DATE_FORMAT)
        elif name in WIDTHS:
            chosen[name] = st.column_config.Column(header(name), width=WIDTHS[name])
        else:
            chosen[name] = header(name)
    chosen.update(config or {})
    return chosen


def table(frame: pd.DataFrame, *, key: str, first: Sequence[str] = (),
          statuses: Iterable[str] = (), config: Mapping[str, Any] | None = None,
          hide: Iterable[str] = (), wrap: bool = False,
          memo: Callable[[Callable[[], pd.DataFrame]], pd.DataFrame] | None = None,
          **options: Any) -> Any:
    """``st.dataframe`` of ``frame`` as a person reads it (see the module docstring); returns
    what ``st.dataframe`` returns (the selection, with ``on_select``).

    ``first`` columns come first, ``hide`` ones are left out, ``wrap`` makes rows tall enough
    for long text to wrap; missing values show as blanks. A table of more than `LAZY_ROWS`
    rows is loaded lazily (Streamlit sends the rows in view as the user scrolls or sorts: at
    10,000 customers the browser gets a page of rows, not the whole frame). Other ``options``
    go to ``st.dataframe`` (e.g. ``height``, ``on_select``). ``memo``, given, keeps the frame
    as drawn (its status labels) once built (`orgconn.ui.context.derived`): for a large
    ``frame`` that stays the same over reruns.
    """
    statuses = [s for s in statuses if s in frame.columns]

    def drawn() -> pd.DataFrame:
        return frame.assign(**{s: status_cells(frame[s].astype(str).where(frame[s].notna()))
                               for s in statuses}) if statuses else frame

    shown = memo(drawn) if memo is not None else drawn()
    hidden = set(hide)
    if wrap and "height" not in options:  # every row in view: nothing to scroll inside the grid
        options["height"] = 40 + WRAPPING_ROW_HEIGHT * min(max(len(frame), 1), MAX_WRAPPED_ROWS)
    order = [*dict.fromkeys([*(c for c in first if c in frame.columns),
                             *(str(c) for c in frame.columns)])]
    return st.dataframe(shown, key=key, hide_index=True, width="stretch", placeholder="",
                        column_order=[c for c in order if c not in hidden],
                        column_config=column_config(frame, statuses=statuses, config=config),
                        row_height=WRAPPING_ROW_HEIGHT if wrap else None,
                        lazy=True if len(frame) > LAZY_ROWS else None, **options)

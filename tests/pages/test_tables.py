"""`orgconn.ui.tables`: the headers, status labels and column types every page's tables use."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from orgconn.services.coverage import Status
from orgconn.ui import tables


def test_snake_case_names_read_as_words_and_known_ones_as_the_users_say_them() -> None:
    assert tables.header("customer_external_id") == "External ID"
    assert tables.header("fit_uses_estimates") == "Trend uses estimates"
    assert tables.header("drift_in") == "Differs in"
    assert tables.header("target_pct") == "Target (% complete)"
    assert tables.header("some_new_column") == "Some new column"
    assert tables.header("Acme API key") == "Acme API key", "a connection's name is kept"


def test_a_status_cell_becomes_its_status_then_the_inputs_it_names() -> None:
    cells = tables.status_cells(pd.Series(["complete", "incomplete: apiKey, region", "—", None]))
    assert cells.tolist() == [["complete"], ["incomplete", "apiKey", "region"], ["—"], []]


def test_every_status_has_its_own_colour_and_a_legend_word() -> None:
    assert set(tables.STATUS_COLOURS) == {s.value for s in Status}
    assert len(set(tables.STATUS_COLOURS.values())) == len(Status)
    legend = tables.status_legend()
    for status in Status:
        assert f"-badge[{status.value}]" in legend


def test_columns_get_human_headers_dates_and_status_labels_and_a_page_entry_wins() -> None:
    frame = pd.DataFrame({"drift_in": ["us"], "status": ["missing"], "detail": ["x"],
                          "last_configured_at": pd.to_datetime(["2026-01-02"], utc=True)})
    config = tables.column_config(frame, statuses=["status"], config={"detail": "What"})
    assert config["drift_in"] == "Differs in" and config["detail"] == "What"
    assert config["last_configured_at"]["type_config"]["type"] == "datetime"
    assert config["last_configured_at"]["label"] == "Last configured"
    assert config["status"]["type_config"]["type"] == "multiselect"


def test_identifying_and_status_columns_are_narrow_enough_for_the_matrix_at_1280_px() -> None:
    frame = pd.DataFrame({"tenant": ["us"], "customer_name": ["A"], "customer_external_id": ["a"],
                          **{f"Connection {n}": ["missing"] for n in range(6)}})
    config = tables.column_config(frame, statuses=[f"Connection {n}" for n in range(6)])
    widths = [config[str(c)]["width"] for c in frame.columns]
    assert sum(widths) <= 818, "the main column at 1280 px is 818 px wide inside the grid"
    assert config["Connection 0"]["help"] == "Connection 0", "a cut header reads in full"
    assert config["tenant"]["label"] == "Tenant", "a sized column keeps its human header"

def _lazy_argument(rows: int, monkeypatch: pytest.MonkeyPatch) -> object:
    """What `tables.table` asks st.dataframe for as ``lazy`` for a frame of ``rows`` rows.

    (AppTest has no server to page rows from, so it always draws tables eagerly: the choice is
    checked where it is made.)"""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(tables.st, "dataframe", lambda data, **kw: seen.update(kw))
    tables.table(pd.DataFrame({"customer_name": [f"c{i}" for i in range(rows)],
                               "status": ["missing"] * rows}), key="t", statuses=["status"])
    return seen["lazy"]


def test_a_long_table_is_sent_as_the_user_scrolls_and_a_short_one_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert _lazy_argument(tables.LAZY_ROWS + 1, monkeypatch) is True
    assert _lazy_argument(tables.LAZY_ROWS, monkeypatch) is None, "Streamlit's default"
    assert _lazy_argument(40, monkeypatch) is None

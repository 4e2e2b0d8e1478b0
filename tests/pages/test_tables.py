"""`orgconn.ui.tables`: the headers, status labels and column types every page's tables use."""

from __future__ import annotations

import pandas as pd

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

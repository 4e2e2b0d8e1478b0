"""The Audit page (AppTest): every filter, filters kept in the link, and the CSV export."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from orgconn.store import AuditEntry, ChangedInput, open_store
from tests.pages.conftest import Downloads, open_page

PAGE = "pages/audit.py"
ENTRIES = [
    AuditEntry(at=datetime(2026, 1, 5, 9, tzinfo=UTC), actor="ana@acme.example", tenant="us",
               action="create_customer_values", stable_key="acme-api-key",
               customer_external_id="cust-00002", outcome="ok", source="page",
               changed_inputs=(ChangedInput.secret_input("apiKey", "0123456789ab"),)),
    AuditEntry(at=datetime(2026, 2, 10, 12, tzinfo=UTC), actor="bo", tenant="eu",
               action="update_customer_values", stable_key="sftp-drop",
               customer_external_id="=cmd|calc", outcome="failed: refused", source="cli"),
    AuditEntry(at=datetime(2026, 3, 15, 18, tzinfo=UTC), actor="ana@acme.example",
               tenant="eu", action="set_test_credentials", stable_key="acme-api-key",
               outcome="unknown", source="page"),
]


@pytest.fixture
def audited(sandbox_config: Path) -> list[AuditEntry]:
    """The app on the shared sandbox, its audit log holding `ENTRIES`."""
    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as store:
        store.append_audit_entries(ENTRIES)
    return ENTRIES


def shown(at: AppTest) -> list[tuple[str, str]]:
    """(action, tenant) of every row the table shows, in order."""
    if not at.main.dataframe:
        return []
    frame = at.main.dataframe[0].value
    return list(zip(frame["action"], frame["tenant"], strict=True))


def rows(*entries: AuditEntry) -> list[tuple[str, str]]:
    return [(e.action, e.tenant) for e in entries]


def test_every_entry_is_listed_newest_first_with_a_count(app: AppTest,
                                                         audited: list[AuditEntry]) -> None:
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    assert shown(at) == rows(*reversed(audited))
    assert "3 matching entries." in [c.value for c in at.caption]
    frame = at.main.dataframe[0].value
    assert frame["changed_inputs"].iloc[-1] == "apiKey (secret 0123456789ab)"


@pytest.mark.parametrize(("choose", "expected"), [
    (lambda at: at.selectbox(key="audit.tenant").set_value("eu"), [2, 1]),
    (lambda at: at.selectbox(key="audit.actor").set_value("bo"), [1]),
    (lambda at: at.selectbox(key="audit.action").set_value("set_test_credentials"), [2]),
    (lambda at: at.selectbox(key="audit.stable_key").set_value("acme-api-key"), [2, 0]),
    (lambda at: at.text_input(key="audit.customer").input("cust-00002"), [0]),
    (lambda at: at.selectbox(key="audit.outcome").set_value("failed"), [1]),
    (lambda at: at.date_input(key="audit.days").set_value((date(2026, 2, 1),
                                                            date(2026, 3, 15))), [2, 1]),
], ids=["tenant", "actor", "action", "stable key", "customer", "outcome", "days"])
def test_each_filter_narrows_the_table(app: AppTest, audited: list[AuditEntry],
                                       choose: Callable[[AppTest], object],
                                       expected: list[int]) -> None:
    at = open_page(app, PAGE)
    choose(at)
    at.run()
    assert shown(at) == rows(*(audited[i] for i in expected))


def test_filters_live_in_the_link_so_a_pasted_link_reproduces_the_view(
        app: AppTest, audited: list[AuditEntry]) -> None:
    at = open_page(app, PAGE, tenant="eu", outcome="unknown", **{"from": "2026-03-01"})
    assert shown(at) == rows(audited[2])
    assert at.selectbox(key="audit.outcome").value == "unknown"
    at.selectbox(key="audit.outcome").set_value("").run()
    assert at.query_params.get("outcome") is None
    assert shown(at) == rows(audited[2])  # still from March on, in eu


def test_nothing_matching_says_so(app: AppTest, audited: list[AuditEntry]) -> None:
    at = open_page(app, PAGE, customer="nobody")
    assert shown(at) == []
    assert "No audit entry matches these filters." in [i.value for i in at.info]


def test_the_csv_export_holds_the_filtered_rows_with_formulas_neutralised(
        app: AppTest, audited: list[AuditEntry], downloads: Downloads) -> None:
    at = open_page(app, PAGE, tenant="eu")
    data = downloads.data(at.download_button(key="audit.download"))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(frame["action"]) == [e.action for e in (audited[2], audited[1])]
    assert "'=cmd|calc" in list(frame["customer_external_id"])


def test_the_newest_entry_is_shown_in_full_under_the_table_detail_and_bulk_job_too(
        app: AppTest, sandbox_config: Path) -> None:
    detail = "apply customers.csv: " + "; ".join(["a long reason that the grid would cut"] * 8)
    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as store:
        store.append_audit_entries([*ENTRIES, AuditEntry(
            at=datetime(2026, 4, 1, 8, tzinfo=UTC), actor="cy", tenant="us",
            action="update_customer_values", stable_key="sftp-drop",
            customer_external_id="cust-00009", outcome="ok", source="page", detail=detail,
            job_id=17)])
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    texts = [t.value for t in at.main.text]
    assert f"Detail: {detail}" in texts
    assert any(t.endswith("Bulk job: 17") and "Customer: cust-00009" in t for t in texts)
    assert any(m.value.startswith("**The newest entry** · 2026-04-01 08:00:00 UTC · cy")
               for m in at.main.markdown)

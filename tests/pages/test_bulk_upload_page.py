"""The bulk upload page: prefilled by the coverage link, a file's plan, its errors, the apply.

Expected figures come from reading the sandbox with `PrismaticClient` and the bulk services
(tested on their own in tests/services/bulk), never from the page's own rendering.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.models import OrgConnection, TenantData
from orgconn.sandbox import RunningSandbox
from orgconn.services import bulk
from orgconn.services.access import Actor, Role
from orgconn.store import BulkOptions, open_store
from tests.edit_support import async_clients
from tests.pages.conftest import Downloads, open_page

PAGE = "pages/bulk_upload.py"
SECRET = "canary-bulk-page-Zq81"


def read_us(box: RunningSandbox) -> TenantData:
    """Tenant us of ``box`` as the client reads it."""
    with PrismaticClient(TenantConfig(name="us", url=box.stack_url("us"),
                                      token=box.token("us"))) as client:
        return client.read_tenant()


def warehouse_file(snapshot: TenantData) -> tuple[bytes, pd.DataFrame]:
    """The customer-warehouse template of the customers lacking values, filled in (CSV)."""
    connection = next(c for c in snapshot.connections if c.stable_key == "customer-warehouse")
    frame = bulk.template_frame(connection, snapshot, missing_only=True)
    frame = frame.assign(host="db.example.com", port="5432", database="app",
                         username="loader", password=SECRET)
    return bulk.template_bytes(frame, "csv"), frame


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table with ``column`` (st.dataframe without selection has no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metric(at: AppTest, label: str) -> int:
    """The integer a metric shows."""
    return int(next(m for m in at.metric if m.label == label).value.replace(",", ""))


def test_the_coverage_link_prefills_tenant_connection_and_template_rows(
        app: AppTest, sandbox_config: Path, sandbox: RunningSandbox) -> None:
    snapshot = read_us(sandbox)
    connection = next(c for c in snapshot.connections if c.stable_key == "billing-api")
    lacking = bulk.template_frame(connection, snapshot, missing_only=True)

    at = open_page(app, PAGE, tenant="us", connection="billing-api", template="missing")

    assert not at.exception and not at.error
    assert at.selectbox(key="bulk.connection").value == "billing-api"
    assert at.radio(key="bulk.template").value == "missing"
    assert f"{len(lacking):,} customers" in " ".join(c.value for c in at.caption)
    assert [b.label for b in at.get("download_button")] == ["Template (CSV)", "Template (XLSX)"]
    guide = bulk.column_guide(connection)
    columns = next(e for e in at.expander if e.label.startswith("Columns"))
    assert columns.label == f"Columns · {sum(g.required for g in guide)} required of {len(guide)}"
    shown = columns.dataframe[0].value
    assert list(shown["Column"]) == list(lacking.columns)
    assert list(shown["Takes"]) == [g.takes for g in guide]


def test_an_uploaded_file_shows_its_plan_and_applying_it_gives_a_report_without_secrets(
        app: AppTest, fresh_sandbox_config: Path, fresh_sandbox: RunningSandbox,
        downloads: Downloads) -> None:
    content, filled = warehouse_file(read_us(fresh_sandbox))
    at = open_page(app, PAGE, tenant="us", connection="customer-warehouse")
    at.file_uploader(key="bulk.file").set_value(("warehouse.csv", content, "text/csv"))
    at.run()

    assert not at.exception and not at.error
    assert metric(at, "Create") == len(filled) and metric(at, "Invalid") == 0
    plan = table(at, "action")
    assert sorted(plan["external_id"]) == sorted(filled["external_id"])
    assert SECRET not in plan.to_csv() and "password (secret set)" in plan["changes"].iloc[0]

    at.button(key="bulk.apply").click()
    at.run()

    assert not at.exception and not at.error
    assert "done" in at.success[0].value
    report = list(csv.DictReader(io.StringIO(
        downloads.data(at.get("download_button")[-1]).decode("utf-8-sig"))))
    assert {r["external_id"] for r in report} == set(filled["external_id"])
    assert {r["outcome"] for r in report} == {"done"}
    assert all(SECRET not in value for r in report for value in r.values())
    after = read_us(fresh_sandbox)
    written = {v.customer.external_id: v for v in after.customer_values
               if v.customer and v.stable_key == "customer-warehouse"}
    for external_id in filled["external_id"]:
        assert written[external_id].values["password"].secret_value() == SECRET
    assert metric(at, "Unchanged") == len(filled)  # the file checked again: nothing left to do


def test_after_an_apply_the_report_comes_first_and_the_rechecked_plan_is_folded_below(
        app: AppTest, fresh_sandbox_config: Path, fresh_sandbox: RunningSandbox) -> None:
    content, filled = warehouse_file(read_us(fresh_sandbox))
    content += b"nobody-by-that-id,,db.example.com,5432,app,loader,x\r\n"
    at = open_page(app, PAGE, tenant="us", connection="customer-warehouse")
    at.file_uploader(key="bulk.file").set_value(("warehouse.csv", content, "text/csv"))
    at.toggle(key="bulk.valid_only").set_value(True)
    at.run()
    assert "Only the valid rows will be sent" in at.error[0].value

    at.button(key="bulk.apply").click()
    at.run()

    assert not at.exception and not at.error  # no red "file has 1 problem" after the apply
    assert "Result of the apply" in at.subheader[0].value
    assert f"{len(filled)} done" in at.success[0].value
    folded = next(e for e in at.expander if e.label.startswith("The file checked again"))
    assert f"{len(filled)} unchanged" in folded.label and "1 invalid" in folded.label
    assert [m.label for m in folded.metric][:3] == ["Create", "Update", "Unchanged"]
    assert "Those rows were not sent" in folded.info[0].value
    assert not at.metric or all(m in list(folded.metric) for m in at.metric)


def test_a_file_with_problems_shows_them_grouped_by_kind_and_cannot_be_applied(
        app: AppTest, sandbox_config: Path) -> None:
    content = (b"external_id,customer_name,host,port,options\n"
               b"nobody-by-that-id,,db.example.com,5432,{}\n"
               b"my-external-id,,db.example.com,5432,{oops\n")
    at = open_page(app, PAGE, tenant="us", connection="customer-warehouse")
    at.file_uploader(key="bulk.file").set_value(("bad.csv", content, "text/csv"))
    at.run()

    assert not at.exception
    assert "Nothing will be sent" in at.error[0].value
    groups = {e.label: e for e in at.expander if not e.label.startswith("Columns")}
    assert set(groups) == {"unknown external ID · 1", "bad type · 1"}
    bad_type = groups["bad type · 1"].dataframe[0].value
    assert list(bad_type["row"]) == [3] and list(bad_type["column"]) == ["options"]
    assert at.button(key="bulk.apply").disabled


def test_a_value_unlike_its_inputs_name_is_warned_in_the_preview_and_can_be_applied(
        app: AppTest, sandbox_config: Path, sandbox: RunningSandbox) -> None:
    _, filled = warehouse_file(read_us(sandbox))
    frame = filled.assign(port="not-a-port")
    at = open_page(app, PAGE, tenant="us", connection="customer-warehouse")
    at.file_uploader(key="bulk.file").set_value(
        ("odd.csv", bulk.template_bytes(frame, "csv"), "text/csv"))
    at.run()

    assert not at.exception and not at.error
    assert any("do not look like their inputs' names suggest" in w.value for w in at.warning)
    plan = table(at, "warnings")
    assert plan["warnings"].str.contains("port: Port does not look like a port number").all()
    assert metric(at, "Create") == len(frame) and not at.button(key="bulk.apply").disabled


def test_an_interrupted_apply_of_the_same_file_is_offered_and_resumed(
        app: AppTest, fresh_sandbox_config: Path, fresh_sandbox: RunningSandbox) -> None:
    content, filled = warehouse_file(read_us(fresh_sandbox))
    tenant = TenantConfig(name="us", url=fresh_sandbox.stack_url("us"),
                          token=fresh_sandbox.token("us"))

    def stop_after_three(progress: bulk.Progress) -> None:
        if progress.finished == 3:
            raise KeyboardInterrupt("the tab was closed")

    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as store, \
            pytest.raises(KeyboardInterrupt):
        bulk.apply_upload(tenant, "warehouse.csv", content,
                          BulkOptions(connection="customer-warehouse"), store=store,
                          actor=Actor("ops", Role.OPERATOR), key=b"k",
                          on_progress=stop_after_three, open_client=async_clients(tenant))
    at = open_page(app, PAGE, tenant="us", connection="customer-warehouse")
    at.file_uploader(key="bulk.file").set_value(("warehouse.csv", content, "text/csv"))
    at.run()

    assert "An earlier apply of this file stopped" in at.info[-1].value
    assert "3 done" in at.info[-1].value
    assert at.button(key="bulk.apply").label == "Resume apply"
    at.button(key="bulk.apply").click()
    at.run()

    assert not at.exception and not at.error
    assert f"job 1 done: {len(filled)} done" in at.success[0].value


def test_a_rerun_reuses_the_template_of_the_same_read(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str, bool]] = []
    original = bulk.template_frame

    def counted(connection: OrgConnection, snapshot: TenantData, *, missing_only: bool
                ) -> pd.DataFrame:
        built.append((connection.stable_key, missing_only))
        return original(connection, snapshot, missing_only=missing_only)

    monkeypatch.setattr(bulk, "template_frame", counted)
    at = open_page(app, PAGE, tenant="us", connection="customer-warehouse", template="missing")
    assert built == [("customer-warehouse", True)]
    at.run()
    at.radio(key="bulk.template").set_value("all").run()
    at.radio(key="bulk.template").set_value("missing").run()
    assert built == [("customer-warehouse", True), ("customer-warehouse", False)]

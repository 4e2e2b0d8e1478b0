"""The Compare tenants page (AppTest): metrics, heatmap, table, filters and links, export, and
the sync plan — shown to admins only, applied after confirmation, audited.

Expected figures come from the seed's documented differences (crm-sync us only, baseUrl scoped
differently, four customers in each tenant only) and from the sandbox read with the client;
the comparison rules themselves are tested in tests/services.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from orgconn.models import InputScope
from orgconn.sandbox import RunningSandbox
from orgconn.store import open_store
from orgconn.ui import tables
from tests.edit_support import sandbox_client
from tests.pages.conftest import APP, TIMEOUT, Configure, Downloads, open_page, sandbox_tenants

PAGE = "pages/compare.py"


def another() -> AppTest:
    """A second AppTest of the dashboard (a second visitor, e.g. one opening a link)."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def param(at: AppTest, name: str) -> list[str]:
    """A query parameter's values as the page left them in the link."""
    value = at.query_params.get(name, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def frame_with(at: AppTest, column: str) -> pd.DataFrame | None:
    """The first table showing ``column`` (AppTest gives st.dataframe no key to find it by)."""
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def table(at: AppTest) -> pd.DataFrame:
    """The differences table (the one with ``drift_in``)."""
    found = frame_with(at, "drift_in")
    assert found is not None, "no differences table"
    return found


def test_both_tenants_are_compared_by_default_with_the_seeded_drift_counted(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    assert at.multiselect(key="compare.tenants").value == ["us", "eu"]
    shown = metrics(at)
    assert (shown["Connection missing"], shown["Input scope"], shown["Customer missing"]) == (
        "1", "1", "8")
    rows = table(at)
    assert shown["Differences"] == f"{len(rows):,}"  # no "can't compare" on the demo tenants
    crm = rows[rows["kind"] == "connection_missing"].iloc[0]
    assert (crm["stable_key"], crm["us"], crm["eu"]) == ("crm-sync", "present", "missing")
    assert "canary-" not in rows.to_csv()
    assert at.get("plotly_chart")  # the heatmap
    assert {"sftp-drop", "billing-api"} == set(
        rows.loc[rows["kind"] == "default_for_component", "stable_key"])
    left_out = [c.value for c in at.caption if "Left out of the customer comparison" in c.value]
    assert left_out and "us: 2 (Lakeside Veterinary Clinic, Old Mill Bakery)" in left_out[0]


def test_the_heatmap_says_what_its_numbers_count_and_agrees_with_the_overview(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    overview = frame_with(at, "exists_in")
    assert overview is not None
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    rows = spec["data"][0]["y"]
    for key, total in zip(overview["stable_key"], overview["differences"], strict=True):
        assert f"{key}<br>({total:,} in all)" in rows
    assert any("takes part in" in c.value and "each counted once" in c.value
               for c in at.caption)


def test_the_tables_read_as_words_with_the_customer_its_values_and_links_first(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    shown = next(d for d in at.dataframe if "drift_in" in d.value.columns)
    config = json.loads(shown.proto.columns)
    order = list(shown.proto.column_order)
    assert order[:9] == ["kind", "stable_key", "customer_name", "customer_external_id", "input",
                         "us", "eu", "link us", "link eu"]
    assert config["drift_in"]["label"] == "Differs in"
    assert config["customer_external_id"]["label"] == "External ID"
    kinds = {o["value"]: o["label"] for o in config["kind"]["type_config"]["options"]}
    assert kinds["customer_missing"] == "Customer missing"
    plan = next(d for d in at.dataframe if "reason" in d.value.columns)
    assert list(plan.proto.column_order)[:3] == ["action", "stable_key", "reason"]
    assert json.loads(plan.proto.columns)["reason"]["label"] == "Why"
    assert plan.proto.row_height == tables.WRAPPING_ROW_HEIGHT, "long reasons wrap"


def test_customer_rows_link_to_the_customer_values_page_of_each_tenant(
        app: AppTest, sandbox_config: Path) -> None:
    rows = table(open_page(app, PAGE, kind="customer_configured"))
    row = rows.iloc[0]
    assert row["link us"] == (f"customer_values?tenant=us&connection={row['stable_key']}"
                              f"&customer={row['customer_external_id']}")
    missing = table(open_page(another(), PAGE,
                              kind="customer_missing"))
    assert set(missing["link us"]) == {""}  # no connection to open


def test_filters_narrow_the_table_and_live_in_the_link(app: AppTest,
                                                       sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    at.multiselect(key="compare.kind").set_value(["customer_missing"]).run()
    assert set(table(at)["kind"]) == {"customer_missing"} and len(table(at)) == 8
    assert param(at, "kind") == ["customer_missing"]
    at.multiselect(key="compare.kind").set_value([]).run()
    at.text_input(key="compare.search").set_value("cust-00003").run()
    assert set(table(at)["customer_external_id"]) == {"cust-00003"}
    assert param(at, "q") == ["cust-00003"]
    linked = open_page(another(), PAGE, connection="crm-sync")
    assert set(table(linked)["stable_key"]) == {"crm-sync"}


def test_the_csv_export_is_the_filtered_table(app: AppTest, sandbox_config: Path,
                                              downloads: Downloads) -> None:
    at = open_page(app, PAGE, connection="sftp-drop")
    data = downloads.data(at.get("download_button")[0])
    exported = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    shown = table(at)
    assert exported["kind"].tolist() == shown["kind"].tolist()
    assert list(exported.columns) == [c for c in shown.columns if not c.startswith("link ")]
    assert set(exported["stable_key"]) == {"sftp-drop"}


def test_one_tenant_is_not_enough(app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE, compare="us")
    assert "at least two tenants" in at.info[0].value
    assert not at.get("dataframe")


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_below_admin_the_comparison_shows_but_no_sync_plan(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    monkeypatch.setenv("ORGCONN_ACCESS__LOCAL_ROLE", role)
    at = open_page(app, PAGE)
    assert table(at) is not None and not at.exception
    assert not [s for s in at.subheader if s.value == "Sync plan"]
    assert frame_with(at, "reason") is None  # the plan table


def test_an_admin_applies_the_demo_plan_and_the_missing_connection_is_gone(
        app: AppTest, fresh_sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    plan = frame_with(at, "reason").set_index("stable_key")
    assert plan.loc["crm-sync", "action"] == "create"
    assert plan.loc["acme-api-key", "action"] == "needs manual action"
    assert plan.loc["sftp-drop", "action"] == "update" and plan.loc["sftp-drop",
                                                                     "default_for_component"]
    assert at.button(key="compare.sync.apply").disabled  # until the plan is confirmed
    at.checkbox(key="compare.sync.ok").check().run()
    at.button(key="compare.sync.apply").click().run()
    assert not at.exception and not at.error
    results = frame_with(at, "outcome")
    assert results.to_dict("records") == [
        {"stable_key": "crm-sync", "action": "create", "outcome": "ok"},
        {"stable_key": "billing-api", "action": "update", "outcome": "ok"},
        {"stable_key": "sftp-drop", "action": "update", "outcome": "ok"}]
    rows = table(at)
    crm = rows[rows["stable_key"] == "crm-sync"]  # now customers' values differ instead
    assert set(crm["kind"]) == {"customer_configured"}
    assert "default_for_component" not in set(rows["kind"])  # carried by the plan
    assert metrics(at)["Connection missing"] == "0"
    with open_store(f"sqlite:///{fresh_sandbox_config.parent / 'orgconn.db'}") as store:
        assert [(e.action, e.tenant, e.stable_key) for e in store.audit()] == [
            ("sync_update", "eu", "sftp-drop"), ("sync_update", "eu", "billing-api"),
            ("sync_create", "eu", "crm-sync")]


def test_a_protected_target_needs_its_name_typed(app: AppTest, configure: Configure,
                                                 fresh_sandbox: RunningSandbox) -> None:
    tenants = sandbox_tenants(fresh_sandbox)
    tenants["eu"] = {**tenants["eu"], "protected": True}
    configure(tenants)
    at = open_page(app, PAGE)
    at.checkbox(key="compare.sync.ok").check().run()
    at.button(key="compare.sync.apply").click().run()
    assert "type its name" in at.error[0].value
    with sandbox_client(fresh_sandbox, "eu") as eu:
        assert eu.connection("crm-sync") is None
    at.text_input(key="compare.sync.typed").set_value("eu")
    at.button(key="compare.sync.apply").click().run()
    assert not at.error
    with sandbox_client(fresh_sandbox, "eu") as eu:
        assert eu.connection("crm-sync") is not None


def test_secret_global_values_are_typed_in_never_copied(
        app: AppTest, fresh_sandbox_config: Path, fresh_sandbox: RunningSandbox) -> None:
    with sandbox_client(fresh_sandbox, "us") as us:
        http = next(c for c in us.components() if c.key == "http")
        api_key = next(c for c in http.connections if c.key == "apiKey")
        us.create_org_connection(api_key, name="Partner API", stable_key="partner-api",
                                 scopes={"apiKey": InputScope.ORG},
                                 global_values={"apiKey": SecretStr("canary-partner")})
    at = open_page(app, PAGE)
    secret = at.text_input(key="compare.sync.secret.partner-api.apiKey")
    assert secret.value == ""  # never prefilled from the source
    at.checkbox(key="compare.sync.ok").check().run()
    at.button(key="compare.sync.apply").click().run()
    assert "type the secret global value of apiKey of partner-api" in at.error[0].value
    at.text_input(key="compare.sync.secret.partner-api.apiKey").input("canary-partner")
    at.button(key="compare.sync.apply").click().run()
    assert not at.error
    rows = table(at)
    assert not len(rows[rows["stable_key"] == "partner-api"])  # same definition, same secret


def test_a_filter_rerun_reuses_the_comparison_and_a_refresh_computes_it_again(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orgconn.services.compare import compare

    calls: list[int] = []
    differences = compare.differences
    monkeypatch.setattr(compare, "differences",
                        lambda *a, **kw: calls.append(1) or differences(*a, **kw))
    at = open_page(app, PAGE)
    assert len(calls) == 1
    kinds = at.multiselect(key="compare.kind")
    kinds.select(kinds.options[0]).run()
    at.text_input(key="compare.search").input("zz-no-such-customer").run()
    assert len(calls) == 1, "filters reuse the kept comparison"
    assert not at.exception
    at.button(key="sidebar.refresh").click().run()
    assert len(calls) == 2, "Refresh reads again and compares again"

"""The coverage page on the shared sandbox: what it shows agrees with what the client reads.

Expected figures come from reading the sandbox with `PrismaticClient` (plus the coverage
rules of `orgconn.services.coverage`, tested on their own in tests/services) and plain pandas
here — never from the page's own code path, and never hard-coded.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.models import CoverageRead, TenantData
from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import EXPORT_COLUMNS, coverage_frame
from tests.client.fake_prismatic import route_every_client
from tests.commands import odd_tenants
from tests.pages.conftest import APP, Downloads, open_page

PAGE = "pages/coverage.py"
TENANTS = ("us", "eu")
ID_COLUMNS = ["tenant", "customer_external_id", "customer_name"]


@dataclass(frozen=True)
class Expected:
    """What the client reads from the sandbox: snapshots and the long coverage frame."""

    snapshots: dict[str, TenantData]
    frame: pd.DataFrame
    others: dict[str, set[str]]

    def gaps(self, frame: pd.DataFrame | None = None) -> set[tuple[str, str, str, str, str]]:
        """(tenant, stable key, external ID, customer name, status) of every cell that is not
        complete (the name tells apart customers without an external ID)."""
        rows = self.frame if frame is None else frame
        rows = rows[rows["status"].astype(str) != "complete"]
        return set(zip(rows["tenant"], rows["stable_key"], rows["customer_external_id"],
                       rows["customer_name"], rows["status"].astype(str), strict=True))


def read_tenant(box: RunningSandbox, name: str) -> PrismaticClient:
    """A client of ``name`` on ``box``."""
    return PrismaticClient(TenantConfig(name=name, url=box.stack_url(name),
                                        token=box.token(name)))


def read_expected(box: RunningSandbox) -> Expected:
    """Read both tenants of ``box`` with the client."""
    snapshots, frames, others = {}, [], {}
    for name in TENANTS:
        with read_tenant(box, name) as client:
            snapshots[name] = client.read_tenant()
            others[name] = {c.stable_key for c in client.all_connections()
                            if not c.is_org_activated_customer or c.owner is not None}
            impact = client.instance_impact()
        frames.append(coverage_frame(name, CoverageRead.of_tenant_data(snapshots[name], impact)))
    frame = pd.concat(frames, ignore_index=True)
    frame["status"] = frame["status"].astype(str)
    return Expected(snapshots, frame, others)


@pytest.fixture(scope="module")
def expected(sandbox: RunningSandbox) -> Expected:
    """The shared sandbox as the client reads it."""
    return read_expected(sandbox)


def tab(at: AppTest, label: str) -> Any:
    """The tab called ``label``, opened as a click would (only the open tab is drawn)."""
    if at.session_state["view"] != label:
        at.session_state["view"] = label
        at.run()
    return next(t for t in at.tabs if t.label == label)


def dataframe(at: AppTest, label: str) -> pd.DataFrame:
    """The table of the tab called ``label`` (st.dataframe without selection has no key)."""
    return tab(at, label).dataframe[0].value


def param(at: AppTest, name: str) -> list[str]:
    """The values of query parameter ``name`` after the last run."""
    value = at.query_params.get(name, [])
    return [value] if isinstance(value, str) else list(value)


def cells_matching(at: AppTest) -> int:
    """The number of matching cells the page states ("N of M ... cells match")."""
    caption = next(c.value for c in at.caption if "cells match" in c.value)
    return int(re.search(r"([\d,]+) of [\d,]+ customer", caption).group(1).replace(",", ""))


def shown_gaps(at: AppTest) -> set[tuple[str, str, str, str, str]]:
    """(tenant, stable key, external ID, customer name, status) of the rows of the Gaps tab."""
    gaps = dataframe(at, "Gaps")
    return set(zip(gaps["tenant"], gaps["stable_key"], gaps["customer_external_id"],
                   gaps["customer_name"], gaps["status"].str[0], strict=True))  # [status]


def shown_customers(at: AppTest) -> set[tuple[str, str]]:
    """(tenant, external ID) of the matrix rows."""
    matrix = dataframe(at, "Matrix")
    return set(zip(matrix["tenant"], matrix["customer_external_id"], strict=True))


# --- metrics and matrix -------------------------------------------------------------------------

def test_the_metrics_of_each_tenant_agree_with_the_client(app: AppTest, sandbox_config: Path,
                                                          expected: Expected) -> None:
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    shown = [(m.label, m.value) for m in at.metric]
    wanted = []
    for name in TENANTS:  # in the order of the tenant picker
        snapshot = expected.snapshots[name]
        managed = [c for c in snapshot.connections if c.is_org_activated_customer]
        cells = expected.frame[expected.frame["tenant"] == name]
        percent = 100.0 * (cells["status"] == "complete").sum() / len(cells)
        blocking = cells[cells["blocking"]]
        wanted += [("Customers", f"{len(snapshot.customers):,}"),
                   ("Connections", str(len(managed))), ("Complete", f"{percent:.1f}%"),
                   ("Blocked customers", f"{blocking['customer_id'].nunique():,}"),
                   ("Blocked instances", f"{int(blocking['instances'].sum()):,}")]
    assert shown == wanted


def test_the_matrix_has_a_status_in_every_cell_naming_missing_inputs(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE)
    matrix = dataframe(at, "Matrix")
    customers = [(t, c.external_id or "", c.name) for t, s in expected.snapshots.items()
                 for c in s.customers]  # two customers have no external ID: names tell apart
    assert len(set(customers)) == len(customers) == len(matrix)
    assert set(zip(matrix["tenant"], matrix["customer_external_id"], matrix["customer_name"],
                   strict=True)) == set(customers)
    cells = matrix.melt(id_vars=ID_COLUMNS, var_name="connection", value_name="labels")
    shown = {(r.tenant, r.customer_external_id, r.customer_name, r.connection): list(r.labels)
             for r in cells.itertuples()}
    for row in expected.frame.itertuples():
        labels = shown.pop((row.tenant, row.customer_external_id, row.customer_name,
                            row.connection))
        assert labels[0] == row.status, "the status is a cell's first (coloured) label"
        if row.status == "incomplete":
            assert labels[1:] == row.missing_inputs.split(";")
    # what is left are connections a tenant does not have (crm-sync exists in us only)
    assert shown and {tuple(v) for v in shown.values()} == {("—",)}
    assert {k[0] for k in shown} == {"eu"}


def test_status_cells_are_words_in_colour_with_a_legend_and_no_emoji(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    matrix = tab(at, "Matrix").dataframe[0]
    config = json.loads(matrix.proto.columns)
    statuses = [c for c in matrix.value.columns if c not in ID_COLUMNS]
    for column in statuses:
        assert config[column]["type_config"]["type"] == "multiselect"
        colours = {o["value"]: o.get("color") for o in config[column]["type_config"]["options"]}
        assert set(colours) == {"complete", "incomplete", "missing", "error"}
        assert len(set(colours.values())) == 4, "each status has its own colour"
    assert [config[c]["label"] for c in ID_COLUMNS] == ["Tenant", "External ID", "Customer"]
    legend = next(c.value for c in tab(at, "Matrix").caption if "Status of each" in c.value)
    assert ":green-badge[complete]" in legend and ":red-badge[error]" in legend
    seen = " ".join(str(v) for v in matrix.value.to_numpy().ravel())
    assert not re.search("[\u2705\U0001F7E0\u2B1C\U0001F534]", seen), "no emoji marks"


def test_the_tenant_cards_follow_the_connection_filter_and_say_what_they_count(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE, connection="acme-api-key", status="missing")
    frame = expected.frame[expected.frame["stable_key"] == "acme-api-key"]
    wanted = []
    for name in TENANTS:
        cells = frame[frame["tenant"] == name]
        wanted.append(("Complete", f"{100.0 * (cells['status'] == 'complete').mean():.1f}%"))
        assert any(f"{(cells['status'] == 'complete').sum()} of {len(cells)} customer × "
                   "connection pairs complete (filtered)" in c.value for c in at.caption)
    assert [(m.label, m.value) for m in at.metric if m.label == "Complete"] == wanted
    assert [m.value for m in at.metric if m.label == "Connections"] == ["1", "1"]


def test_the_connection_filter_shows_names_with_the_stable_key(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE)
    names = dict(zip(expected.frame["stable_key"], expected.frame["connection"], strict=True))
    box = at.multiselect(key="coverage.connection")
    assert sorted(box.options) == sorted(f"{n} ({k})" for k, n in names.items())


def test_connections_orgconn_does_not_manage_are_listed_apart(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE)
    others = dataframe(at, "Other connections")
    for name in TENANTS:
        listed = set(others.loc[others["tenant"] == name, "stable_key"])
        assert listed == expected.others[name]
        assert not listed & set(expected.frame["stable_key"])
    owned = tab(at, "Other connections").dataframe[1].value
    assert set(owned["stable_key"]) == {"northwind-acme-key"}
    assert set(owned["status"]) == {"missing"} and set(owned["tenant"]) == set(TENANTS)


# --- filters, by widget and by link ---------------------------------------------------------------

@dataclass(frozen=True)
class FilterCase:
    """One filter: its widget, how a test sets it, its link parameter and what it keeps."""

    widget: str
    param: str
    link_value: Callable[[Expected], str | list[str]]
    keeps: Callable[[pd.DataFrame, Expected], pd.Series]


def _first_gap_key(e: Expected) -> str:
    return str(e.frame.loc[e.frame["status"] == "error", "stable_key"].iloc[0])


def _a_label(e: Expected) -> str:
    return sorted({x for labels in e.frame["labels"] for x in labels.split(";") if x})[0]


def _has_label(frame: pd.DataFrame, label: str) -> pd.Series:
    return frame["labels"].map(lambda text: label in text.split(";"))


def _a_name_part(e: Expected) -> str:
    return str(e.frame["customer_name"].iloc[5]).split()[0].upper()


def _name_or_id_has(frame: pd.DataFrame, term: str) -> pd.Series:
    term = term.lower()
    return (frame["customer_name"].str.lower().str.contains(term, regex=False)
            | frame["customer_external_id"].str.lower().str.contains(term, regex=False))


FILTERS = {
    "connection": FilterCase(
        "coverage.connection", "connection", lambda e: ["crm-sync", _first_gap_key(e)],
        lambda f, e: f["stable_key"].isin(["crm-sync", _first_gap_key(e)])),
    "status": FilterCase(
        "coverage.status", "status", lambda e: ["error", "incomplete"],
        lambda f, e: f["status"].isin(["error", "incomplete"])),
    "label": FilterCase(
        "coverage.label", "label", lambda e: [_a_label(e)],
        lambda f, e: _has_label(f, _a_label(e))),
    "search": FilterCase(
        "coverage.search", "q", _a_name_part,
        lambda f, e: _name_or_id_has(f, _a_name_part(e))),
    "only gaps": FilterCase(
        "coverage.only_gaps", "gaps", lambda e: "1",
        lambda f, e: f["status"] != "complete"),
    "blocking only": FilterCase(
        "coverage.blocking", "blocking", lambda e: "1", lambda f, e: f["blocking"]),
}
TOGGLES = ("coverage.only_gaps", "coverage.blocking")


def set_widget(at: AppTest, case: FilterCase, value: str | list[str]) -> AppTest:
    """Set the filter's widget as a user would, and rerun."""
    if case.widget == "coverage.search":
        at.text_input(key=case.widget).input(str(value))
    elif case.widget in TOGGLES:
        at.toggle(key=case.widget).set_value(True)
    else:
        at.multiselect(key=case.widget).set_value(list(value))
    return at.run()


def assert_view(at: AppTest, expected: Expected, kept: pd.DataFrame) -> None:
    """The page shows exactly the cells of ``kept``."""
    assert not at.exception and not at.error
    assert cells_matching(at) == len(kept)
    assert shown_gaps(at) == expected.gaps(kept)
    assert shown_customers(at) == set(zip(kept["tenant"], kept["customer_external_id"],
                                          strict=True))


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_set_by_its_widget_narrows_the_view_and_goes_into_the_link(
        app: AppTest, sandbox_config: Path, expected: Expected, name: str) -> None:
    case = FILTERS[name]
    value = case.link_value(expected)
    at = set_widget(open_page(app, PAGE), case, value)
    kept = expected.frame[case.keeps(expected.frame, expected)]
    assert 0 < len(kept) < len(expected.frame), "the filter must keep some cells, not all"
    assert_view(at, expected, kept)
    assert param(at, case.param) == ([value] if isinstance(value, str) else value)


@pytest.mark.parametrize("name", FILTERS)
def test_a_pasted_link_with_each_filter_reproduces_the_view(
        app: AppTest, sandbox_config: Path, expected: Expected, name: str) -> None:
    case = FILTERS[name]
    value = case.link_value(expected)
    at = open_page(app, PAGE, **{case.param: value})
    kept = expected.frame[case.keeps(expected.frame, expected)]
    assert_view(at, expected, kept)
    widget_value = at.session_state[case.widget]
    assert widget_value == (True if case.widget in TOGGLES else value)


def test_filters_combine_and_clearing_one_removes_it_from_the_link(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE, connection="billing-api", status=["incomplete", "missing"])
    frame = expected.frame
    kept = frame[(frame["stable_key"] == "billing-api")
                 & frame["status"].isin(["incomplete", "missing"])]
    assert_view(at, expected, kept)
    at.multiselect(key="coverage.status").set_value([]).run()
    assert "status" not in at.query_params and param(at, "connection") == ["billing-api"]
    assert_view(at, expected, frame[frame["stable_key"] == "billing-api"])


def test_only_the_open_tab_is_drawn_and_a_link_can_open_the_gaps_tab(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    assert at.session_state["view"] == "Matrix"
    assert len(at.download_button) == 0, "the Gaps tab is not drawn while Matrix is open"
    before = len(at.dataframe)
    at = AppTest.from_file(APP, default_timeout=app.default_timeout)
    at.query_params["view"] = "Gaps"  # a link to /?view=Gaps (app.py draws coverage too)
    at.run()
    assert at.session_state["view"] == "Gaps"
    assert [b.label for b in at.download_button] == ["Download gaps (CSV)"]
    gaps_table = next(t for t in at.tabs if t.label == "Gaps").dataframe
    matrix_table = next(t for t in at.tabs if t.label == "Matrix").dataframe
    assert len(gaps_table) == 1 and len(matrix_table) == 0
    assert len(at.dataframe) == before, "one table per view: the gaps' instead of the matrix'"


def test_a_link_may_pick_the_tenants_too(app: AppTest, sandbox_config: Path,
                                         expected: Expected) -> None:
    at = open_page(app, PAGE, tenant="eu", gaps="1")
    frame = expected.frame
    assert_view(at, expected, frame[(frame["tenant"] == "eu") & (frame["status"] != "complete")])
    assert [m.label for m in at.metric] == ["Customers", "Connections", "Complete",
                                            "Blocked customers", "Blocked instances"]


# --- the gaps: download and links -----------------------------------------------------------------

def test_the_gaps_download_is_the_gap_list_of_the_view_without_secrets(
        app: AppTest, sandbox_config: Path, expected: Expected, downloads: Downloads) -> None:
    at = open_page(app, PAGE, status="incomplete")
    button = tab(at, "Gaps").download_button[0]
    assert button.label == "Download gaps (CSV)"
    data = downloads.data(button)
    assert b"canary-" not in data, "no secret value in an export"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == EXPORT_COLUMNS
    frame = expected.frame[expected.frame["status"] == "incomplete"]
    wanted = {tuple(str(v) for v in r) for r in frame[EXPORT_COLUMNS].itertuples(index=False)}
    assert {tuple(r) for r in rows[1:]} == wanted and len(rows) - 1 == len(frame)
    missing_inputs = EXPORT_COLUMNS.index("missing_inputs")
    assert all(r[missing_inputs] for r in rows[1:]), "an incomplete row names its inputs"
    instances = [int(r[EXPORT_COLUMNS.index("instances")]) for r in rows[1:]]
    assert instances == sorted(instances, reverse=True), "most instances first"


def test_each_gap_links_to_the_customer_values_page_prefilled(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE, gaps="1")
    gaps = dataframe(at, "Gaps")
    assert len(gaps) == len(expected.gaps())
    ids = {(t, c.name): c.id for t, s in expected.snapshots.items() for c in s.customers}
    for row in gaps.itertuples():
        link = urlsplit(row.fix)
        assert link.path == "customer_values"
        customer = row.customer_external_id or ids[(row.tenant, row.customer_name)]
        assert parse_qs(link.query) == {"tenant": [row.tenant], "connection": [row.stable_key],
                                        "customer": [customer]}
    assert "" in set(gaps["customer_external_id"])  # customers without one: linked by ID


def test_bulk_upload_templates_are_offered_per_tenant_and_connection_with_gaps(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE)
    text = "\n".join(m.value for m in tab(at, "Gaps").markdown)
    links = [parse_qs(urlsplit(u).query) for u in re.findall(r"\]\((bulk_upload\?[^)]+)\)", text)]
    assert all(q["template"] == ["missing"] for q in links)
    offered = [(q["tenant"][0], q["connection"][0]) for q in links]
    assert sorted(offered) == sorted({(t, k) for t, k, *_ in expected.gaps()})


def test_each_template_link_says_how_many_gaps_it_covers_and_which_it_leaves_out(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE)
    text = "\n".join(m.value for m in tab(at, "Gaps").markdown)
    gaps = expected.frame[expected.frame["status"] != "complete"]
    assert (gaps["status"] == "error").any(), "the sandbox has error rows to leave out"
    for (tenant, key), rows in gaps.groupby(["tenant", "stable_key"]):
        line = next(x for x in text.splitlines() if f"tenant={tenant}&connection={key}&" in x)
        no_id = rows[rows["customer_external_id"] == ""]
        errors = rows[(rows["status"] == "error") & (rows["customer_external_id"] != "")]
        left = len(errors) + len(no_id)
        assert f"covers {len(rows) - left} of these {len(rows)} gaps" in line
        if len(no_id):
            assert f"leaves out {len(no_id)} (no external ID" in line
        if len(errors):
            assert f"leaves out {len(errors)} (values set, but the connection reports an " \
                   "error" in line
            assert errors["customer_name"].iloc[0] in line
        if not left:
            assert "leaves out" not in line


# --- blocking gaps -------------------------------------------------------------------------------

def test_the_blocking_gaps_come_first_most_instances_first_each_with_its_fix(
        app: AppTest, sandbox_config: Path, expected: Expected) -> None:
    at = open_page(app, PAGE)
    table = at.dataframe[0].value  # the first table on the page, above the chart and tabs
    frame = expected.frame
    blocking = frame[frame["blocking"]]
    keys = ["tenant", "stable_key", "customer_external_id", "customer_name"]
    assert set(table[keys].itertuples(index=False, name=None)) == set(
        blocking[keys].itertuples(index=False, name=None))
    assert len(table) == len(blocking)
    for tenant in TENANTS:
        counts = list(table.loc[table["tenant"] == tenant, "instances"])
        assert counts == sorted(counts, reverse=True) and min(counts) > 0
    mine = blocking.set_index(keys)
    for row in table.itertuples():
        cell = mine.loc[(row.tenant, row.stable_key, row.customer_external_id, row.customer_name)]
        assert (row.instances, row.enabled_instances, row.failing_instances) == (
            cell["instances"], cell["enabled_instances"], cell["failing_instances"])
        assert parse_qs(urlsplit(row.fix).query) == {
            "tenant": [row.tenant], "connection": [row.stable_key],
            "customer": [row.customer_external_id or cell["customer_id"]]}
    first = dataframe(at, "Gaps").head(len(blocking))  # the Gaps tab: blocking ones first
    assert set(first[keys].itertuples(index=False, name=None)) == set(mine.index)


def test_a_tenant_that_cannot_say_which_instances_it_blocks_shows_unknown_not_zero(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(*args: Any, **kwargs: Any) -> Any:  # the plan of a tenant that cannot answer
        return None
        yield

    monkeypatch.setattr("orgconn.client.impact.instance_impact", unknown)
    at = open_page(app, PAGE, tenant="eu")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Blocked customers"] == "unknown" and metrics["Blocked instances"] == "unknown"
    assert any("Impact unknown" in w.value for w in at.warning)
    assert dataframe(at, "Gaps")["instances"].isna().all()


# --- Refresh --------------------------------------------------------------------------------------

def test_refresh_fetches_again_what_the_cache_still_held(
        app: AppTest, fresh_sandbox_config: Path, fresh_sandbox: RunningSandbox) -> None:
    before = read_expected(fresh_sandbox).frame
    gap = before[(before["tenant"] == "us") & (before["stable_key"] == "crm-sync")
                 & (before["status"] == "missing")].iloc[0]

    def cell(at: AppTest) -> str:
        matrix = dataframe(at, "Matrix")
        return str(matrix.loc[matrix["customer_external_id"] == gap.customer_external_id,
                              gap.connection].iloc[0])

    at = open_page(app, PAGE, tenant="us", q=gap.customer_external_id)
    assert "missing" in cell(at)
    with read_tenant(fresh_sandbox, "us") as client:
        connection = client.connection("crm-sync")
        assert connection is not None
        client.upsert_customer_values(connection, gap.customer_id,
                                      {"accessToken": SecretStr("canary-refresh-test")})
    assert "missing" in cell(at.run()), "within the cache's lifetime the page shows its copy"
    at.button(key="sidebar.refresh").click().run()
    assert not at.exception
    assert "complete" in cell(at) and "incomplete" not in cell(at)


def test_a_tenant_without_org_activated_connections_is_said_to_have_none(
        app: AppTest, sandbox_config: Path, expected: Expected,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from orgconn.ui import context

    loaded = context.coverage_read
    monkeypatch.setattr(context, "coverage_read", lambda name, url: (
        loaded(name, url)._replace(connections=()) if name == "eu" else loaded(name, url)))
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    assert any("no org-activated customer connection yet" in i.value and "eu" in i.value
               for i in at.info)
    assert shown_customers(at) == {("us", c.external_id or "")
                                   for c in expected.snapshots["us"].customers}


@pytest.mark.parametrize("shape", sorted(odd_tenants.SHAPES))
def test_a_tenant_with_nothing_to_cover_shows_why_and_no_error(
        app: AppTest, configure: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        shape: str) -> None:
    build, sentence = odd_tenants.SHAPES[shape]
    route_every_client(monkeypatch, build())
    configure({"odd": {"url": odd_tenants.URL, "token": "odd-token-0001"}})

    at = open_page(app, "pages/coverage.py")

    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [f"odd {sentence}" + (
        ": nothing to cover (create one on the Connections page or in Prismatic)"
        if shape == "no-connection" else ": nothing to cover")]
    assert not at.warning

"""The Rollout page (AppTest): charts and their data, filters in the link, targets, downloads."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import coverage_frame
from orgconn.services.rollout import rollout, rollout_charts, snapshots
from orgconn.store import open_store
from tests.pages.conftest import Downloads, open_page

PAGE = "pages/rollout.py"


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Each plotly chart on the page by key: its figure (``spec``) and ``config``."""
    found = {}
    for element in at.get("plotly_chart"):
        proto = element.proto
        found[proto.id] = {"spec": json.loads(proto.spec), "config": json.loads(proto.config)}
    return found


def chart(at: AppTest, key: str) -> dict[str, Any]:
    """The chart whose key contains ``key``, opening the By connection tab if it is there
    (only the open tab is drawn)."""
    found = next((v for k, v in charts(at).items() if key in k), None)
    if found is None and at.session_state["view"] != "By connection":
        by_connection(at)
        found = next((v for k, v in charts(at).items() if key in k), None)
    assert found is not None, f"no chart {key!r} on either tab"
    return found


def by_connection(at: AppTest) -> AppTest:
    """Open the By connection tab, as a click would."""
    at.session_state["view"] = "By connection"
    return at.run()


def csv(downloads: Downloads, at: AppTest, key: str) -> pd.DataFrame:
    data = downloads.data(at.download_button(key=key)).decode("utf-8-sig")
    return pd.read_csv(io.StringIO(data))


def store_snapshots(tenant: str) -> pd.DataFrame:
    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as store:
        return store.snapshot_series(tenant)


def test_on_first_load_the_page_records_a_snapshot_and_shows_the_estimate_before_it(
        app: AppTest, sandbox_config: Path, downloads: Downloads) -> None:
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    stored = pd.concat([store_snapshots(tenant) for tenant in ("us", "eu")])
    assert stored.groupby("tenant")["snapshot_id"].nunique().to_dict() == {"us": 1, "eu": 1}

    series = csv(downloads, at, "rollout.coverage.csv")
    recorded, estimated = series[~series["estimated"]], series[series["estimated"]]
    pairs = set(zip(stored["tenant"], stored["stable_key"], strict=True))
    assert set(zip(recorded["tenant"], recorded["stable_key"], strict=True)) == pairs
    assert len(recorded) == len(pairs)  # today's snapshot: one point per tenant and connection
    assert recorded.set_index(["tenant", "stable_key"])["complete"].to_dict() == (
        stored.set_index(["tenant", "stable_key"])["complete"].to_dict())
    assert pd.to_datetime(estimated["taken_at"]).min() < pd.Timestamp.now(tz="UTC") - pd.Timedelta(
        days=120)
    figure = chart(at, "rollout.coverage")
    dashed = [t for t in figure["spec"]["data"] if t["name"].endswith("(estimate)")]
    assert dashed and all(t["line"]["dash"] == "dash" for t in dashed)
    assert figure["config"]["toImageButtonOptions"]["format"] == "png"
    for key in ("rollout.status", "rollout.segments"):
        assert chart(at, key)["spec"]["data"]


def test_filters_in_the_link_pick_the_connection_and_the_segment(
        app: AppTest, sandbox_config: Path, sandbox: RunningSandbox,
        downloads: Downloads) -> None:
    at = by_connection(open_page(app, PAGE, connection="billing-api", segment="tier:enterprise"))
    assert at.selectbox(key="rollout.connection").value == "billing-api"
    assert at.selectbox(key="rollout.segment").value == "tier:enterprise"
    status = csv(downloads, at, "rollout.status.csv")
    assert set(status["stable_key"]) == {"billing-api"}
    tenant = TenantConfig(name="us", url=sandbox.stack_url("us"), token=sandbox.token("us"))
    with PrismaticClient(tenant) as client:
        customers = client.read_tenant().customers
    enterprise = sum(1 for c in customers if "tier:enterprise" in c.labels)
    today = status[(status["tenant"] == "us") & ~status["estimated"]]
    assert today["total"].tolist() == [enterprise]
    at.selectbox(key="rollout.connection").set_value("sftp-drop").run()
    assert at.query_params["connection"] == "sftp-drop"


def test_an_admin_sets_a_target_and_sees_the_trend_extended_to_its_date(
        app: AppTest, sandbox_config: Path, downloads: Downloads) -> None:
    at = by_connection(open_page(app, PAGE, connection="webhook-signing"))
    at.selectbox(key="rollout.target_tenant").set_value("us")
    at.number_input(key="rollout.target_pct").set_value(75.0)
    at.button(key="rollout.target_set").click().run()
    assert not at.error
    assert any("Target set: 75% by" in s.value for s in at.success)
    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as store:
        target = store.rollout_target("us", "webhook-signing")
    assert target is not None and target.target_pct == 75.0
    figure = chart(at, "rollout.target-us")["spec"]
    trend = next(t for t in figure["data"] if t["name"] == "trend")
    assert pd.Timestamp(trend["x"][-1]).date() >= target.target_date
    table = csv(downloads, at, "rollout.targets.csv")
    assert table.loc[0, "target_pct"] == 75.0 and table.loc[0, "tenant"] == "us"


def test_a_viewer_sees_targets_but_cannot_set_one(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGCONN_ACCESS__LOCAL_ROLE", "viewer")
    at = by_connection(open_page(app, PAGE))
    assert not at.exception
    assert not [b for b in at.button if b.key == "rollout.target_set"]
    assert any("an admin can set one" in c.value for c in at.caption)


def test_newly_configured_counts_agree_with_the_downloaded_list(
        app: AppTest, sandbox_config: Path, downloads: Downloads) -> None:
    at = by_connection(open_page(app, PAGE, connection="acme-api-key"))
    listed = csv(downloads, at, "rollout.newly-configured.csv")
    metrics = [m for m in at.metric if m.label == "Last 30 days"]
    assert [int(m.value) for m in metrics] == [
        int((listed["tenant"] == t).sum()) for t in ("us", "eu")]
    assert set(listed["status"]) <= {"complete", "incomplete", "error"}


def test_a_failure_to_record_the_snapshot_never_breaks_the_page(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full at /secret/path")

    monkeypatch.setattr(snapshots, "take_snapshot", broken)
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    assert store_snapshots("us").empty
    assert chart(at, "rollout.coverage")["spec"]["data"]  # estimated up to today
    assert "not recorded (RuntimeError)" in caplog.text and "/secret/path" not in caplog.text


def test_an_unreachable_store_is_reported_as_a_sentence_not_a_traceback(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGCONN_DATABASE_URL", "postgresql://orgconn:hunter2@127.0.0.1:9/none")
    at = open_page(app, PAGE)
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("Reading the coverage history:") and "hunter2" not in error


def test_blocked_instances_over_time_are_charted_per_tenant_as_the_client_reads_them(
        app: AppTest, sandbox_config: Path, sandbox: RunningSandbox,
        downloads: Downloads) -> None:
    at = open_page(app, PAGE)
    assert not at.exception and not at.error
    blocked = csv(downloads, at, "rollout.blocked.csv")
    for name in ("us", "eu"):
        tenant = TenantConfig(name=name, url=sandbox.stack_url(name), token=sandbox.token(name))
        with PrismaticClient(tenant) as client:
            frame = coverage_frame(name, client.coverage_read())
        wanted = frame[frame["blocking"]].groupby("stable_key")["instances"].sum()
        mine = blocked[blocked["tenant"] == name].set_index("stable_key")["blocked_instances"]
        assert {k: int(v) for k, v in mine.items()} == {
            k: int(wanted.get(k, 0)) for k in frame["stable_key"].unique()}
    figure = chart(at, "rollout.blocked")
    lines = {(t["xaxis"], t["name"]) for t in figure["spec"]["data"]}
    assert {axis for axis, _ in lines} == {"x", "x2"}, "a panel per tenant"
    assert len(figure["spec"]["data"]) == len(blocked[["tenant", "stable_key"]].drop_duplicates())


def test_a_segment_has_no_blocked_figure_and_says_so_rather_than_zero(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE, segment="tier:enterprise")
    assert not any("rollout.blocked" in key for key in charts(at))
    assert any("No snapshot with blocked instances yet for this segment" in c.value
               for c in at.caption)


def test_a_rerun_reuses_what_only_a_new_read_changes(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(name: str, original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return original(*args, **kwargs)
        return call

    for module, name in ((snapshots, "customer_created_at"), (rollout, "segment_breakdown"),
                         (rollout, "newly_configured"), (rollout_charts, "blocked_chart")):
        monkeypatch.setattr(module, name, counted(name, getattr(module, name)))
    at = by_connection(open_page(app, PAGE))  # both tabs drawn once
    first = sorted(calls)
    assert first == sorted(["customer_created_at"] * 2 + ["segment_breakdown", "blocked_chart"]
                           + ["newly_configured"] * 2)  # 2 tenants; 7 and 30 days
    at.run()
    assert sorted(calls) == first
    at.selectbox(key="rollout.connection").set_value("sftp-drop").run()
    assert calls.count("segment_breakdown") == 2 and calls.count("customer_created_at") == 2


def test_only_the_open_tab_is_drawn_over_time_first(app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, PAGE)
    drawn = " ".join(charts(at))
    assert "rollout.coverage" in drawn and "rollout.status" not in drawn
    assert "rollout.segments" not in drawn and not at.get("expander")
    by_connection(at)
    drawn = " ".join(charts(at))
    assert "rollout.status" in drawn and "rollout.coverage" not in drawn
    assert at.subheader[0].value.endswith(": customers by status")


def test_a_cold_load_reads_each_tenant_lean_and_never_in_full(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []

    def counting(method: str) -> Any:
        read = getattr(PrismaticClient, method)

        def counted(self: PrismaticClient, *args: Any, **kwargs: Any) -> Any:
            reads.append(method)
            return read(self, *args, **kwargs)
        return counted

    for method in ("read_tenant", "coverage_read"):
        monkeypatch.setattr(PrismaticClient, method, counting(method))
    at = by_connection(open_page(app, PAGE))
    assert not at.exception and charts(at)
    assert "read_tenant" not in reads, "creation times come with the lean coverage read"
    assert reads.count("coverage_read") == 2  # us and eu, once each

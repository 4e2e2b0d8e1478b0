"""Rollout history and targets, and safe exports, from the notebook API."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

import orgconn
from orgconn.services.access import AccessDenied
from orgconn.store import open_store


def _configure(box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> str:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    (tmp_path / "orgconn.toml").write_text(
        f'database_url = "{store}"\n[access]\nlocal_role = "{role}"\n'
        f'[tenants.us]\nurl = "{box.stack_url("us")}"\ntoken = "{box.token("us")}"\n')
    monkeypatch.setenv("ORGCONN_CONFIG", str(tmp_path / "orgconn.toml"))
    return store


def test_rollout_history_estimates_before_the_first_snapshot_and_records_today(
        sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _configure(sandbox, tmp_path, monkeypatch, "viewer")
    before = orgconn.rollout_history()
    assert len(before) and before["estimated"].all()

    assert orgconn.record_snapshot() is not None
    after = orgconn.rollout_history()

    recorded = after[~after["estimated"]]
    assert set(recorded["stable_key"]) == set(orgconn.connections()["stable_key"]) - {
        "ops-alerts", "usage-warehouse", "salesforce", "zendesk"}
    assert orgconn.rollout_chart(after).data


def test_a_target_needs_the_admin_role_and_is_audited(sandbox, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    store = _configure(sandbox, tmp_path, monkeypatch, "operator")
    by = date.today() + timedelta(days=60)
    with pytest.raises(AccessDenied, match="operator"):
        orgconn.set_target("sftp-drop", 80, by)
    assert orgconn.rollout_targets().empty

    _configure(sandbox, tmp_path, monkeypatch, "admin")
    targets = orgconn.set_target("sftp-drop", 80, by)

    assert list(targets["stable_key"]) == ["sftp-drop"] and targets["target_pct"][0] == 80
    assert targets["verdict"][0].startswith("Target 80%")
    with open_store(store) as opened:
        assert [r.action for r in opened.audit() if r.outcome == "ok"] == ["set_rollout_target"]


def test_export_csv_neutralises_formulas(tmp_path: Path):
    path = orgconn.export_csv(pd.DataFrame({"name": ["=HYPERLINK(1)", "Acme"]}),
                              tmp_path / "out.csv")
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["name", "'=HYPERLINK(1)",
                                                                 "Acme"]

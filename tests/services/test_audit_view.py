"""The Audit page: blank choices match everything, days are whole UTC days; what it reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from orgconn.services.access import Action
from orgconn.services.audit_view import audit_choices, audit_csv, audit_filter, audit_page
from orgconn.store import AuditEntry, open_store


def test_blank_choices_match_everything() -> None:
    assert audit_filter(tenant="", actor="  ", customer=None, outcome="").conditions() == []


def test_a_day_range_includes_both_days_in_utc() -> None:
    where = audit_filter(start=date(2026, 3, 1), end=date(2026, 3, 2))
    assert (where.since, where.until) == (datetime(2026, 3, 1, tzinfo=UTC),
                                          datetime(2026, 3, 3, tzinfo=UTC))


def test_a_reversed_range_is_read_the_right_way_round() -> None:
    where = audit_filter(start=date(2026, 3, 9), end=date(2026, 3, 2))
    assert where.since == datetime(2026, 3, 2, tzinfo=UTC)
    assert where.until == datetime(2026, 3, 10, tzinfo=UTC)


def test_a_first_day_alone_means_from_that_day_on() -> None:
    where = audit_filter(start=date(2026, 3, 1))
    assert where.since == datetime(2026, 3, 1, tzinfo=UTC) and where.until is None


def test_an_unknown_outcome_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="ok, failed, unknown"):
        audit_filter(outcome="maybe")


def test_the_page_shows_the_newest_entries_counts_them_all_and_exports_every_one(
        tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'audit.db'}") as store:
        for n in range(5):
            store.append_audit(AuditEntry(actor="pat", tenant="us" if n else "eu",
                                          action=Action.SET_ROLLOUT_TARGET.value,
                                          stable_key=f"key-{n}", outcome="ok", source="page"))
        where = audit_filter(tenant="us")
        shown = audit_page(store, where, limit=2)
        csv = audit_csv(store, where).decode("utf-8-sig")
        choices = audit_choices(store)
    assert (shown.total, len(shown.frame), shown.truncated) == (4, 2, True)
    assert list(shown.frame["stable_key"]) == ["key-4", "key-3"]
    assert csv.count("key-") == 4 and "key-0" not in csv
    assert choices.tenants == ("eu", "us")

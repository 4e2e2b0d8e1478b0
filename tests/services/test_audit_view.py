"""The Audit page's filter: blank choices match everything, days are whole UTC days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from orgconn.services.audit_view import audit_filter


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

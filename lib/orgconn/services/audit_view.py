"""The Audit page: its filters (widget values -> the store's `AuditFilter`) and what it reads.

`audit_choices` gives the filters' options, `audit_page` the matching entries to show (names and
fingerprints only, never a secret) and their count, `audit_csv` every matching entry for the
download. Dates are whole UTC days: a range from one day to another includes both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, cast

import pandas as pd

from orgconn.services import export
from orgconn.store import AuditChoices, AuditFilter, Store

OUTCOMES = ("ok", "failed", "unknown")
"""The outcome choices: ``failed`` matches every ``failed: <reason>``."""


def _given(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def audit_filter(*, tenant: str | None = None, actor: str | None = None,
                 action: str | None = None, stable_key: str | None = None,
                 customer: str | None = None, start: date | None = None,
                 end: date | None = None, outcome: str | None = None) -> AuditFilter:
    """The filter for these choices; blank ones match everything.

    ``customer`` is an exact external ID; ``start``/``end`` are inclusive UTC days;
    ``outcome`` is one of `OUTCOMES` (ValueError naming them otherwise).
    """
    chosen = _given(outcome)
    if chosen is not None and chosen not in OUTCOMES:
        raise ValueError(f"unknown outcome {chosen!r}: use one of {', '.join(OUTCOMES)}")
    if start is not None and end is not None and end < start:
        start, end = end, start
    since = datetime.combine(start, time.min, UTC) if start is not None else None
    until = datetime.combine(end + timedelta(days=1), time.min, UTC) if end is not None else None
    return AuditFilter(
        tenant=_given(tenant), actor=_given(actor), action=_given(action),
        stable_key=_given(stable_key), customer_external_id=_given(customer), since=since,
        until=until, outcome=cast("Literal['ok', 'failed', 'unknown'] | None", chosen))


def audit_choices(store: Store) -> AuditChoices:
    """The tenants, actors, actions and stable keys found in the log, for the filters."""
    return store.audit_choices()


@dataclass(frozen=True)
class AuditPage:
    """The newest ``limit`` entries matching a filter (``frame``) and how many match (``total``)."""

    total: int
    frame: pd.DataFrame
    limit: int

    @property
    def truncated(self) -> bool:
        """Whether more entries match than are shown."""
        return self.total > self.limit


def audit_page(store: Store, where: AuditFilter, limit: int = 1000) -> AuditPage:
    """The entries matching ``where`` to show, newest first (columns ``store.AUDIT_COLUMNS``)."""
    return AuditPage(store.audit_count(where), store.audit_frame(where, limit=limit), limit)


def audit_csv(store: Store, where: AuditFilter) -> bytes:
    """Every entry matching ``where`` as a CSV download (`services.export`)."""
    return export.to_csv_bytes(store.audit_frame(where, limit=None))

"""The Audit page's filters: widget values -> the store's `AuditFilter`.

The page reads the log with ``Store.audit_frame(filter)`` (names and fingerprints only, never a
secret) and exports it with `services.export`. Dates are whole UTC days: a range from one day
to another includes both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, cast

from orgconn.store import AuditFilter

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

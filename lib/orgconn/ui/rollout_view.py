"""The rollout page's derived data and figures, kept per tenant read (pages/rollout.py).

Rebuilding the coverage series (estimates from the store's history), the segment breakdown,
the newly configured customers and the Plotly figures took most of a rerun of the rollout
page at 10,000 customers; they change only when a tenant is read again (a new read records a
new snapshot) or the segment, measure or connection changes, so they are kept with what pages
derive (`context.derived`), keyed by the coverage reads (`context.coverage_read_number`) of
every chosen tenant and those parameters. Refresh forgets
them. The kept objects are shared: callers must not modify them.

The store's history is read once per key too: a target set on the page is read on every
rerun (`rollout_progress.targets_of`), but a snapshot recorded by ``orgconn snapshot``
meanwhile shows after the next read or Refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go

from orgconn.models import CoverageRead
from orgconn.services import coverage
from orgconn.services.rollout import rollout, snapshots
from orgconn.services.rollout import rollout_charts as charts
from orgconn.ui import context

Reads = tuple[tuple[str, str, int], ...]
"""(tenant name, URL, coverage read number) of each chosen tenant: what the kept values derive
from (the page needs no full tenant read)."""


def reads_of(chosen: list[str]) -> Reads:
    """The key of the chosen tenants' current reads."""
    return tuple((name, url, context.coverage_read_number(name, url))
                 for name, url in ((n, context.tenant(n).url) for n in chosen))


class Today(NamedTuple):
    """Today's coverage of the chosen tenants, as the page's widgets and charts use it."""

    frame: pd.DataFrame
    """Every chosen tenant's coverage frame, one after the other."""
    created_at: pd.Series
    """When each customer was created (`snapshots.customer_created_at`), every tenant's."""
    names: dict[str, str]
    """Each connection's name by stable key."""
    labels: list[str]
    """Every customer label present (`coverage.label_choices`)."""


def today(reads: Reads, frames: Sequence[pd.DataFrame], tenants: Sequence[CoverageRead]
          ) -> Today:
    """`Today` from the chosen tenants' coverage frames and coverage reads (those of
    ``reads``): the lean read carries customers' creation times, so no full read is needed."""
    def build() -> Today:
        frame = pd.concat(frames, ignore_index=True)
        created_at = pd.concat([snapshots.customer_created_at(t) for t in tenants])
        names = coverage.connection_names(frame)
        return Today(frame, created_at, names, coverage.label_choices(frame))
    return context.derived(("rollout", "today", reads), build)


def series(reads: Reads, label: str | None, frame: pd.DataFrame, created_at: pd.Series
           ) -> pd.DataFrame:
    """Every chosen tenant's coverage series (`rollout.tenant_series`) for segment ``label``."""
    def build() -> pd.DataFrame:
        now = datetime.now(UTC)
        return pd.concat([rollout.tenant_series(context.store(), str(t), frame, created_at,
                                                now, label) for t in frame["tenant"].unique()],
                         ignore_index=True)
    return context.derived(("rollout", "series", reads, label), build)


def coverage_chart(reads: Reads, label: str | None, measure: str, series: pd.DataFrame
                   ) -> go.Figure:
    """`rollout_charts.coverage_chart` of `series` (same reads and label)."""
    return context.derived(("rollout", "coverage_chart", reads, label, measure),
                           lambda: charts.coverage_chart(series, measure))


def blocked_chart(reads: Reads, label: str | None, series: pd.DataFrame) -> go.Figure:
    """`rollout_charts.blocked_chart` of `series` (same reads and label)."""
    return context.derived(("rollout", "blocked_chart", reads, label),
                           lambda: charts.blocked_chart(series))


def status_chart(reads: Reads, label: str | None, stable_key: str, focused: pd.DataFrame
                 ) -> go.Figure:
    """`rollout_charts.status_area_chart` of one connection's rows of `series`."""
    return context.derived(("rollout", "status_chart", reads, label, stable_key),
                           lambda: charts.status_area_chart(focused))


def focused_rows(reads: Reads, label: str | None, stable_key: str, frame: pd.DataFrame
                 ) -> pd.DataFrame:
    """Today's coverage rows (of `Today.frame`) of one connection, of the customers labelled
    ``label`` (all when None)."""
    return context.derived(
        ("rollout", "focused_rows", reads, label, stable_key),
        lambda: rollout.in_segment(frame[frame["stable_key"] == stable_key], label))


def segments(reads: Reads, label: str | None, stable_key: str, rows: pd.DataFrame
             ) -> tuple[pd.DataFrame, go.Figure | None]:
    """`rollout.segment_breakdown` of `focused_rows` and its chart (None without labels)."""
    def build() -> tuple[pd.DataFrame, go.Figure | None]:
        breakdown = rollout.segment_breakdown(rows)
        return breakdown, None if breakdown.empty else charts.segment_chart(breakdown)
    return context.derived(("rollout", "segments", reads, label, stable_key), build)


def newly_configured(reads: Reads, label: str | None, stable_key: str, rows: pd.DataFrame
                     ) -> dict[int, pd.DataFrame]:
    """`rollout.newly_configured` of `focused_rows` in the last 7 and 30 days (by days), each
    tenant against its snapshot of that many days ago (`rollout.baseline_customers`)."""
    def build() -> dict[int, pd.DataFrame]:
        now, store = datetime.now(UTC), context.store()
        return {days: rollout.newly_configured(rows, {
            tenant: rollout.baseline_customers(store, tenant, now - timedelta(days=days),
                                               stable_key)
            for tenant, *_ in reads}, now, days) for days in (7, 30)}
    return context.derived(("rollout", "newly_configured", reads, label, stable_key), build)

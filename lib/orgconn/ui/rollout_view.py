"""The rollout page's derived data and figures, cached per tenant read (pages/rollout.py).

Rebuilding the coverage series (estimates from the store's history), the segment breakdown,
the newly configured customers and the Plotly figures took most of a rerun of the rollout
page; they change only when a tenant is read again (a new read records a new snapshot) or the
segment, measure or connection changes, so they are kept per read (`context.read_number`,
`context.coverage_read_number`) of every chosen tenant, for ``context.TTL`` seconds (Refresh
clears them). The cached objects are shared: callers must not modify them.

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
import streamlit as st

from orgconn.models import TenantData
from orgconn.services import coverage
from orgconn.services.rollout import rollout, snapshots
from orgconn.services.rollout import rollout_charts as charts
from orgconn.ui import context

Reads = tuple[tuple[str, str, int, int], ...]
"""(tenant name, URL, snapshot read number, coverage read number) of each chosen tenant: what
the cached values derive from."""


def reads_of(chosen: list[str]) -> Reads:
    """The key of the chosen tenants' current reads."""
    return tuple((name, url, context.read_number(name, url),
                  context.coverage_read_number(name, url))
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


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=8, show_spinner=False)
def today(reads: Reads, _frames: Sequence[pd.DataFrame], _tenants: Sequence[TenantData]
          ) -> Today:
    """`Today` from the chosen tenants' coverage frames and full reads (those of ``reads``)."""
    frame = pd.concat(_frames, ignore_index=True)
    created_at = pd.concat([snapshots.customer_created_at(t) for t in _tenants])
    names = dict(zip(frame["stable_key"], frame["connection"], strict=True))
    return Today(frame, created_at, names, coverage.label_choices(frame))


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def focused_rows(reads: Reads, label: str | None, stable_key: str,
                 _frame: pd.DataFrame) -> pd.DataFrame:
    """Today's coverage rows of one connection, of the customers labelled ``label`` (all
    when None)."""
    return rollout.in_segment(_frame[_frame["stable_key"] == stable_key], label)


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def segments(reads: Reads, label: str | None, stable_key: str, _rows: pd.DataFrame
             ) -> tuple[pd.DataFrame, go.Figure | None]:
    """`rollout.segment_breakdown` of `focused_rows` and its chart (None without labels)."""
    breakdown = rollout.segment_breakdown(_rows)
    return breakdown, None if breakdown.empty else charts.segment_chart(breakdown)


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def newly_configured(reads: Reads, label: str | None, stable_key: str,
                     _rows: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """`rollout.newly_configured` of `focused_rows` in the last 7 and 30 days (by days), each
    tenant against its snapshot of that many days ago (`rollout.baseline_customers`)."""
    now, store = datetime.now(UTC), context.store()
    return {days: rollout.newly_configured(_rows, {
        str(tenant): rollout.baseline_customers(store, str(tenant), now - timedelta(days=days),
                                                stable_key)
        for tenant, *_ in reads}, now, days) for days in (7, 30)}


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def blocked_chart(reads: Reads, label: str | None, _series: pd.DataFrame) -> go.Figure:
    """`rollout_charts.blocked_chart` of `series` (same key)."""
    return charts.blocked_chart(_series)


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def series(reads: Reads, label: str | None, _frame: pd.DataFrame,
           _created_at: pd.Series) -> pd.DataFrame:
    """Every chosen tenant's coverage series (`rollout.tenant_series`) for segment ``label``."""
    now = datetime.now(UTC)
    return pd.concat([rollout.tenant_series(context.store(), str(t), _frame, _created_at, now,
                                            label) for t in _frame["tenant"].unique()],
                     ignore_index=True)


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def coverage_chart(reads: Reads, label: str | None, measure: str,
                   _series: pd.DataFrame) -> go.Figure:
    """`rollout_charts.coverage_chart` of `series` (same key)."""
    return charts.coverage_chart(_series, measure)


@context.refreshable
@st.cache_resource(ttl=context.TTL, max_entries=32, show_spinner=False)
def status_chart(reads: Reads, label: str | None, stable_key: str,
                 _focused: pd.DataFrame) -> go.Figure:
    """`rollout_charts.status_area_chart` of one connection's rows of `series`."""
    return charts.status_area_chart(_focused)

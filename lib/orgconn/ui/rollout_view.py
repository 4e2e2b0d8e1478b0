"""The rollout page's derived data and figures, cached per tenant read (pages/rollout.py).

Rebuilding the coverage series (estimates from the store's history) and the Plotly figures
took most of a rerun of the rollout page; they change only when a tenant is read again (a new
read records a new snapshot) or the segment, measure or connection changes, so they are kept
per read (`context.read_number`, `context.coverage_read_number`) of every chosen tenant, for
``context.TTL`` seconds (Refresh clears them). The cached objects are shared: callers must
not modify them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from orgconn.services.rollout import rollout
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

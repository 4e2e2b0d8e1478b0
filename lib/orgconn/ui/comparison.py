"""The Compare tenants page's data: the comparison, kept while the tenants' data is unchanged.

Comparing 10,000 customers takes seconds, too long for every rerun a filter causes, so the
result is kept with what pages derive (`orgconn.ui.context.derived`), keyed by the tenants, the
numbers of the reads it was computed from and the fingerprint key: Refresh, a write or the TTL
brings new reads, hence a new key — never left stale, never recomputed for nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from orgconn.models import Component, OrgConnection, TenantData
from orgconn.services.compare import compare
from orgconn.ui import context


@dataclass(frozen=True)
class Comparison:
    """The differences of some tenants, their per-key overview, and what they came from.

    ``key`` names this comparison among derived results: what a page derives from it is kept
    under ``(key, ...)``."""

    key: Hashable
    tenants: tuple[str, ...]
    snapshots: tuple[TenantData, ...]
    connections: tuple[tuple[OrgConnection, ...], ...]
    frame: pd.DataFrame
    overview: pd.DataFrame


def _digest(key: bytes) -> str:
    """A stand-in for the fingerprint key in the memo's key (a new key, new fingerprints)."""
    return hashlib.sha256(key).hexdigest()[:16]


def comparison(names: Sequence[str]) -> Comparison:
    """The comparison of tenants ``names`` (two or more), from their cached data."""
    urls = [context.tenant(n).url for n in names]
    snapshots = [context.tenant_data(n, u) for n, u in zip(names, urls, strict=True)]
    connections = [context.all_connections(n, u) for n, u in zip(names, urls, strict=True)]
    key = context.secret_key()
    memo_key = ("compare", *((n, u, context.read_number(n, u),
                              context.all_connections_number(n, u))
                             for n, u in zip(names, urls, strict=True)), _digest(key))

    def build() -> Comparison:
        by_name = dict(zip(names, snapshots, strict=True))
        frame = compare.differences(by_name, key,
                                    all_connections=dict(zip(names, connections, strict=True)))
        return Comparison(memo_key, tuple(names), tuple(snapshots), tuple(connections), frame,
                          compare.connections_overview(by_name, frame))

    return context.derived(memo_key, build)


@context.refreshable
@st.cache_resource(ttl=context.TTL, show_spinner=False)
def components(name: str, url: str) -> tuple[Component, ...]:
    """The components (and their connections) a tenant offers, for sync plans (cached)."""
    return tuple(context.client(name).components())

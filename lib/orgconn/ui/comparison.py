"""The Compare tenants page's data: the comparison, kept while the tenants' data is unchanged.

Comparing 10,000 customers takes seconds, too long for every rerun a filter causes, so the
result is memoised per server process, keyed by the tenants and the fingerprint key, and
checked against the very snapshot objects it was computed from (`context.tenant_data`, cached
per tenant): holding them makes an identity check exact, so the comparison is recomputed as
soon as Refresh, a write or the TTL brings new snapshots — never left stale, never recomputed
for nothing. At most `MEMO_SIZE` comparisons are kept.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from orgconn.models import Component, OrgConnection, TenantData
from orgconn.services.compare import compare
from orgconn.ui import context

MEMO_SIZE = 8


@dataclass(frozen=True)
class Comparison:
    """The differences of some tenants, their per-key overview, and what they came from."""

    tenants: tuple[str, ...]
    snapshots: tuple[TenantData, ...]
    connections: tuple[tuple[OrgConnection, ...], ...]
    frame: pd.DataFrame
    overview: pd.DataFrame

    def matches(self, snapshots: Sequence[object], connections: Sequence[object]) -> bool:
        """Whether this comparison was computed from exactly these objects."""
        return all(a is b for a, b in zip(self.snapshots, snapshots, strict=True)) and all(
            a is b for a, b in zip(self.connections, connections, strict=True))


_memo: OrderedDict[tuple[tuple[str, str], ...], Comparison] = OrderedDict()


def _digest(key: bytes) -> str:
    """A stand-in for the fingerprint key in the memo's key (a new key, new fingerprints)."""
    return hashlib.sha256(key).hexdigest()[:16]
_lock = threading.Lock()


def comparison(names: Sequence[str]) -> Comparison:
    """The comparison of tenants ``names`` (two or more), from their cached data."""
    urls = [context.tenant(n).url for n in names]
    snapshots = [context.tenant_data(n, u) for n, u in zip(names, urls, strict=True)]
    connections = [context.all_connections(n, u) for n, u in zip(names, urls, strict=True)]
    key = context.secret_key()
    memo_key = (*zip(names, urls, strict=True), ("fingerprint key", _digest(key)))
    with _lock:
        found = _memo.get(memo_key)
        if found is not None and found.matches(snapshots, connections):
            _memo.move_to_end(memo_key)
            return found
    by_name = dict(zip(names, snapshots, strict=True))
    frame = compare.differences(by_name, key,
                                all_connections=dict(zip(names, connections, strict=True)))
    made = Comparison(tuple(names), tuple(snapshots), tuple(connections), frame,
                      compare.connections_overview(by_name, frame))
    with _lock:
        _memo[memo_key] = made
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return made


@context.refreshable
@st.cache_resource(ttl=context.TTL, show_spinner=False)
def components(name: str, url: str) -> tuple[Component, ...]:
    """The components (and their connections) a tenant offers, for sync plans (cached)."""
    return tuple(context.client(name).components())

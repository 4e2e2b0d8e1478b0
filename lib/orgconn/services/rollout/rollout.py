"""Rollout history: coverage % over time per tenant and connection, by segment, newly configured.

Two sources, never mixed up (the ``estimated`` column tells them apart):

- **Recorded**: the snapshots orgconn took (see `services.rollout.snapshots`). A day is shown by its
  last snapshot; a day without a snapshot has no point (a gap stays a gap, and a connection
  added midway starts midway).
- **Estimated**: for the time before a connection's first snapshot, weekly points (Mondays,
  00:00 UTC) rebuilt from today's coverage: a customer counts from its ``createdAt`` on, and
  as configured from its values' ``lastConfiguredAt`` on, with the status its values have
  today. It is a reconstruction, so it can be wrong: ``lastConfiguredAt`` is the *last*
  reconfiguration (values reconfigured lately look new), statuses of the past are unknown,
  and customers or values deleted since are not counted. The estimate of a connection starts
  the week its first values were configured.

Coverage % is the share of customers whose values are complete; ``configured_pct`` also counts
incomplete and error values. Recorded points also carry ``blocking_gaps`` and
``blocked_instances`` (gaps that block instances, and how many instances); they are ``<NA>``
where unknown — estimated points, segment series, snapshots taken before orgconn recorded them
or of a tenant that could not say — never 0. Everything is a plain function returning
DataFrames; only :func:`recorded_for_tenant` and :func:`baseline_customers` read the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from orgconn.services.coverage import CoverageFilter, apply_filter
from orgconn.store import Store

COUNTS = ["complete", "incomplete", "missing", "error"]
BLOCKING = ["blocking_gaps", "blocked_instances"]
SERIES_COLUMNS = [
    "tenant", "stable_key", "connection", "taken_at", *COUNTS, "total", "coverage_pct",
    "configured_pct", "estimated", *BLOCKING,
]
"""Columns of a coverage series: one row per tenant, connection and point in time."""

SEGMENT_COLUMNS = [
    "tenant", "stable_key", "connection", "dimension", "segment", "customers", "complete",
    "coverage_pct",
]
NEW_COLUMNS = [
    "tenant", "stable_key", "connection", "customer_external_id", "customer_name", "status",
    "last_configured_at", "basis",
]
BASELINE_LOOKBACK = 200  # snapshots searched back for one with per-customer statuses
ESTIMATE_BASIS = "estimate: lastConfiguredAt in the period (reconfigured values count too)"


def _finish(frame: pd.DataFrame, *, estimated: bool) -> pd.DataFrame:
    """Totals and percentages of a frame holding the status counts, in `SERIES_COLUMNS`."""
    frame = frame.copy()
    frame[COUNTS] = frame[COUNTS].astype("int64")
    frame["total"] = frame[COUNTS].sum(axis=1).astype("int64")
    counted = frame["total"].where(frame["total"] > 0).astype("float64")
    frame["coverage_pct"] = (100.0 * frame["complete"] / counted).round(1)
    frame["configured_pct"] = (100.0 * (frame["total"] - frame["missing"]) / counted).round(1)
    frame["estimated"] = estimated
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    for column in BLOCKING:  # never estimated; absent from segment series
        frame[column] = (frame[column] if column in frame and not estimated
                         else pd.NA)
    frame[BLOCKING] = frame[BLOCKING].astype("Int64")
    return frame[SERIES_COLUMNS].reset_index(drop=True)


def empty_series() -> pd.DataFrame:
    """A coverage series without rows (the columns and dtypes of `SERIES_COLUMNS`)."""
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in SERIES_COLUMNS[:3]})
    frame["taken_at"] = pd.Series(dtype="datetime64[us, UTC]")
    for column in COUNTS:
        frame[column] = pd.Series(dtype="int64")
    return _finish(frame, estimated=False)


def recorded_series(snapshot_series: pd.DataFrame) -> pd.DataFrame:
    """The recorded coverage series from ``Store.snapshot_series`` rows: each day's last snapshot.

    A connection is named as in its latest snapshot (its stable key if it had no name).
    """
    if snapshot_series.empty:
        return empty_series()
    frame = snapshot_series.sort_values("taken_at", kind="stable")
    day = frame["taken_at"].dt.floor("D")
    last = frame.groupby([frame["tenant"], frame["stable_key"], day]).tail(1).copy()
    names = last.groupby(["tenant", "stable_key"])["name"].last()
    last["connection"] = [names[(t, k)] or k for t, k in zip(last["tenant"], last["stable_key"],
                                                                strict=True)]
    return _finish(last, estimated=False).sort_values(["tenant", "stable_key", "taken_at"],
                                                     ignore_index=True)


def segment_snapshot_series(history: pd.DataFrame, label: str) -> pd.DataFrame:
    """Per-snapshot counts (``Store.snapshot_series`` columns) of the customers labelled ``label``.

    ``history`` is ``Store.customer_status_history`` rows; snapshots recorded without
    per-customer statuses cannot be split by segment and are left out.
    """
    rows = history[history["labels"].map(lambda labels: label in labels)]
    keys = ["snapshot_id", "taken_at", "tenant", "stable_key"]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "name", *COUNTS])
    counts = rows.groupby([*keys, "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=COUNTS, fill_value=0).reset_index()
    counts["name"] = ""
    return counts[[*keys, "name", *COUNTS]]


def recorded_for_tenant(store: Store, tenant: str, names: Mapping[str, str],
                        label: str | None = None) -> pd.DataFrame:
    """The recorded series of one tenant from the store, for one segment when ``label`` is set.

    ``names`` maps stable keys to the connections' current names (used for segment series,
    whose per-customer rows carry no name).
    """
    if label is None:
        return recorded_series(store.snapshot_series(tenant))
    history = [store.customer_status_history(tenant, key) for key in names]
    per_snapshot = [segment_snapshot_series(h, label) for h in history if not h.empty]
    frames = [f for f in per_snapshot if not f.empty]
    if not frames:
        return empty_series()
    combined = pd.concat(frames, ignore_index=True)
    combined["name"] = combined["stable_key"].map(names).fillna(combined["stable_key"])
    return recorded_series(combined)


def _monday_on_or_before(moment: pd.Timestamp) -> pd.Timestamp:
    day = moment.floor("D")
    return day - pd.Timedelta(days=day.weekday())


def _utc_numpy(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Times as naive UTC ``datetime64`` (NaT kept), for vectorised comparisons."""
    index = pd.DatetimeIndex(times)
    return index.tz_convert("UTC").tz_localize(None).to_numpy()


def _estimate_one(rows: pd.DataFrame, created: pd.Series, end: pd.Timestamp | None,
                  now: pd.Timestamp) -> pd.DataFrame | None:
    status = rows["status"].astype(str).to_numpy()
    configured = status != "missing"
    when = rows["last_configured_at"]
    known = when[configured].dropna()
    if known.empty:
        return None
    limit = now if end is None else min(end, now)
    points = pd.date_range(_monday_on_or_before(known.min()), limit, freq="7D",
                           inclusive="left")
    if end is None:  # no snapshot yet: the last point is today's state
        points = pd.DatetimeIndex([*points, now])
    if points.empty:
        return None
    at = _utc_numpy(points)[:, None]
    exists = created.isna().to_numpy() | (_utc_numpy(created) <= at)
    has_values = configured & (when.isna().to_numpy() | (_utc_numpy(when) <= at)) & exists
    counts = {name: (has_values & (status == name)).sum(axis=1)
              for name in ("complete", "incomplete", "error")}
    counts["missing"] = exists.sum(axis=1) - has_values.sum(axis=1)
    return pd.DataFrame({"tenant": rows["tenant"].iloc[0], "stable_key": rows["stable_key"].iloc[0],
                         "connection": rows["connection"].iloc[0], "taken_at": points, **counts})


def estimated_series(frame: pd.DataFrame, created_at: pd.Series, now: datetime,
                     recorded: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weekly coverage estimated from ``lastConfiguredAt`` and ``createdAt`` (module docstring).

    ``frame`` is a coverage frame (any tenants; filter it first for a segment), ``created_at``
    maps customer IDs to creation times (see `snapshots.customer_created_at`). Points are only
    made before each connection's first row in ``recorded``; with none recorded, they run up
    to ``now``, whose point is today's coverage.
    """
    first: dict[tuple[str, str], pd.Timestamp] = {}
    if recorded is not None and not recorded.empty:
        starts = recorded.groupby(["tenant", "stable_key"], as_index=False)["taken_at"].min()
        first = {(str(t), str(k)): pd.Timestamp(when) for t, k, when
                 in starts.itertuples(index=False, name=None)}
    created = pd.to_datetime(frame["customer_id"].map(created_at), utc=True)
    stamp = pd.Timestamp(now).tz_convert("UTC")
    pieces = [
        _estimate_one(rows, created.loc[rows.index], first.get((str(tenant), str(key))), stamp)
        for (tenant, key), rows in frame.groupby(["tenant", "stable_key"], sort=True)
    ]
    found = [p for p in pieces if p is not None]
    if not found:
        return empty_series()
    return _finish(pd.concat(found, ignore_index=True), estimated=True)


def coverage_series(recorded: pd.DataFrame, estimated: pd.DataFrame) -> pd.DataFrame:
    """Recorded and estimated points together, by tenant, connection and time."""
    frames = [f for f in (estimated, recorded) if not f.empty]
    if not frames:
        return empty_series()
    return pd.concat(frames, ignore_index=True).sort_values(
        ["tenant", "stable_key", "taken_at", "estimated"], ignore_index=True)


def tenant_series(store: Store, tenant: str, frame: pd.DataFrame, created_at: pd.Series,
                  now: datetime, label: str | None = None) -> pd.DataFrame:
    """One tenant's coverage series: recorded points, and estimated ones before them.

    ``frame`` is the tenant's current coverage frame, ``created_at`` its customers' creation
    times; with ``label`` only customers in that segment count.
    """
    rows = frame[frame["tenant"] == tenant]
    names = dict(zip(rows["stable_key"], rows["connection"], strict=True))
    recorded = recorded_for_tenant(store, tenant, names, label)
    return coverage_series(
        recorded, estimated_series(in_segment(rows, label), created_at, now, recorded))


def in_segment(frame: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """The coverage rows of customers labelled ``label`` (all rows when None)."""
    return frame if not label else apply_filter(frame, CoverageFilter(labels=(label,)))


def segment_breakdown(frame: pd.DataFrame) -> pd.DataFrame:
    """Coverage % per customer label (``tier:enterprise``...) per tenant and connection.

    ``dimension`` is the part before ``:`` (``tier``), or ``label`` for a plain label; customers
    without labels are left out.
    """
    labelled = frame.assign(segment=frame["labels"].str.split(";"), status=frame["status"]
                            .astype(str)).explode("segment")
    labelled = labelled[labelled["segment"].fillna("") != ""]
    if labelled.empty:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    parts = labelled["segment"].str.partition(":")
    labelled["dimension"] = parts[0].where(parts[1] == ":", "label")
    labelled["is_complete"] = labelled["status"] == "complete"
    out = (labelled.groupby(["tenant", "stable_key", "connection", "dimension", "segment"])
           .agg(customers=("customer_id", "nunique"), complete=("is_complete", "sum"))
           .reset_index())
    out["complete"] = out["complete"].astype("int64")
    out["coverage_pct"] = (100.0 * out["complete"] / out["customers"]).round(1)
    return out[SEGMENT_COLUMNS]


def baseline_customers(store: Store, tenant: str, before: datetime,
                       stable_key: str | None = None) -> pd.DataFrame | None:
    """Each customer's status (for one connection, or all) in the tenant's last snapshot with
    per-customer statuses taken before ``before``; None when there is none."""
    series = store.snapshot_series(tenant, stable_key, until=before)
    for snapshot_id in reversed(series["snapshot_id"].unique()[-BASELINE_LOOKBACK:]):
        customers = store.snapshot_customers(int(snapshot_id), stable_key)
        if not customers.empty:
            return customers
    return None


def newly_configured(frame: pd.DataFrame, baselines: Mapping[str, pd.DataFrame | None],
                     now: datetime, days: int) -> pd.DataFrame:
    """Customers whose values appeared in the last ``days`` days, per tenant and connection.

    Where ``baselines`` holds a tenant's snapshot from ``days`` ago (see `baseline_customers`),
    a customer is new if it had no values then and has some now (``basis`` names that
    snapshot). Without one, the estimate is used: values last configured in the period.
    """
    start = now - timedelta(days=days)
    current = frame[frame["status"].astype(str) != "missing"]
    found: list[pd.DataFrame] = []
    for tenant, rows in current.groupby("tenant"):
        baseline = baselines.get(str(tenant))
        if baseline is None:
            new = rows[rows["last_configured_at"] >= start].assign(basis=ESTIMATE_BASIS)
        else:
            had = baseline[baseline["status"] != "missing"]
            before = set(zip(had["stable_key"], had["external_id"], strict=True))
            ids = rows["customer_external_id"].where(rows["customer_external_id"] != "",
                                                     rows["customer_id"])
            fresh = [(k, i) not in before for k, i in zip(rows["stable_key"], ids, strict=True)]
            taken = baseline["taken_at"].max().strftime("%Y-%m-%d %H:%M")
            new = rows[np.array(fresh, dtype=bool)].assign(
                basis=f"no values in the snapshot of {taken} UTC")
        found.append(new.astype({"status": str})[NEW_COLUMNS])
    if not found:
        return pd.DataFrame(columns=NEW_COLUMNS)
    return pd.concat(found, ignore_index=True).sort_values(
        ["tenant", "stable_key", "last_configured_at"], ascending=[True, True, False],
        ignore_index=True)

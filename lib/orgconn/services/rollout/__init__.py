"""Rollout: coverage over time, toward targets.

- `snapshots`: recording a tenant's coverage in the store (a snapshot: one row per customer
  and connection at one moment);
- `rollout`: the coverage series from snapshots (recorded and estimated points);
- `rollout_charts`: the charts; `rollout_progress`: targets, trends and projected dates.
"""

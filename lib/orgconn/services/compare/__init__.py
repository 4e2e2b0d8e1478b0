"""Comparing tenants and syncing connection definitions between them.

- `compare`: the differences between tenants (`differences`, `Kind`), built from
  `compare_definitions` (definitions), `compare_customers` (customers' values) and
  `compare_kinds` (the kinds of difference and their verdicts);
- `sync_plan`: what to create or update in a target to match a source; `sync_apply` writes it,
  one audited write per step.
"""

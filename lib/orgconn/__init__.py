"""orgconn: operate Prismatic organization-activated connections (dashboard, CLI, library).

Kept import-light: importing ``orgconn`` loads nothing heavy; subpackages load what they need.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Notebook use (`orgconn.notebook`): ``orgconn.connect("us")``, ``orgconn.coverage("us")``...
# loaded on first use, so that ``import orgconn`` stays light.
_NOTEBOOK = frozenset({"apply_values", "compare", "compare_chart", "connect", "connections",
                       "coverage", "customer_values", "customers", "export_csv", "plan_values",
                       "record_snapshot", "rollout_chart", "rollout_history", "rollout_targets",
                       "set_target", "set_values", "start", "stop", "values_template"})

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:  # so that type checkers know what the lazy names are
    from orgconn.notebook import connect as connect
    from orgconn.notebook import connections as connections
    from orgconn.notebook import coverage as coverage
    from orgconn.notebook import customer_values as customer_values
    from orgconn.notebook import customers as customers
    from orgconn.notebook import set_values as set_values
    from orgconn.notebook.reports import compare as compare
    from orgconn.notebook.reports import compare_chart as compare_chart
    from orgconn.notebook.reports import export_csv as export_csv
    from orgconn.notebook.reports import record_snapshot as record_snapshot
    from orgconn.notebook.reports import rollout_chart as rollout_chart
    from orgconn.notebook.reports import rollout_history as rollout_history
    from orgconn.notebook.reports import rollout_targets as rollout_targets
    from orgconn.notebook.reports import set_target as set_target
    from orgconn.notebook.session import start as start
    from orgconn.notebook.session import stop as stop
    from orgconn.notebook.values import apply_values as apply_values
    from orgconn.notebook.values import plan_values as plan_values
    from orgconn.notebook.values import values_template as values_template


def __getattr__(name: str) -> object:
    if name in _NOTEBOOK:
        from orgconn import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'orgconn' has no attribute {name!r}")

"""orgconn: operate Prismatic organization-activated connections (dashboard, CLI, library).

Kept import-light: importing ``orgconn`` loads nothing heavy; subpackages load what they need.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Notebook use (`orgconn.notebook`): ``orgconn.connect("us")``, ``orgconn.coverage("us")``...
# loaded on first use, so that ``import orgconn`` stays light.
_NOTEBOOK = frozenset({"connect", "connections", "coverage", "customer_values", "customers",
                       "set_values"})

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:  # so that type checkers know what the lazy names are
    from orgconn.notebook import connect as connect
    from orgconn.notebook import connections as connections
    from orgconn.notebook import coverage as coverage
    from orgconn.notebook import customer_values as customer_values
    from orgconn.notebook import customers as customers
    from orgconn.notebook import set_values as set_values


def __getattr__(name: str) -> object:
    if name in _NOTEBOOK:
        from orgconn import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'orgconn' has no attribute {name!r}")

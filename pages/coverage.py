"""Coverage: which customers lack values for which org-activated connection, per tenant.

The same page as app.py's (``/``): both draw `orgconn.ui.coverage_page.render`.
"""

from __future__ import annotations

from orgconn.ui import coverage_page
from orgconn.ui.shell import shell

view = shell("coverage")
coverage_page.render(view.tenants)

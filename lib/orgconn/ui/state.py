"""Session-state keys and query-parameter names used across pages.

Widgets whose value belongs in a shareable link keep it in ``st.query_params`` under the
``Q_*`` names; everything else lives in ``st.session_state`` under the ``K_*`` keys.
"""

from __future__ import annotations

# sidebar
K_TENANTS = "sidebar.tenants"
K_REFRESH = "sidebar.refresh"
Q_TENANT = "tenant"

# coverage page
Q_CONNECTION = "connection"
Q_STATUS = "status"
Q_LABEL = "label"
Q_SEARCH = "q"
Q_ONLY_GAPS = "gaps"
# customer values page (prefilled by links from coverage)
Q_CUSTOMER = "customer"

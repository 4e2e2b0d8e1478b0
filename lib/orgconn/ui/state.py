"""Session-state keys and query-parameter names used across pages.

Widgets whose value belongs in a shareable link keep it in ``st.query_params`` under the
``Q_*`` names; everything else lives in ``st.session_state`` under the ``K_*`` keys.
"""

from __future__ import annotations

# sidebar
K_TENANTS = "sidebar.tenants"
K_REFRESH = "sidebar.refresh"
K_TENANTS_CHOSEN = "sidebar.tenants.chosen"  # the choice, kept across pages (not a widget key)
K_TENANTS_LINKED = "sidebar.tenants.linked"  # the ?tenant= the picker last left in the link
K_TENANTS_REMEMBERED = "sidebar.tenants.remembered"  # the choice last written to the cookie
Q_TENANT = "tenant"
TENANTS_COOKIE = "orgconn_tenants"  # the browser session's chosen tenants (see tenant_picker)
# sign-in
K_SIGN_IN_RETURNED = "sign_in.returned"  # this session already ran the return-to-page script

# coverage page
Q_CONNECTION = "connection"
Q_STATUS = "status"
Q_LABEL = "label"
Q_SEARCH = "q"
Q_ONLY_GAPS = "gaps"
Q_BLOCKING = "blocking"
Q_VIEW = "view"  # the open tab: Matrix, Gaps or Other connections
# customer values page (prefilled by links from coverage)
Q_CUSTOMER = "customer"

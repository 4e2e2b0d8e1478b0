"""The dashboard's pages, grouped by audience, each with the least role that may open it.

`require_shell()` guards a page against Streamlit running its file alone. Because the pages
live in a folder called ``pages/``, Streamlit treats the app as a "pages directory" app until
app.py's ``st.navigation`` has run once in the process: a first request for ``/coverage`` (and
every AppTest run after ``switch_page``) then runs pages/coverage.py without app.py — no sidebar,
no tenant picker. The guard notices and reruns the script through app.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from orgconn.services.access import Role


@dataclass(frozen=True)
class PageSpec:
    """One page: its file under pages/, title, icon, audience section and least role."""

    path: str
    title: str
    icon: str
    section: str
    role: Role
    url_path: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/coverage.py", "Coverage", ":material/grid_view:", "Ops", Role.VIEWER,
             "coverage"),
    PageSpec("pages/compare.py", "Compare tenants", ":material/compare_arrows:", "Ops",
             Role.VIEWER, "compare"),
    PageSpec("pages/audit.py", "Audit log", ":material/history:", "Ops", Role.VIEWER, "audit"),
    PageSpec("pages/customer_values.py", "Customer values", ":material/edit_note:",
             "Customer success", Role.EDITOR, "customer_values"),
    PageSpec("pages/test_credentials.py", "Test credentials", ":material/science:",
             "Customer success", Role.EDITOR, "test_credentials"),
    PageSpec("pages/bulk_upload.py", "Bulk upload", ":material/upload_file:",
             "Customer success", Role.OPERATOR, "bulk_upload"),
    PageSpec("pages/rollout.py", "Rollout", ":material/trending_up:", "Managers", Role.VIEWER,
             "rollout"),
    PageSpec("pages/connections.py", "Connection definitions", ":material/cable:", "Admin",
             Role.ADMIN, "connections"),
)


def pages_for(role: Role) -> list[PageSpec]:
    """The pages a user with ``role`` may open, in menu order."""
    return [page for page in PAGES if role >= page.role]


def require_shell() -> None:
    """Rerun through app.py if Streamlit ran this page file on its own (see the module doc).

    Call it first thing in every page (`orgconn.ui.widgets.chosen_tenants` and ``one_tenant``
    call it too). app.py's ``st.navigation`` clears the flag, so inside the shell this is free.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()

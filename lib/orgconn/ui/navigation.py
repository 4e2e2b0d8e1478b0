"""The dashboard's pages, grouped by audience, each with the least role that may open it.

Streamlit runs the app in its pages-directory mode: ``/`` runs app.py (coverage) and ``/NAME``
runs ``pages/NAME.py`` directly. So each page's URL path is its file's stem, and each page file
starts with `orgconn.ui.shell.shell` naming its page here.
"""

from __future__ import annotations

from dataclasses import dataclass

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



def page_spec(url_path: str) -> PageSpec:
    """The page whose URL path (its file's stem) is ``url_path``; KeyError for no such page."""
    for page in PAGES:
        if page.url_path == url_path:
            return page
    raise KeyError(url_path)

"""orgconn's landing page (``/``): coverage, the same page as ``/coverage``. No logic.

Every page file starts with the same `orgconn.ui.shell.shell` call: sign-in gate, role check,
menu by audience, tenant picker (Streamlit runs ``pages/NAME.py`` directly for ``/NAME``).
"""

from __future__ import annotations

from orgconn.ui import coverage_page
from orgconn.ui.shell import shell

view = shell("coverage")
coverage_page.render(view.tenants)

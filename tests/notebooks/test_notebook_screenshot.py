"""The README's notebook picture: an executed notebook as HTML (nbconvert) in headless Chromium.

With ``ORGCONN_UPDATE_SCREENSHOTS=1`` (``make screenshots``) it is written anew to
docs/screenshots/notebook.png; otherwise the page is only checked.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, UPDATE_SCREENSHOTS

pytestmark = pytest.mark.browser
PLOTLY = "application/vnd.plotly.v1+json"


def _charts_as_html(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy whose Plotly outputs also carry HTML (JupyterLab draws the Plotly data itself;
    nbconvert needs HTML), plotly.js inlined once: the page needs no network."""
    import plotly.io as pio

    shown = copy.deepcopy(notebook)
    first = True
    for cell in shown.cells:
        for output in cell.get("outputs", []):
            if PLOTLY in output.get("data", {}):
                output["data"]["text/html"] = pio.to_html(
                    dict(output["data"][PLOTLY]), include_plotlyjs=first, full_html=False)
                first = False
    return shown


def test_an_executed_notebook_renders_with_its_tables_and_interactive_chart(
        executed, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    html, _ = HTMLExporter(template_name="lab").from_notebook_node(
        _charts_as_html(executed("coverage-triage").notebook))
    page_file = tmp_path / "coverage-triage.html"
    page_file.write_text(html, encoding="utf-8")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_file.as_uri())
        chart = page.locator(".js-plotly-plot").first
        chart.wait_for(state="visible", timeout=30_000)
        assert page.locator("table.dataframe").count() >= 3
        assert page.get_by_text("working on the embedded sandbox").count() == 1
        # the chart and the table it is drawn from, below the notebook's title
        page.locator("h2", has_text="A chart to share").evaluate(
            "heading => { heading.scrollIntoView({block: 'start'}); window.scrollBy(0, -24); }")
        if UPDATE_SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "notebook.png"))
        browser.close()
    assert errors == []

"""The canary run: secrets planted in the sandbox never surface anywhere orgconn writes.

Every seeded PASSWORD value contains ``canary-``; the test also plants its own secrets through
the client, the CLI (stdin) and a bulk file. Then it goes through every page of the dashboard
(AppTest, prefilled to show as much as each page can) and every CLI command, and looks for the
marker in every rendered element (the element's whole protobuf, dataframes and charts
included), every download, every log record, every audit and bulk-job row, every exception
and all CLI output. The tokens must not appear either.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import DownloadButton

from orgconn.cli import main as orgconn
from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig, load_config
from orgconn.sandbox import RunningSandbox
from orgconn.store import open_store
from orgconn.ui.navigation import PAGES
from tests.pages.conftest import APP, TIMEOUT, Configure, Downloads, sandbox_tenants

MARKER = "canary-"
PLANTED = "canary-planted-7f3a9c"


def walk(node: Any) -> Iterator[Any]:
    """Every node below (and including) ``node`` of an AppTest element tree."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The secrets (or the canary marker) that occur in ``text``."""
    return [s for s in [MARKER, *secrets] if s in text]


@pytest.fixture
def planted(fresh_sandbox: RunningSandbox) -> str:
    """A customer's apiKey set to a known canary through the client; returns its external ID."""
    tenant = TenantConfig(name="us", url=fresh_sandbox.stack_url("us"),
                          token=fresh_sandbox.token("us"))
    with PrismaticClient(tenant) as client:
        connection = client.connection("acme-api-key")
        customer = client.customer("cust-00002")
        assert connection is not None and customer is not None
        client.upsert_customer_values(connection, customer, {"apiKey": PLANTED})
    return "cust-00002"


# each page with the query parameters that make it show the most (forms filled, tenants chosen)
PAGE_PARAMS: dict[str, dict[str, str | list[str]]] = {
    "pages/coverage.py": {},
    "pages/compare.py": {},
    "pages/audit.py": {},
    "pages/customer_values.py": {"tenant": "us", "connection": "acme-api-key",
                                 "customer": "cust-00002"},
    "pages/test_credentials.py": {"tenant": "us"},
    "pages/bulk_upload.py": {"tenant": "us", "connection": "acme-api-key",
                             "template": "missing"},
    "pages/rollout.py": {},
    "pages/connections.py": {"tenant": "us"},
}


def test_every_page_and_command_keeps_every_secret_out_of_sight(
    fresh_sandbox: RunningSandbox, planted: str, configure: Configure, downloads: Downloads,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = configure(sandbox_tenants(fresh_sandbox))
    tokens = [fresh_sandbox.token("us"), fresh_sandbox.token("eu")]
    secrets = [PLANTED, *tokens]
    found: dict[str, list[str]] = {}

    # --- the CLI: every command, writes included (a secret from stdin, a bulk file) ---
    typed = "canary-typed-on-stdin-41"
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed + "\n"))
    bulk_file = tmp_path / "bulk.csv"
    bulk_file.write_text("external_id,apiKey\nmy-external-id,canary-bulk-file-99\n",
                         encoding="utf-8")
    template = tmp_path / "template.csv"
    secrets += [typed, "canary-bulk-file-99"]
    commands = [
        ["coverage", "--config", str(config), "--format", "csv"],
        ["coverage", "--config", str(config), "--format", "json"],
        ["compare", "--config", str(config), "--tenant", "us", "--tenant", "eu",
         "--format", "json"],
        ["set", "--config", str(config), "--tenant", "us", "--connection", "acme-api-key",
         "--customer", "cust-00005", "apiKey=-", "--yes"],
        ["bulk", "template", str(template), "--config", str(config), "--tenant", "us",
         "--connection", "acme-api-key"],
        ["bulk", "check", str(bulk_file), "--config", str(config), "--tenant", "us",
         "--connection", "acme-api-key"],
        ["bulk", "apply", str(bulk_file), "--config", str(config), "--tenant", "us",
         "--connection", "acme-api-key", "--yes"],
        ["snapshot", "--config", str(config)],
    ]
    for argv in commands:
        status = orgconn(argv)
        out = capsys.readouterr()
        assert status in (0, 1), f"orgconn {' '.join(argv[:2])} failed: {out.err[-300:]}"
        if hit := leaks(out.out + out.err, secrets):
            found[f"orgconn {' '.join(argv[:2])}"] = hit
        if template.exists() and (hit := leaks(template.read_text(), secrets)):
            found["bulk template file"] = hit

    # --- every page, as a user opens it ---
    for spec in PAGES:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params.update(PAGE_PARAMS.get(spec.path, {}))
        at.run()
        at.switch_page(spec.path).run()
        assert not at.exception, f"{spec.path}: {at.exception}"
        for root in (at.main, at.sidebar):
            for node in walk(root):
                proto = getattr(node, "proto", None)
                if proto is not None and (hit := leaks(str(proto), secrets)):
                    found[f"{spec.path}: {node.type}"] = hit
                if isinstance(node, DownloadButton) and not node.proto.disabled:
                    data = downloads.data(node).decode("utf-8", "replace")
                    if hit := leaks(data, secrets):
                        found[f"{spec.path}: download {node.label!r}"] = hit

    # --- logs, audit rows and bulk-job rows ---
    for record in caplog.records:
        if hit := leaks(record.getMessage() + str(record.args or ""), secrets):
            found[f"log {record.name}"] = hit
    store = open_store(load_config().database_url)  # ORGCONN_DATABASE_URL, through the config
    audit = store.audit_frame()
    assert len(audit) >= 2, "the CLI's writes left audit rows"
    if hit := leaks(audit.to_csv(), secrets):
        found["audit rows"] = hit
    for job in store.list_jobs():
        if hit := leaks(store.job_rows_frame(job.id).to_csv(), secrets):
            found[f"bulk job {job.id}"] = hit
    store.close()

    assert found == {}, f"secrets leaked: {found}"

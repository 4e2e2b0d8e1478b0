"""SLOW (~10-30 s, marked ``slow``): 1,000 rows applied to a sandbox that fails 20 % of requests.

The sandbox runs in a subprocess with ``fault_rate=0.2`` (HTTP 500/502/503, reset connections,
and writes that commit before their connection is dropped). The apply must still end with every
row applied exactly once — one successful audit row per row, no second CCV — and a report that
matches what the tenant holds, read back afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.services import bulk
from orgconn.services.access import Actor, Role
from orgconn.store import AuditFilter, BulkOptions, open_store
from tests.edit_support import async_clients

ROWS = 1000


@pytest.mark.slow
def test_a_thousand_rows_under_twenty_percent_faults_are_each_applied_exactly_once(
        make_sandbox: Callable[..., RunningSandbox], tmp_path: Path) -> None:
    box = make_sandbox(process=True, tenants=("us",), customers=ROWS + 60, fault_rate=0.2,
                       fault_seed=6)
    tenant = TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"))
    with PrismaticClient(tenant) as client:
        before = client.read_tenant(["crm-sync"])
    customers = [c.external_id for c in before.customers if c.external_id][:ROWS]
    frame = pd.DataFrame({"external_id": customers,
                          "accessToken": [f"canary-reliable-{n}" for n in range(ROWS)],
                          "portalId": [str(10_000 + n) for n in range(ROWS)]})
    content = bulk.template_bytes(frame, "csv")
    options = BulkOptions(connection="crm-sync", overwrite=True)

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        result = bulk.apply_upload(tenant, "crm.csv", content, options, store=store,
                                   actor=Actor("ops", Role.OPERATOR), key=b"reliability",
                                   open_client=async_clients(tenant))
        report = bulk.report_frame(store, result.job.id)
        ok = Counter(e.customer_external_id for e in store.audit(
            AuditFilter(job_id=result.job.id, outcome="ok"), limit=None))

    with PrismaticClient(tenant) as client:
        after = client.read_tenant(["crm-sync"])
        again = bulk.check_upload(client, "crm.csv", content, options)
    held = {v.customer.external_id: v for v in after.customer_values if v.customer}
    assert result.job.status == "done", bulk.describe_summary(result.summary)
    assert set(report["outcome"]) == {"done"} and len(report) == ROWS
    for row in frame.itertuples():
        values = held[row.external_id].values
        assert values["accessToken"].secret_value() == row.accessToken
        assert values["portalId"].secret_value() == row.portalId
    assert ok == Counter(customers)  # one successful write per row, never two
    existed = {v.customer.external_id for v in before.customer_values if v.customer}
    assert len(after.customer_values) == len(existed | set(customers))  # no second CCV
    assert again.totals()["unchanged"] == ROWS

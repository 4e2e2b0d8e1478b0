"""A tenant echoing the token or a secret value in a row's answer: nothing keeps it.

The fake Prismatic (`tests.client.fake_prismatic`, behind httpx's MockTransport) refuses every
row of a bulk apply with payload errors quoting the access token, the values sent and (for an
update) the value replaced — in the batch answer and again in the one-row write the apply
falls back to. What the operator sees
(the command's output), the report file, the job's rows in the store and the audit log are
searched for each canary.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from orgconn.cli import main
from orgconn.services import bulk
from orgconn.services.access import Actor, Role
from orgconn.store import BulkOptions, open_store
from tests.client.conftest import FAST, TOKEN, make_tenant
from tests.client.fake_prismatic import SECRET, FakePrismatic, route_every_client
from tests.edit_support import async_clients

NEW_SECRET = "canary-bulk-echo-new-5531"
CANARIES = (TOKEN, NEW_SECRET, SECRET)
CONTENT = f"external_id,apiKey,region\nglobex,{NEW_SECRET},eu\ninitech,{NEW_SECRET},us\n"


def echoing(operation: str, rows: int, canaries: tuple[str, ...] = CANARIES) -> httpx.Response:
    """An answer refusing ``rows`` aliased rows (or one plain field) quoting ``canaries``."""
    errors = [{"field": "inputs", "messages": [f"{c} was rejected" for c in canaries]}]
    fields = {f"r{n}": {"errors": errors} for n in range(rows)} if rows else {
        operation: {"customerConfigVariable": None, "errors": errors}}
    return httpx.Response(200, json={"data": fields})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakePrismatic:
    """A fake tenant reached by every client orgconn builds, refusing every bulk row loudly."""
    fake = FakePrismatic()
    scv = fake.add_connection()
    globex, _ = fake.add_customer("Globex", "globex"), fake.add_customer("Initech", "initech")
    fake.add_values(scv, globex, {"apiKey": SECRET, "region": "eu"})
    fake.script("BulkUpdateCustomerValues1", echoing("", 1))
    # a create replaces no value: it can echo the token and what it sent, not another's secret
    sent = (TOKEN, NEW_SECRET)
    fake.script("BulkCreateCustomerValues1", echoing("", 1, sent))
    fake.script("CreateCustomerValues", *[echoing("createCustomerConfigVariable", 0, sent)] * 2)
    route_every_client(monkeypatch, fake.handler)
    return fake


def test_no_canary_echoed_by_the_tenant_reaches_the_report_the_store_or_the_audit_log(
        fake: FakePrismatic, tmp_path: Path) -> None:
    options = BulkOptions(connection="acme-api-key", overwrite=True)

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        result = bulk.apply_upload(make_tenant(), "echo.csv", CONTENT.encode(), options,
                                   actor=Actor("ops", Role.OPERATOR), store=store, key=b"k",
                                   retry=FAST, open_client=async_clients(make_tenant()))
        kept = [bulk.report_csv(bulk.report_frame(store, result.job.id)).decode(),
                repr(store.job_rows(result.job.id)), repr(store.audit()),
                store.audit_frame().to_csv(), repr(result)]

    assert result.progress.failed == 2
    assert "was rejected" in kept[0] and "[redacted]" in kept[0]
    for text in kept:
        for canary in CANARIES:
            assert canary not in text
    assert any(NEW_SECRET in r.content.decode() for r in fake.requests)  # it was sent


def test_no_canary_echoed_by_the_tenant_reaches_the_bulk_commands_output_or_report(
        fake: FakePrismatic, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upload = tmp_path / "echo.csv"
    upload.write_text(CONTENT)
    config = tmp_path / "orgconn.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "store.db"}"\n[tenants.us]\n'
                      f'url = "https://fake.prismatic.test"\ntoken = "{TOKEN}"\n')

    status = main(["bulk", "apply", str(upload), "--tenant", "us", "--yes", "--overwrite",
                   "--connection", "acme-api-key", "--config", str(config)])

    printed = capsys.readouterr()
    report = (tmp_path / "echo-report.csv").read_text()
    assert status == 1 and "[redacted]" in report
    for canary in CANARIES:
        assert canary not in printed.out + printed.err + report

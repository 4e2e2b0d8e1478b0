"""Batched writes: valid documents, per-row answers, secrets redacted, lost answers read back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import graphql
import pytest

from orgconn.client.batch import batch_call, batch_operation, read_answers
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.services import bulk
from orgconn.services.access import Actor, Role
from orgconn.services.bulk.parse import read_upload
from orgconn.services.bulk.plan import plan_upload
from orgconn.store import AuditFilter, BulkOptions, open_store
from tests.edit_support import async_clients
from tests.services.bulk.tenant import NEW_SECRET, snapshot

SANDBOX_SCHEMA = Path(__file__).resolve().parents[2] / "lib/orgconn/sandbox/schema.graphql"


def _schemas(reference: Path | None) -> list[graphql.GraphQLSchema]:
    paths = [SANDBOX_SCHEMA] + ([reference] if reference else [])
    return [graphql.build_schema(p.read_text(encoding="utf-8")) for p in paths]


@pytest.mark.parametrize("kind", ["create", "update"])
def test_batch_documents_are_valid_against_the_sandbox_and_prismatics_schema(
        kind: str, reference_schema: Path) -> None:
    document = graphql.parse(batch_operation(kind, 3).document)  # type: ignore[arg-type]

    for schema in _schemas(reference_schema):
        assert graphql.validate(schema, document) == []


def test_a_batch_call_carries_each_rows_input_and_lists_its_secrets_for_redaction() -> None:
    parsed = read_upload("f.csv", f"external_id,host,port,password\nbeta,h,1,{NEW_SECRET}\n"
                         "delta,h,2,other-secret\n".encode())
    assert parsed.table is not None
    plan = plan_upload(parsed.table, snapshot(), BulkOptions(connection="customer-warehouse"))

    call = batch_call("create", plan.rows, overwrite=False)

    assert call.operation.name == "BulkCreateCustomerValues2" and call.operation.is_mutation
    assert [v["customer"] for v in call.variables.values()] == ["cust-beta", "cust-delta"]
    assert set(call.redact) == {NEW_SECRET, "other-secret"}


def test_each_rows_answer_says_written_or_why_not() -> None:
    data = {"r0": {"errors": []},
            "r1": {"errors": [{"field": "inputs", "messages": ["bad value [redacted]"]}]},
            "r2": None, "r3": {"errors": None}}

    answers = read_answers(data, 5)

    assert [a.written for a in answers] == [True, False, False, False, False]
    assert answers[1].message == "inputs: bad value [redacted]"
    assert all("answered nothing" in a.message for a in answers[2:])


def test_batches_whose_answers_are_all_lost_are_read_back_and_never_written_twice(
        make_sandbox: Callable[..., RunningSandbox], tmp_path: Path) -> None:
    box = make_sandbox(tenants=("us",), fault_rate=1.0, fault_kinds=("drop-after-commit",))
    tenant = TenantConfig(name="us", url=box.stack_url("us"), token=box.token("us"))
    content = b"external_id,accessToken\n" + b"".join(
        f"cust-{n:05d},canary-lost-{n}\n".encode() for n in range(2, 12))

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        result = bulk.apply_upload(tenant, "lost.csv", content, BulkOptions(connection="crm-sync"),
                                   actor=Actor("ops", Role.OPERATOR), store=store, key=b"k",
                                   open_client=async_clients(tenant))
        report = bulk.report_frame(store, result.job.id)
        ok = Counter(e.customer_external_id for e in store.audit(
            AuditFilter(job_id=result.job.id, outcome="ok"), limit=None))

    written = report[report["planned"].isin(["create", "update"])]
    assert len(written) > 0 and set(written["outcome"]) == {"done"}
    assert ok == Counter(written["external_id"])
    assert set(written["message"]) == {"created (the answer was lost; read back: applied)"}

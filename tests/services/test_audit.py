"""Audit rows for writes: names and fingerprints, never values."""

from __future__ import annotations

from pathlib import Path

from orgconn.errors import OrgconnError, OutcomeUnknownError
from orgconn.models import (
    ConnectionInput,
    CustomerValues,
    InputDefinition,
    InputScope,
    InputValue,
    OrgConnection,
)
from orgconn.secrets import fingerprint
from orgconn.services.access import Actor, Role
from orgconn.services.audit import changed_inputs, outcome_of, record
from orgconn.store import AuditFilter, open_store

KEY = b"k" * 32
CONNECTION = OrgConnection(
    id="scv", name="Acme API key", stable_key="acme-api-key", variable_scope="CUSTOMER",
    managed_by="ORG",
    inputs=tuple(
        ConnectionInput(definition=InputDefinition(key=k, label=k, type=t),
                        scope=InputScope.CUSTOMER)
        for k, t in (("apiKey", "PASSWORD"), ("region", "STRING"), ("note", "STRING"))
    ),
)
BEFORE = CustomerValues(
    id="ccv", connection_id="scv", stable_key="acme-api-key",
    values={"apiKey": InputValue.of("apiKey", "canary-old", secret=True),
            "region": InputValue.of("region", "eu", secret=False)},
)


def test_only_inputs_whose_value_changes_are_listed_with_secrets_as_fingerprints() -> None:
    changed = changed_inputs(CONNECTION, BEFORE,
                             {"apiKey": "canary-new", "region": "eu", "note": "hello"}, KEY)
    assert [(c.name, c.secret) for c in changed] == [("apiKey", True), ("note", False)]
    assert changed[0].fingerprint == fingerprint("canary-new", KEY)
    assert "canary" not in repr(changed)


def test_a_first_write_lists_every_given_value_and_a_cleared_secret_has_no_fingerprint() -> None:
    changed = changed_inputs(CONNECTION, None, {"apiKey": "canary-x", "region": "", "note": "n"},
                             KEY)
    assert [c.name for c in changed] == ["apiKey", "note"]
    cleared = changed_inputs(CONNECTION, BEFORE, {"apiKey": ""}, KEY)
    assert cleared[0].secret and cleared[0].fingerprint is None


def test_outcomes_say_ok_unknown_or_failed_with_the_reason() -> None:
    assert outcome_of(None) == "ok"
    assert outcome_of(OutcomeUnknownError("answer lost")) == "unknown"
    assert outcome_of(OrgconnError("customer: already has values")).startswith("failed: ")


def test_record_appends_exactly_one_row_that_holds_no_secret(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'audit.db'}")
    changed = changed_inputs(CONNECTION, BEFORE, {"apiKey": "canary-new", "region": "us"}, KEY)
    record(store, actor=Actor("pat@example.com", Role.EDITOR), tenant="us",
           action="update_customer_values", stable_key="acme-api-key",
           customer_external_id="my-external-id", changed=changed)
    rows = store.audit(AuditFilter(tenant="us"))
    assert len(rows) == 1
    assert rows[0].actor == "pat@example.com" and rows[0].outcome == "ok"
    frame = store.audit_frame()
    assert not frame.astype(str).apply(lambda c: c.str.contains("canary")).any().any()
    store.close()

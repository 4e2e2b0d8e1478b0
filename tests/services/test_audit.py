"""Audit rows for writes: names and fingerprints, never values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orgconn.config import TenantConfig
from orgconn.errors import AccessDenied, OrgconnError, OutcomeUnknownError
from orgconn.models import (
    ConnectionInput,
    CustomerValues,
    InputDefinition,
    InputScope,
    InputValue,
    OrgConnection,
)
from orgconn.secrets import fingerprint
from orgconn.services.access import Action, Actor, Role
from orgconn.services.audit import (
    AuditRow,
    WriteContext,
    audited_write,
    changed_inputs,
    outcome_of,
)
from orgconn.store import AuditFilter, Store, open_store

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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


def context(store: Store, role: Role = Role.EDITOR, *, protected: bool = False,
            typed: str | None = None) -> WriteContext:
    tenant = TenantConfig(name="us", url="http://127.0.0.1:9", token="t", protected=protected)
    return WriteContext(actor=Actor("pat@example.com", role), tenant=tenant, store=store,
                        fingerprint_key=KEY, typed_confirmation=typed)


def test_an_audited_write_appends_exactly_one_row_that_holds_no_secret(store: Store) -> None:
    def write(row: AuditRow) -> str:
        row.changed = changed_inputs(CONNECTION, BEFORE, {"apiKey": "canary-new"}, KEY)
        return "written"

    row = AuditRow(Action.UPDATE_CUSTOMER_VALUES, "acme-api-key", "my-external-id")
    assert audited_write(context(store), row, write) == "written"
    (entry,) = store.audit(AuditFilter(tenant="us"))
    assert (entry.id, entry.actor, entry.action, entry.outcome) == (
        row.id, "pat@example.com", "update_customer_values", "ok")
    frame = store.audit_frame()
    assert not frame.astype(str).apply(lambda c: c.str.contains("canary")).any().any()


def test_a_refusal_is_recorded_once_and_the_write_never_runs(store: Store) -> None:
    ran = []
    for ctx in (context(store, Role.VIEWER), context(store, protected=True, typed="eu")):
        with pytest.raises(AccessDenied):
            audited_write(ctx, AuditRow(Action.DELETE_CUSTOMER_VALUES, "acme-api-key"),
                          ran.append)
    assert ran == []
    outcomes = [e.outcome for e in store.audit()]
    assert len(outcomes) == 2 and all(o.startswith("failed: ") for o in outcomes)


def test_a_failed_write_is_recorded_with_orgconn_s_reason_or_only_the_kind_of_error(
        store: Store) -> None:
    def fails(error: Exception) -> Callable[[AuditRow], None]:
        def write(row: AuditRow) -> None:
            raise error
        return write

    for error in (OrgconnError("customer: already has values"), KeyError("canary-secret")):
        with pytest.raises(type(error)):
            audited_write(context(store), AuditRow(Action.SET_TEST_CREDENTIALS, "k"),
                          fails(error))
    unexpected, refused = (e.outcome for e in store.audit())
    assert refused == "failed: customer: already has values"
    assert unexpected == "failed: unexpected KeyError"


def test_a_write_that_skips_its_row_records_nothing(store: Store) -> None:
    def nothing_to_do(row: AuditRow) -> None:
        row.skip = True

    audited_write(context(store), AuditRow(Action.UPDATE_CUSTOMER_VALUES, "k"), nothing_to_do)
    assert store.audit() == []

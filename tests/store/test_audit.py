"""The audit log: appending, filtering, order and paging, the export frame, and no secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pydantic
import pytest
import sqlalchemy as sa

from orgconn.secrets import FINGERPRINT_HEX_DIGITS, fingerprint
from orgconn.store import (
    AUDIT_COLUMNS,
    AuditEntry,
    AuditFilter,
    ChangedInput,
    Store,
    failed_outcome,
)
from orgconn.store.records import FINGERPRINT_HEX_DIGITS as STORE_FINGERPRINT_DIGITS

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "correct-horse-battery-staple-7"
KEY = b"audit-test-key"


def _entry(minutes: int, **changes: object) -> AuditEntry:
    values: dict[str, object] = {
        "at": START + timedelta(minutes=minutes), "actor": "cs@example.com", "tenant": "acme",
        "action": "update_customer_values", "stable_key": "crm",
        "customer_external_id": f"cust-{minutes}", "outcome": "ok", "source": "page",
    }
    values.update(changes)
    return AuditEntry.model_validate(values)


@pytest.fixture
def filled(store: Store) -> Store:
    """Six entries, one a minute, differing in tenant, actor, action, outcome and source."""
    store.append_audit(_entry(0))
    store.append_audit(_entry(1, tenant="globex"))
    store.append_audit(_entry(2, actor="ops@example.com", action="create_connection",
                              customer_external_id=None, source="cli"))
    store.append_audit(_entry(3, outcome=failed_outcome("the tenant refused the value")))
    store.append_audit(_entry(4, stable_key="billing", outcome="unknown", source="bulk",
                              job_id=7))
    store.append_audit(_entry(5, action="delete_customer_values"))
    return store


def test_appended_entries_come_back_newest_first_with_their_ids(filled: Store) -> None:
    entries = filled.audit()
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert len({e.id for e in entries}) == 6 and None not in {e.id for e in entries}
    assert entries[0].customer_external_id == "cust-5"
    assert entries[0].at == START + timedelta(minutes=5)


def test_entries_written_in_the_same_instant_keep_their_append_order_reversed(
        store: Store) -> None:
    ids = [store.append_audit(_entry(0, customer_external_id=f"same-{n}")) for n in range(3)]
    assert [e.id for e in store.audit()] == list(reversed(ids))


@pytest.mark.parametrize(("where", "expected_minutes"), [
    (AuditFilter(tenant="globex"), [1]),
    (AuditFilter(actor="ops@example.com"), [2]),
    (AuditFilter(action="delete_customer_values"), [5]),
    (AuditFilter(stable_key="billing"), [4]),
    (AuditFilter(customer_external_id="cust-3"), [3]),
    (AuditFilter(outcome="failed"), [3]),
    (AuditFilter(outcome="ok"), [5, 2, 1, 0]),
    (AuditFilter(outcome="unknown"), [4]),
    (AuditFilter(source="cli"), [2]),
    (AuditFilter(job_id=7), [4]),
    (AuditFilter(since=START + timedelta(minutes=2), until=START + timedelta(minutes=4)),
     [3, 2]),
    (AuditFilter(tenant="acme", outcome="ok", source="page"), [5, 0]),
])
def test_each_filter_keeps_only_the_matching_entries(
        filled: Store, where: AuditFilter, expected_minutes: list[int]) -> None:
    found = filled.audit(where)
    assert [int((e.at - START).total_seconds() // 60) for e in found] == expected_minutes
    assert filled.audit_count(where) == len(expected_minutes)


def test_entries_appended_together_get_ids_in_their_order(store: Store) -> None:
    ids = store.append_audit_entries([_entry(n) for n in range(5)])
    assert ids == sorted(ids) and len(set(ids)) == 5
    by_id = {e.id: e.customer_external_id for e in store.audit()}
    assert [by_id[i] for i in ids] == [f"cust-{n}" for n in range(5)]
    assert store.append_audit_entries([]) == []


def test_limit_and_offset_page_through_the_newest_first_order(filled: Store) -> None:
    every = [e.id for e in filled.audit()]
    pages = [[e.id for e in filled.audit(limit=4, offset=start)] for start in (0, 4)]
    assert pages == [every[:4], every[4:]]
    assert filled.audit_count() == 6


def test_the_frame_has_the_export_columns_and_readable_changed_inputs(store: Store) -> None:
    changed = (ChangedInput.plain("host"),
               ChangedInput.secret_input("password", fingerprint(SECRET, KEY)),
               ChangedInput.secret_input("apiKey", None))
    store.append_audit(_entry(0, changed_inputs=changed))
    frame = store.audit_frame()
    assert list(frame.columns) == AUDIT_COLUMNS
    assert str(frame["at"].dtype).startswith("datetime64") and frame["at"].dt.tz is not None
    assert frame.loc[0, "changed_inputs"] == (
        f"host, password (secret {fingerprint(SECRET, KEY)}), apiKey (secret cleared)")


def test_an_empty_log_gives_an_empty_frame_with_the_columns(store: Store) -> None:
    frame = store.audit_frame(AuditFilter(tenant="nobody"))
    assert frame.empty and list(frame.columns) == AUDIT_COLUMNS


def test_the_choices_list_each_value_present_once(filled: Store) -> None:
    choices = filled.audit_choices()
    assert choices.tenants == ("acme", "globex")
    assert choices.actors == ("cs@example.com", "ops@example.com")
    assert set(choices.actions) == {"update_customer_values", "create_connection",
                                    "delete_customer_values"}
    assert choices.stable_keys == ("billing", "crm")


def test_changed_inputs_round_trip_with_their_fingerprints(store: Store) -> None:
    changed = (ChangedInput.plain("host"),
               ChangedInput.secret_input("password", fingerprint(SECRET, KEY)))
    store.append_audit(_entry(0, changed_inputs=changed))
    assert store.audit()[0].changed_inputs == changed


def test_the_store_accepts_the_fingerprints_orgconn_secrets_makes() -> None:
    assert STORE_FINGERPRINT_DIGITS == FINGERPRINT_HEX_DIGITS
    made = ChangedInput.secret_input("password", fingerprint(SECRET, KEY))
    assert made.fingerprint == fingerprint(SECRET, KEY)


@pytest.mark.parametrize("mistake", [
    SECRET,                                  # the value itself instead of its fingerprint
    "0123456789abcdef0123456789abcdef",      # a hex API token
    "ABCDEF012345",                          # upper case is not a fingerprint either
])
def test_a_secret_value_passed_as_a_fingerprint_is_refused_without_being_echoed(
        mistake: str) -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        ChangedInput.secret_input("password", mistake)
    assert mistake not in str(raised.value) and mistake not in repr(raised.value)


def test_a_fingerprint_on_an_input_not_marked_secret_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="only kept for secret inputs"):
        ChangedInput(name="host", fingerprint=fingerprint("db.internal", KEY))


def test_no_field_of_an_entry_takes_a_value_beside_an_input_name() -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        AuditEntry.model_validate({**_entry(0).model_dump(), "values": {"password": SECRET}})
    assert SECRET not in str(raised.value)
    with pytest.raises(pydantic.ValidationError):
        ChangedInput.model_validate({"name": "password", "secret": True, "value": SECRET})


def test_after_a_write_with_a_secret_no_table_holds_the_secret(store: Store,
                                                               store_url: str) -> None:
    store.append_audit(_entry(0, changed_inputs=(
        ChangedInput.secret_input("password", fingerprint(SECRET, KEY)),)))
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM audit_log")).all()
    engine.dispose()
    stored = repr(rows)
    assert fingerprint(SECRET, KEY) in stored
    assert SECRET not in stored


@pytest.mark.parametrize(("field", "bad"), [
    ("outcome", "done"),
    ("outcome", "failed:"),
    ("action", "Update Values"),
    ("source", "email"),
    ("actor", ""),
    ("tenant", "acme\nforged line"),
    ("detail", "x" * 501),
])
def test_an_entry_with_a_bad_field_is_refused_naming_the_field(field: str, bad: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=field):
        _entry(0, **{field: bad})


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="at"):
        _entry(0, at=datetime(2026, 3, 2, 9, 0))


def test_a_failure_reason_becomes_one_short_line() -> None:
    outcome = failed_outcome("timeout\n  after 3 retries " + "x" * 400)
    assert outcome.startswith("failed: timeout after 3 retries")
    assert len(outcome) == 300 and "\n" not in outcome
    assert _entry(0, outcome=outcome).outcome == outcome

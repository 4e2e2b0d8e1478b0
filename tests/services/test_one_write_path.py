"""Every writer goes through the one audited write of `services.audit`.

Each writer is called with its check (`services.audit.allow`) replaced by a spy that refuses:
the writer must ask it for its action, write nothing, and leave exactly one audit row whose
action is an `Action` value. A writer that checked roles or wrote audit rows on its own would
fail here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest

import orgconn
from orgconn.config import TenantConfig
from orgconn.errors import AccessDenied
from orgconn.models import Customer
from orgconn.services import audit, bulk, definitions
from orgconn.services.access import Action, Actor, Role
from orgconn.services.audit import WriteContext
from orgconn.services.compare.sync_apply import apply_sync_plan
from orgconn.services.compare.sync_plan import SyncAction, SyncPlan, SyncStep
from orgconn.services.rollout.rollout_progress import set_target
from orgconn.services.values import form
from orgconn.services.values.form import ValuesForm
from orgconn.services.values.save import delete, save
from orgconn.store import BulkOptions, Store, open_store
from tests.edit_support import async_clients
from tests.services.test_audit import CONNECTION

KEY = b"k" * 32
ADMIN = Actor("ada@example.com", Role.ADMIN)
US = TenantConfig(name="us", url="http://127.0.0.1:9", token="not-used")
NO_CLIENT: Any = None  # a writer must not reach the tenant once refused


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[Action]:
    """The actions the one audited write was asked to allow; it refuses every one."""
    asked: list[Action] = []

    def refuse(ctx: WriteContext, action: Action, *, in_tenant: bool = True) -> None:
        asked.append(action)
        raise AccessDenied(f"refused by the test: {action.value}")

    monkeypatch.setattr(audit, "allow", refuse)
    return asked


def values_form(customer: bool) -> ValuesForm:
    who = Customer(id="c1", name="Acme", external_id="acme") if customer else None
    return ValuesForm(tenant="us", connection=CONNECTION, customer=who, current=None,
                      fields=(), globals=())


def ctx(store: Store) -> WriteContext:
    return WriteContext(actor=ADMIN, tenant=US, store=store, fingerprint_key=KEY)


def sync_plan() -> SyncPlan:
    return SyncPlan("eu", "us", (SyncStep(SyncAction.UPDATE, "acme-api-key", "Acme"),))


WRITERS: dict[str, tuple[Action, Callable[[Store], object]]] = {
    "customer values save": (Action.CREATE_CUSTOMER_VALUES, lambda s: save(
        NO_CLIENT, values_form(True), cast(Any, None), ctx(s))),
    "customer values delete": (Action.DELETE_CUSTOMER_VALUES, lambda s: delete(
        NO_CLIENT, values_form(True), ctx(s))),
    "test credentials save": (Action.SET_TEST_CREDENTIALS, lambda s: save(
        NO_CLIENT, values_form(False), cast(Any, None), ctx(s))),
    "connection definition rename": (Action.UPDATE_CONNECTION, lambda s: (
        definitions.update_connection(NO_CLIENT, ctx(s), CONNECTION, name="Renamed",
                                      description=""))),
    "rollout target": (Action.SET_ROLLOUT_TARGET, lambda s: set_target(
        s, ADMIN, US, "acme-api-key", 80, date(2030, 1, 1), date(2026, 1, 1))),
    "bulk apply": (Action.BULK_APPLY, lambda s: bulk.apply_upload(
        US, "values.csv", b"external_id\n", BulkOptions(connection="acme-api-key"),
        actor=ADMIN, store=s, key=KEY, open_client=async_clients(US))),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_each_writer_asks_the_one_audited_write_and_leaves_one_row_with_an_action(
        writer: str, store: Store, checked: list[Action]) -> None:
    action, write = WRITERS[writer]
    with pytest.raises(AccessDenied, match="refused by the test"):
        write(store)
    assert checked == [action]
    (row,) = store.audit()
    assert row.action in set(Action) and row.outcome.startswith("failed: refused by the test")


def test_definitions_test_credentials_go_through_the_values_save(
        store: Store, checked: list[Action], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form, "load_form", lambda *a: values_form(False))
    monkeypatch.setattr(form, "prepare", lambda *a: None)
    with pytest.raises(AccessDenied):
        definitions.set_test_credentials(NO_CLIENT, ctx(store), CONNECTION, {})
    assert checked == [Action.SET_TEST_CREDENTIALS] and len(store.audit()) == 1


def test_each_step_of_a_sync_plan_is_one_audited_write(store: Store, checked: list[Action]
                                                        ) -> None:
    results = apply_sync_plan(sync_plan(), NO_CLIENT, store, actor=ADMIN, target=US,
                              confirmed=True, typed_name=None, secret_values={}, key=KEY)
    assert checked == [Action.SYNC_UPDATE]
    assert [r.outcome for r in results] == ["failed: refused by the test: sync_update"]
    (row,) = store.audit()
    assert row.action == Action.SYNC_UPDATE.value


def test_no_module_but_the_audited_write_builds_or_appends_audit_rows() -> None:
    lib = Path(orgconn.__file__).parent
    allowed = {lib / "services" / "audit.py"}
    found = []
    for path in (lib / "services").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            name = (node.func.attr if isinstance(node.func, ast.Attribute) else
                    getattr(node.func, "id", "")) if isinstance(node, ast.Call) else ""
            if name in ("AuditEntry", "append_audit", "append_audit_rows",
                        "require_typed_confirmation") and path not in allowed:
                found.append(f"{path.relative_to(lib)}: {name}")
    # a sync plan is refused as a whole before its first write (reviewed, typed name)
    assert found == ["services/compare/sync_apply.py: require_typed_confirmation"]

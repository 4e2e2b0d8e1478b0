"""Sync plans: built on hand-made tenants, applied to the sandbox (checks, audit, the result)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from orgconn.errors import InvalidValuesError
from orgconn.models import Component, ComponentConnection, Customer, InputDefinition, InputScope
from orgconn.sandbox import RunningSandbox
from orgconn.secrets import fingerprint
from orgconn.services.access import AccessDenied, Actor, Role
from orgconn.services.compare.compare import Kind, differences
from orgconn.services.compare.sync_apply import apply_sync_plan, results_frame
from orgconn.services.compare.sync_plan import SyncAction, SyncPlan, build_sync_plan, plan_frame
from orgconn.store import Store, open_store
from tests.edit_support import assert_no_secret_in_audit, audit_rows, sandbox_client, tenant_config
from tests.services.compare.compare_builders import API_INPUTS, connection

ADMIN = Actor("ada", Role.ADMIN)
KEY = b"sync-test-key"


def _components(*inputs: tuple[str, str]) -> list[Component]:
    """A target catalog with acme-saas/apiKey offering ``inputs`` (key, type)."""
    offered = inputs or (("apiKey", "PASSWORD"), ("region", "STRING"), ("baseUrl", "STRING"))
    return [Component(id="c1", key="acme-saas", label="Acme", connections=(ComponentConnection(
        id="eu:cc:apiKey", key="apiKey", label="API key", component_key="acme-saas",
        component_label="Acme", inputs=tuple(InputDefinition(key=k, label=k, type=t)
                                             for k, t in offered)),))]


def _step(plan: SyncPlan, stable_key: str = "acme-api-key") -> object:
    return next(s for s in plan.steps if s.stable_key == stable_key)


def test_a_missing_connection_is_created_like_the_source_with_secrets_to_type_in() -> None:
    source = connection("us", inputs=[*API_INPUTS, ("token", "PASSWORD", "org", "canary-g")])
    plan = build_sync_plan("us", [source], "eu", [], _components(
        ("apiKey", "PASSWORD"), ("region", "STRING"), ("baseUrl", "STRING"),
        ("token", "PASSWORD")))
    step = _step(plan)
    assert step.action is SyncAction.CREATE
    assert step.component_connection.id == "eu:cc:apiKey"  # the target's, not the source's
    assert (step.name, step.description) == (source.name, source.description)
    assert step.scopes == {"apiKey": InputScope.CUSTOMER, "region": InputScope.CUSTOMER,
                           "baseUrl": InputScope.ORG, "token": InputScope.ORG}
    assert step.plain_values == {"baseUrl": "https://api.example.com"}
    assert plan.secrets_needed == (("acme-api-key", "token"),)
    shown = plan_frame(plan).to_csv()
    assert "canary" not in shown and "https://api.example.com" in shown


def test_of_two_components_sharing_a_key_the_create_uses_the_one_with_the_sources_inputs(
        ) -> None:
    public = _components(("apiKey", "PASSWORD"))[0].model_copy(update={"id": "c0"})
    public_connection = public.connections[0].model_copy(update={"id": "eu:cc:public"})
    catalog = [public.model_copy(update={"connections": (public_connection,)}),
               *_components()]
    step = _step(build_sync_plan("us", [connection("us")], "eu", [], catalog))
    assert step.action is SyncAction.CREATE and step.component_connection.id == "eu:cc:apiKey"


def test_a_customers_own_definition_is_never_copied_nor_left_alone() -> None:
    owner = Customer(id="us:cust:n", name="Northwind", external_id="cust-00002")
    own = connection("us", "northwind-key", name="Northwind key").model_copy(
        update={"owner": owner})
    theirs = connection("eu", "northwind-key", name="Northwind key").model_copy(
        update={"owner": owner})
    plan = build_sync_plan("us", [own, connection("us")], "eu", [theirs], _components())
    assert [s.stable_key for s in plan.steps] == ["acme-api-key"]


@pytest.mark.parametrize(("target", "components", "reason"), [
    ([], [], "has no component connection acme-saas/apiKey"),
    ([], _components(("apiKey", "PASSWORD")), "other inputs"),
    ([connection("eu", "other-key")], _components(), "name 'Acme API key' is taken in eu"),
    ([connection("eu", scope=("ORG", "ORG"))], _components(), "org-activated global"),
    ([connection("eu", inputs=[*API_INPUTS[:2], ("baseUrl", "STRING", "customer", None)])],
     _components(), "scope cannot change"),
    ([connection("eu", inputs=[*API_INPUTS[:2], ("baseUrl", "STRING", "org", "https://x.eu")])],
     _components(), "global values cannot change"),
    ([connection("eu", component=("http", "apiKey"))], _components(), "recreate it in eu"),
])
def test_what_creation_cannot_fix_needs_manual_action_with_the_reason(
        target: list, components: list[Component], reason: str) -> None:
    step = _step(build_sync_plan("us", [connection("us")], "eu", target, components))
    assert step.action is SyncAction.MANUAL
    assert reason in step.reason


def test_a_name_or_description_difference_is_an_update_and_equal_ones_are_in_sync() -> None:
    renamed = connection("eu", name="Acme key (EU)")
    plan = build_sync_plan("us", [connection("us"), connection("us", "b", name="B")], "eu",
                           [renamed, connection("eu", "b", name="B")], _components())
    assert _step(plan).action is SyncAction.UPDATE and _step(plan).target == renamed
    assert _step(plan, "b").action is SyncAction.IN_SYNC
    assert plan.writes == (_step(plan),)


def test_connections_only_in_the_target_are_left_alone_never_deleted() -> None:
    plan = build_sync_plan("us", [], "eu", [connection("eu")], _components())
    assert _step(plan).action is SyncAction.LEFT_ALONE and not plan.writes


def test_the_plan_can_be_limited_to_chosen_stable_keys() -> None:
    plan = build_sync_plan("us", [connection("us"), connection("us", "b", name="B")], "eu", [],
                           _components(), stable_keys=["b"])
    assert [s.stable_key for s in plan.steps] == ["b"]


# --- applying, on the sandbox -------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


def _plan(box: RunningSandbox, source: str = "us", target: str = "eu") -> SyncPlan:
    with sandbox_client(box, source) as src, sandbox_client(box, target) as dst:
        return build_sync_plan(source, src.all_connections(), target, dst.all_connections(),
                               dst.components())


def _definition_rows(box: RunningSandbox) -> set[tuple[str, str, str]]:
    snaps = {}
    for name in ("us", "eu"):
        with sandbox_client(box, name) as client:
            snaps[name] = client.read_tenant()
    frame = differences(snaps, KEY)
    frame = frame[frame["kind"].isin([k.value for k in Kind if k.is_definition])]
    return set(frame[["kind", "stable_key", "input"]].itertuples(index=False, name=None))


def test_the_demo_plan_creates_crm_sync_and_leaves_the_scope_difference_to_a_person(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    plan = _plan(fresh_sandbox)
    actions = {s.stable_key: s.action for s in plan.steps}
    assert actions["crm-sync"] is SyncAction.CREATE
    assert actions["acme-api-key"] is SyncAction.MANUAL
    assert actions["sftp-drop"] is actions["billing-api"] is SyncAction.UPDATE
    assert {s.stable_key: s.reason for s in plan.steps}["sftp-drop"] == (
        "default for component differ")
    assert "northwind-acme-key" not in actions  # one customer's own: never copied
    with sandbox_client(fresh_sandbox, "eu") as eu:
        results = apply_sync_plan(plan, eu, store, actor=ADMIN, target=tenant_config(
            fresh_sandbox, "eu", protected=True), confirmed=True, typed_name="eu",
            secret_values={}, key=KEY)
        defaults = {c.stable_key: c.default_for_component for c in eu.org_connections()}
    assert results_frame(results).to_dict("records") == [
        {"stable_key": "crm-sync", "action": "create", "outcome": "ok"},
        {"stable_key": "billing-api", "action": "update", "outcome": "ok"},
        {"stable_key": "sftp-drop", "action": "update", "outcome": "ok"}]
    assert (defaults["sftp-drop"], defaults["billing-api"]) == (True, False)  # as in us
    assert _definition_rows(fresh_sandbox) == {("input_scope", "acme-api-key", "baseUrl")}
    rows = audit_rows(store)
    assert [(r.action, r.tenant, r.stable_key, r.outcome) for r in rows] == [
        ("sync_create", "eu", "crm-sync", "ok"), ("sync_update", "eu", "billing-api", "ok"),
        ("sync_update", "eu", "sftp-drop", "ok")]


def test_secret_global_values_are_typed_in_audited_by_fingerprint_and_then_match(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    with sandbox_client(fresh_sandbox, "us") as us:
        http = next(c for c in us.components() if c.key == "http")
        api_key = next(c for c in http.connections if c.key == "apiKey")
        us.create_org_connection(api_key, name="Partner API", stable_key="partner-api",
                                 scopes={"apiKey": InputScope.ORG, "headerName": InputScope.ORG},
                                 global_values={"apiKey": SecretStr("canary-partner"),
                                                "headerName": "X-Partner-Key"})
    plan = _plan(fresh_sandbox)
    assert plan.secrets_needed == (("partner-api", "apiKey"),)
    target = tenant_config(fresh_sandbox, "eu")
    with sandbox_client(fresh_sandbox, "eu") as eu:
        with pytest.raises(InvalidValuesError, match="type the secret global value of apiKey"):
            apply_sync_plan(plan, eu, store, actor=ADMIN, target=target, confirmed=True,
                            typed_name=None, secret_values={}, key=KEY)
        apply_sync_plan(plan, eu, store, actor=ADMIN, target=target, confirmed=True,
                        typed_name=None, key=KEY,
                        secret_values={("partner-api", "apiKey"): SecretStr("canary-partner")})
        created = eu.connection("partner-api")
    assert created is not None and created.input("headerName").global_value.display == (
        "X-Partner-Key")
    assert not {r for r in _definition_rows(fresh_sandbox) if r[1] == "partner-api"}
    entry = next(r for r in audit_rows(store) if r.stable_key == "partner-api")
    assert {(c.name, c.fingerprint) for c in entry.changed_inputs} == {
        ("headerName", None), ("apiKey", fingerprint("canary-partner", KEY))}
    assert_no_secret_in_audit(store, typed=["canary-partner"])


def test_a_renamed_connection_is_renamed_back_and_the_difference_is_gone(
        fresh_sandbox: RunningSandbox, store: Store) -> None:
    with sandbox_client(fresh_sandbox, "eu") as eu:
        sftp = eu.connection("sftp-drop")
        eu.update_org_connection(sftp, name="SFTP drop (EU)", description="changed")
        plan = _plan(fresh_sandbox)
        apply_sync_plan(plan, eu, store, actor=ADMIN, target=tenant_config(fresh_sandbox, "eu"),
                        confirmed=True, typed_name=None, secret_values={}, key=KEY)
    assert not {r for r in _definition_rows(fresh_sandbox) if r[1] == "sftp-drop"}
    assert ("sync_update", "sftp-drop", "ok") in {(r.action, r.stable_key, r.outcome)
                                                  for r in audit_rows(store)}


@pytest.mark.parametrize(("actor", "confirmed", "protected", "typed", "message"), [
    (Actor("vic", Role.VIEWER), True, False, None, "need the admin role"),
    (Actor("ed", Role.OPERATOR), True, False, None, "need the admin role"),
    (ADMIN, False, False, None, "Confirm that you reviewed the plan"),
    (ADMIN, True, True, None, "type its name"),
    (ADMIN, True, True, "us", "type its name"),
])
def test_nothing_is_written_without_the_role_the_confirmation_or_the_typed_name(
        sandbox: RunningSandbox, store: Store, actor: Actor, confirmed: bool, protected: bool,
        typed: str | None, message: str) -> None:
    plan = _plan(sandbox)
    target = tenant_config(sandbox, "eu", protected=protected)
    with sandbox_client(sandbox, "eu") as eu, pytest.raises(AccessDenied, match=message):
        apply_sync_plan(plan, eu, store, actor=actor, target=target, confirmed=confirmed,
                        typed_name=typed, secret_values={}, key=KEY)
    assert audit_rows(store) == []
    with sandbox_client(sandbox, "eu") as eu:
        assert eu.connection("crm-sync") is None


def test_a_plan_for_another_tenant_is_refused(sandbox: RunningSandbox, store: Store) -> None:
    plan = _plan(sandbox)
    with sandbox_client(sandbox, "us") as us, pytest.raises(InvalidValuesError,
                                                            match="this plan is for eu"):
        apply_sync_plan(plan, us, store, actor=ADMIN, target=tenant_config(sandbox, "us"),
                        confirmed=True, typed_name=None, secret_values={}, key=KEY)

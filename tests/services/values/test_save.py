"""Editing one customer's values and test credentials against the sandbox, with the real client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import SecretStr

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.models import (
    MASK,
    ConnectionInput,
    InputDefinition,
    InputScope,
    InputValue,
    OrgConnection,
)
from orgconn.sandbox import RunningSandbox
from orgconn.secrets import fingerprint
from orgconn.services.access import AccessDenied, Actor, Role
from orgconn.services.values.form import (
    Conflict,
    FormInvalid,
    build_form,
    find_connection,
    find_customer,
    load_form,
    prepare,
)
from orgconn.services.values.save import (
    Saved,
    ValuesInUseError,
    WriteContext,
    delete,
    keep_mine,
    save,
)
from orgconn.services.values.validation import IssueKind
from orgconn.store import Store, open_store, values_key
from tests.edit_support import (
    assert_no_secret_in_audit,
    audit_rows,
    sandbox_client,
    values_where,
)

KEY = b"test-fingerprint-key"
EDITOR = Actor(name="ed@acme.example", role=Role.EDITOR, signed_in=True)
TYPED_SECRET = "typed-secret-4711"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


@pytest.fixture
def us(fresh_sandbox: RunningSandbox) -> Iterator[PrismaticClient]:
    with sandbox_client(fresh_sandbox, "us") as client:
        yield client


@pytest.fixture
def shared_us(sandbox: RunningSandbox) -> Iterator[PrismaticClient]:
    with sandbox_client(sandbox, "us") as client:
        yield client


def ctx(store: Store, *, protected: bool = False, **changes: object) -> WriteContext:
    tenant = TenantConfig(name="us", url="http://127.0.0.1:1", token=SecretStr("t"),
                          protected=protected)
    context = WriteContext(actor=EDITOR, tenant=tenant, store=store, fingerprint_key=KEY)
    return replace(context, **changes)  # type: ignore[arg-type]


def typed_from(form_fields: object, **overrides: str) -> dict[str, str]:
    """What a user submits without touching the form, plus ``overrides``."""
    return {f.key: f.initial for f in form_fields} | overrides  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- the form model


def test_a_customer_without_values_gets_defaults_required_marks_help_and_read_only_globals(
        shared_us: PrismaticClient) -> None:
    connection = find_connection(shared_us, "acme-api-key")
    form = load_form(shared_us, "us", connection, find_customer(shared_us, "my-external-id"), KEY)
    assert form.current is None and not form.is_test
    api_key, timeout = form.input_field("apiKey"), form.input_field("timeoutSeconds")
    assert api_key is not None and timeout is not None
    assert (api_key.is_secret, api_key.required, api_key.initial, api_key.state) == (
        True, True, "", "not set")
    definition = connection.input("timeoutSeconds")
    assert definition is not None
    assert timeout.initial == definition.definition.default and not timeout.required
    assert timeout.help == definition.definition.comments and timeout.help
    assert [(g.key, g.display) for g in form.globals] == [
        ("baseUrl", connection.input("baseUrl").global_value.display)]  # type: ignore[union-attr]


def test_existing_values_prefill_plain_inputs_and_show_secrets_only_as_set_and_fingerprint(
        shared_us: PrismaticClient) -> None:
    connection, values = values_where(shared_us, "sftp-drop", in_use=False,
                                      filled=("username", "password"))
    form = load_form(shared_us, "us", connection, values.customer, KEY)
    password, username = form.input_field("password"), form.input_field("username")
    assert password is not None and username is not None
    assert password.initial == ""
    assert password.state == f"set · {fingerprint(values.values['password'].secret_value(), KEY)}"
    assert username.initial == values.values["username"].secret_value()
    assert {g.key for g in form.globals} == {"host", "port"}


def test_a_global_secret_is_masked_in_the_form() -> None:
    definition = InputDefinition(key="sharedKey", label="Shared key", type="PASSWORD")
    connection = OrgConnection(
        id="scv", name="Shared", stable_key="shared", variable_scope="CUSTOMER",
        managed_by="ORG", inputs=(ConnectionInput(
            definition=definition, scope=InputScope.ORG,
            global_value=InputValue.of("sharedKey", "canary-global", secret=True)),))
    form = build_form("us", connection, None, None, KEY)
    assert form.globals[0].display == f"set · {fingerprint('canary-global', KEY)}"
    assert "canary" not in repr(form) and MASK not in form.globals[0].display


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("stable_key", "key", "bad", "words"), [
    ("sftp-drop", "username", "  ", "is required"),
    ("sftp-drop", "strictHostKeyChecking", "maybe", "true or false"),
    ("customer-warehouse", "options", "{not json", "valid JSON"),
])
def test_each_invalid_value_is_refused_before_sending_with_the_input_named(
        shared_us: PrismaticClient, stable_key: str, key: str, bad: str, words: str) -> None:
    form = build_form("us", find_connection(shared_us, stable_key), None, None, KEY)
    valid = {f.key: "5432" if f.key == "port" else "x" for f in form.fields if f.required}
    typed = typed_from(form.fields, **valid) | {key: bad}
    with pytest.raises(FormInvalid) as refused:
        prepare(form, typed)
    assert [i.input_key for i in refused.value.issues] == [key]
    assert words in refused.value.issues[0].message


@pytest.mark.parametrize(("tenant", "stable_key", "key", "odd", "words"), [
    ("us", "customer-warehouse", "port", "70000", "port number"),
    ("us", "acme-api-key", "timeoutSeconds", "soon", "a number"),
    ("us", "billing-api", "accountNumber", "AC-004211", "a number"),
    ("eu", "acme-api-key", "baseUrl", "api.acme-saas.com", "full URL"),
])
def test_a_value_unlike_its_inputs_name_is_sent_as_typed_with_a_warning(
        sandbox: RunningSandbox, tenant: str, stable_key: str, key: str, odd: str,
        words: str) -> None:
    with sandbox_client(sandbox, tenant) as client:
        form = build_form(tenant, find_connection(client, stable_key), None, None, KEY)
    valid = {f.key: "5432" if f.key == "port" else "x" for f in form.fields if f.required}
    submission = prepare(form, typed_from(form.fields, **valid) | {key: odd})
    assert submission.raw()[key] == odd
    assert [w.input_key for w in submission.warnings] == [key]
    assert words in submission.warnings[0].message


def test_global_and_unknown_inputs_are_refused_with_their_reason(
        shared_us: PrismaticClient) -> None:
    form = build_form("us", find_connection(shared_us, "acme-api-key"), None, None, KEY)
    with pytest.raises(FormInvalid) as refused:
        prepare(form, typed_from(form.fields, apiKey="k") | {"baseUrl": "https://x.example",
                                                              "colour": "red"})
    assert {(i.input_key, i.kind) for i in refused.value.issues} == {
        ("baseUrl", IssueKind.UNKNOWN_INPUT), ("colour", IssueKind.UNKNOWN_INPUT)}
    assert "global" in refused.value.issues[0].message


def test_a_blank_secret_that_is_set_is_kept_and_every_other_input_is_sent(
        shared_us: PrismaticClient) -> None:
    connection, values = values_where(shared_us, "sftp-drop", in_use=False,
                                      filled=("password",))
    form = load_form(shared_us, "us", connection, values.customer, KEY)
    submission = prepare(form, typed_from(form.fields, username="new-user",
                                          strictHostKeyChecking="yes"))
    assert submission.kept == ("password",)
    assert set(submission.values) == {f.key for f in form.fields} - {"password"}
    assert submission.values["strictHostKeyChecking"] == "true"
    secret = prepare(form, typed_from(form.fields, password=TYPED_SECRET))
    assert isinstance(secret.values["password"], SecretStr)
    assert TYPED_SECRET not in repr(secret) and TYPED_SECRET not in str(secret)


# ----------------------------------------------------------------------------- saving


def test_saving_a_new_customer_creates_the_values_and_records_one_row_without_secrets(
        us: PrismaticClient, store: Store) -> None:
    connection = find_connection(us, "acme-api-key")
    customer = find_customer(us, "my-external-id")
    form = load_form(us, "us", connection, customer, KEY)
    result = save(us, form, prepare(form, typed_from(form.fields, apiKey=TYPED_SECRET)),
                  ctx(store))
    assert isinstance(result, Saved) and result.action == "created"
    now = load_form(us, "us", connection, customer, KEY)
    assert now.current is not None
    assert now.current.values["apiKey"].secret_value() == TYPED_SECRET
    assert now.current.values["timeoutSeconds"].secret_value() == form.input_field(
        "timeoutSeconds").initial  # type: ignore[union-attr]
    [row] = audit_rows(store)
    assert (row.action, row.outcome, row.customer_external_id, row.source, row.actor) == (
        "create_customer_values", "ok", "my-external-id", "page", EDITOR.name)
    assert [(c.name, c.fingerprint) for c in row.changed_inputs] == [
        ("apiKey", fingerprint(TYPED_SECRET, KEY)), ("timeoutSeconds", None)]
    assert_no_secret_in_audit(store, [TYPED_SECRET])


def test_an_update_with_a_blank_password_keeps_it_and_keeps_every_other_input(
        us: PrismaticClient, store: Store) -> None:
    connection, before = values_where(us, "sftp-drop", in_use=True,
                                      filled=("password", "directory"))
    form = load_form(us, "us", connection, before.customer, KEY)
    result = save(us, form, prepare(form, typed_from(form.fields, username="renamed")),
                  ctx(store), redeploy=True)
    assert isinstance(result, Saved) and result.action == "updated"
    assert result.redeployed == form.dependents.total > 0
    after = result.values
    assert after.values["password"].secret_value() == before.values["password"].secret_value()
    assert after.values["directory"].secret_value() == before.values["directory"].secret_value()
    assert after.values["username"].secret_value() == "renamed"
    [row] = audit_rows(store)
    assert [c.name for c in row.changed_inputs] == ["username"]
    assert f"redeployed {result.redeployed}" in row.detail
    assert_no_secret_in_audit(store)


def test_saving_unchanged_values_sends_nothing_and_says_so_in_its_row(
        us: PrismaticClient, store: Store) -> None:
    connection, before = values_where(us, "acme-api-key", in_use=False, filled=("apiKey",))
    form = load_form(us, "us", connection, before.customer, KEY)
    result = save(us, form, prepare(form, typed_from(form.fields)), ctx(store))
    assert isinstance(result, Saved) and result.action == "unchanged"
    assert result.values.last_configured_at == before.last_configured_at
    [row] = audit_rows(store)
    assert row.outcome == "ok" and "nothing was sent" in row.detail


def test_a_change_made_after_loading_is_a_conflict_showing_both_sides_and_nothing_is_written(
        us: PrismaticClient, store: Store) -> None:
    connection, before = values_where(us, "acme-api-key", in_use=False, filled=("apiKey",))
    form = load_form(us, "us", connection, before.customer, KEY)
    us.update_customer_values(before, {"timeoutSeconds": "99",
                                       "apiKey": SecretStr("canary-theirs")},
                              connection=connection)
    mine = prepare(form, typed_from(form.fields, timeoutSeconds="45"))
    conflict = save(us, form, mine, ctx(store))
    assert isinstance(conflict, Conflict) and audit_rows(store) == []
    rows = {r.key: r for r in conflict.rows}
    assert (rows["timeoutSeconds"].mine, rows["timeoutSeconds"].theirs) == ("45", "99")
    assert rows["apiKey"].theirs == f"set · {fingerprint('canary-theirs', KEY)}"
    assert rows["apiKey"].mine.startswith("keep the current secret")
    assert "canary" not in repr(conflict.rows)
    theirs = conflict.theirs_form.input_field("timeoutSeconds")
    assert theirs is not None and theirs.initial == "99"  # take theirs: the form shows theirs
    current = load_form(us, "us", connection, before.customer, KEY).current
    assert current is not None and current.values["timeoutSeconds"].secret_value() == "99"


def test_keep_mine_saves_over_the_other_change_with_one_row_saying_so(
        us: PrismaticClient, store: Store) -> None:
    connection, before = values_where(us, "acme-api-key", in_use=False, filled=("apiKey",))
    form = load_form(us, "us", connection, before.customer, KEY)
    us.update_customer_values(before, {"timeoutSeconds": "99"}, connection=connection)
    mine = prepare(form, typed_from(form.fields, timeoutSeconds="45"))
    conflict = save(us, form, mine, ctx(store))
    assert isinstance(conflict, Conflict)
    result = keep_mine(us, conflict, mine, ctx(store))
    assert isinstance(result, Saved)
    assert result.values.values["timeoutSeconds"].secret_value() == "45"
    [row] = audit_rows(store)
    assert row.outcome == "ok" and "saved over another change" in row.detail


def test_values_created_by_someone_else_after_loading_are_a_conflict_too(
        us: PrismaticClient, store: Store) -> None:
    connection = find_connection(us, "acme-api-key")
    customer = find_customer(us, "my-external-id")
    form = load_form(us, "us", connection, customer, KEY)
    us.create_customer_values(connection, customer, {"apiKey": SecretStr("canary-first")})
    conflict = save(us, form, prepare(form, typed_from(form.fields, apiKey=TYPED_SECRET)),
                    ctx(store))
    assert isinstance(conflict, Conflict) and "created" in conflict.summary
    assert audit_rows(store) == []


def test_values_created_between_the_re_read_and_the_create_are_a_conflict_not_the_tenants_error(
        us: PrismaticClient, fresh_sandbox: RunningSandbox, store: Store,
        monkeypatch: pytest.MonkeyPatch) -> None:
    connection = find_connection(us, "acme-api-key")
    customer = find_customer(us, "my-external-id")
    form = load_form(us, "us", connection, customer, KEY)
    create = us.create_customer_values

    def someone_creates_first(*args: object, **kwargs: object) -> object:
        with sandbox_client(fresh_sandbox, "us") as other:  # outside orgconn's lock
            other.create_customer_values(connection, customer,
                                         {"apiKey": SecretStr("canary-first")})
        return create(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(us, "create_customer_values", someone_creates_first)
    conflict = save(us, form, prepare(form, typed_from(form.fields, apiKey=TYPED_SECRET)),
                    ctx(store))
    assert isinstance(conflict, Conflict) and "created" in conflict.summary
    assert not conflict.after_save and audit_rows(store) == []
    now = load_form(us, "us", connection, customer, KEY).current
    assert now is not None and now.values["apiKey"].secret_value() == "canary-first"


def test_a_change_read_back_right_after_the_write_is_recorded_and_reported_as_a_conflict(
        us: PrismaticClient, fresh_sandbox: RunningSandbox, store: Store,
        monkeypatch: pytest.MonkeyPatch) -> None:
    connection, before = values_where(us, "acme-api-key", in_use=False, filled=("apiKey",))
    form = load_form(us, "us", connection, before.customer, KEY)
    update = us.update_customer_values

    def someone_writes_right_after(*args: object, **kwargs: object) -> object:
        result = update(*args, **kwargs)  # type: ignore[arg-type]
        with sandbox_client(fresh_sandbox, "us") as other:  # outside orgconn's lock
            other.update_customer_values(result, {"timeoutSeconds": "77"},
                                         connection=connection)
        return result

    monkeypatch.setattr(us, "update_customer_values", someone_writes_right_after)
    result = save(us, form, prepare(form, typed_from(form.fields, timeoutSeconds="45")),
                  ctx(store))
    assert isinstance(result, Conflict) and result.after_save
    assert "reading them back" in result.summary
    rows = {r.key: r for r in result.rows}
    assert (rows["timeoutSeconds"].mine, rows["timeoutSeconds"].theirs) == ("45", "77")
    [row] = audit_rows(store)
    assert row.outcome == "ok" and "read back: changed by another writer" in row.detail


def test_save_holds_the_values_lock_so_another_orgconn_waits_for_it(
        us: PrismaticClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = find_connection(us, "acme-api-key")
    customer = find_customer(us, "my-external-id")
    form = load_form(us, "us", connection, customer, KEY)
    create = us.create_customer_values
    seen: list[bool] = []

    def create_while_checking_the_lock(*args: object, **kwargs: object) -> object:
        other = store.try_hold([values_key("us", "acme-api-key", "my-external-id")])
        seen.append(other is None)
        return create(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(us, "create_customer_values", create_while_checking_the_lock)
    assert isinstance(save(us, form, prepare(form, typed_from(
        form.fields, apiKey=TYPED_SECRET)), ctx(store)), Saved)
    assert seen == [True], "the lock is held during the write"
    free = store.try_hold([values_key("us", "acme-api-key", "my-external-id")])
    assert free is not None, "and released after it"
    free.release()


# ----------------------------------------------------------------------------- refusals


def test_a_viewer_is_refused_and_the_refusal_is_recorded(us: PrismaticClient,
                                                         store: Store) -> None:
    connection = find_connection(us, "acme-api-key")
    form = load_form(us, "us", connection, find_customer(us, "my-external-id"), KEY)
    viewer = Actor(name="viewer@acme.example", role=Role.VIEWER)
    with pytest.raises(AccessDenied, match="editor role"):
        save(us, form, prepare(form, typed_from(form.fields, apiKey=TYPED_SECRET)),
             ctx(store, actor=viewer))
    assert load_form(us, "us", connection, form.customer, KEY).current is None
    [row] = audit_rows(store)
    assert row.actor == viewer.name and row.outcome.startswith("failed: ")
    assert_no_secret_in_audit(store, [TYPED_SECRET])


def test_a_protected_tenant_needs_its_name_typed(us: PrismaticClient, store: Store) -> None:
    connection = find_connection(us, "acme-api-key")
    form = load_form(us, "us", connection, find_customer(us, "my-external-id"), KEY)
    submission = prepare(form, typed_from(form.fields, apiKey=TYPED_SECRET))
    with pytest.raises(AccessDenied, match="protected"):
        save(us, form, submission, ctx(store, protected=True, typed_confirmation="eu"))
    result = save(us, form, submission, ctx(store, protected=True, typed_confirmation="us"))
    assert isinstance(result, Saved)
    assert [r.outcome.split(":")[0] for r in audit_rows(store)] == ["failed", "ok"]


# ----------------------------------------------------------------------------- deleting


def test_deleting_unused_values_removes_them_with_one_row(us: PrismaticClient,
                                                          store: Store) -> None:
    connection, values = values_where(us, "billing-api", in_use=False, filled=("password",))
    form = load_form(us, "us", connection, values.customer, KEY)
    assert form.dependents.total == 0
    delete(us, form, ctx(store))
    assert load_form(us, "us", connection, values.customer, KEY).current is None
    [row] = audit_rows(store)
    assert (row.action, row.outcome) == ("delete_customer_values", "ok")
    assert ("password", None) in [(c.name, c.fingerprint) for c in row.changed_inputs]
    assert_no_secret_in_audit(store)


def test_deleting_values_in_use_is_refused_naming_the_instances_and_recorded(
        us: PrismaticClient, store: Store) -> None:
    connection, values = values_where(us, "acme-api-key", in_use=True)
    form = load_form(us, "us", connection, values.customer, KEY)
    with pytest.raises(ValuesInUseError) as refused:
        delete(us, form, ctx(store))
    assert form.dependents.instances[0].name in str(refused.value)
    assert "Not deleted" in str(refused.value)
    assert load_form(us, "us", connection, values.customer, KEY).current is not None
    [row] = audit_rows(store)
    assert row.outcome.startswith("failed: Not deleted")


# ----------------------------------------------------------------------------- test credentials


def test_test_credentials_are_created_then_edited_with_the_same_form(
        us: PrismaticClient, store: Store) -> None:
    connection = find_connection(us, "webhook-signing")
    form = load_form(us, "us", connection, None, KEY)
    assert form.is_test and form.current is None
    created = save(us, form, prepare(form, typed_from(form.fields, signingSecret=TYPED_SECRET)),
                   ctx(store))
    assert isinstance(created, Saved) and created.action == "created"
    assert created.values.is_test and created.values.customer is None
    again = load_form(us, "us", connection, None, KEY)
    edited = save(us, again, prepare(again, typed_from(again.fields, algorithm="sha512")),
                  ctx(store))
    assert isinstance(edited, Saved) and edited.action == "updated"
    assert edited.values.values["signingSecret"].secret_value() == TYPED_SECRET
    assert [(r.action, r.customer_external_id) for r in audit_rows(store)] == [
        ("set_test_credentials", None), ("set_test_credentials", None)]
    assert_no_secret_in_audit(store, [TYPED_SECRET])


# ----------------------------------------------------------------------------- hidden secrets


def test_a_secret_the_tenant_hides_must_be_typed_again_before_other_inputs_change(
        make_sandbox: Callable[..., RunningSandbox], store: Store) -> None:
    with sandbox_client(make_sandbox(write_only_secrets=True), "us") as client:
        connection, values = values_where(client, "sftp-drop", in_use=False,
                                          filled=("password",))
        form = load_form(client, "us", connection, values.customer, KEY)
        password = form.input_field("password")
        assert password is not None and password.hidden
        assert password.state == "set (the tenant does not return it)"
        with pytest.raises(FormInvalid) as refused:
            prepare(form, typed_from(form.fields, username="renamed"))
        assert [i.input_key for i in refused.value.issues] == ["password"]
        untouched = save(client, form, prepare(form, typed_from(form.fields)), ctx(store))
        assert isinstance(untouched, Saved) and untouched.action == "unchanged"
        retyped = prepare(form, typed_from(form.fields, username="renamed",
                                           password=TYPED_SECRET))
        result = save(client, form, retyped, ctx(store))
        assert isinstance(result, Saved) and result.action == "updated"
    assert_no_secret_in_audit(store, [TYPED_SECRET])

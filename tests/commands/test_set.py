"""``orgconn set`` against a sandbox: secrets from stdin or the environment, validation, exit
codes, protected tenants, and one audit row per write (source "cli", the OS user)."""

from __future__ import annotations

import getpass
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgconn.cli import build_parser, main
from orgconn.client import PrismaticClient
from orgconn.commands import set as set_command
from orgconn.commands.exits import Exit
from orgconn.sandbox import RunningSandbox
from orgconn.store import Store, open_store
from tests.edit_support import assert_no_secret_in_audit, audit_rows, sandbox_client, values_where

TYPED = "typed-cli-secret-0815"


@pytest.fixture
def config(fresh_sandbox: RunningSandbox, tmp_path: Path) -> Path:
    """A config with tenants us and eu (eu protected) of this test's sandbox."""
    database = f"sqlite:///{tmp_path / 'orgconn.db'}"
    lines = [f"database_url = {json.dumps(database)}",
             'fingerprint_key = "cli-test-key"']
    for name, protected in (("us", False), ("eu", True)):
        lines += [f"[tenants.{name}]", f"url = {json.dumps(fresh_sandbox.stack_url(name))}",
                  f"token = {json.dumps(fresh_sandbox.token(name))}",
                  f"protected = {'true' if protected else 'false'}"]
    path = tmp_path / "orgconn.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(config: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{config.parent / 'orgconn.db'}") as opened:
        yield opened


@pytest.fixture
def us(fresh_sandbox: RunningSandbox) -> Iterator[PrismaticClient]:
    with sandbox_client(fresh_sandbox, "us") as client:
        yield client


def orgconn_set(config: Path, monkeypatch: pytest.MonkeyPatch, *values: str, stdin: str = "",
                tenant: str = "us", connection: str = "acme-api-key",
                customer: str = "my-external-id", extra: tuple[str, ...] = ()) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["set", "--config", str(config), "--tenant", tenant, "--connection", connection,
                 "--customer", customer, *extra, *values])


def current(client: PrismaticClient, stable_key: str, external_id: str) -> dict[str, str]:
    connection = client.connection(stable_key)
    customer = client.customer(external_id)
    assert connection is not None and customer is not None
    found = client.customer_values(connection_id=connection.id, customer_id=customer.id)
    return {k: v.secret_value() for k, v in found[0].values.items()} if found else {}


def test_a_secret_read_from_stdin_creates_the_values_with_one_cli_audit_row(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        us: PrismaticClient, store: Store) -> None:
    status = orgconn_set(config, monkeypatch, "apiKey=-", "timeoutSeconds=45",
                         stdin=TYPED + "\n")
    out, err = capsys.readouterr()
    assert status == 0, err
    assert current(us, "acme-api-key", "my-external-id") == {"apiKey": TYPED,
                                                             "timeoutSeconds": "45"}
    assert "Created" in out and TYPED not in out + err
    [row] = audit_rows(store)
    assert (row.source, row.actor, row.action, row.outcome) == (
        "cli", getpass.getuser(), "create_customer_values", "ok")
    assert f"#{row.id}" in out
    assert_no_secret_in_audit(store, [TYPED])


def test_a_secret_from_the_environment_updates_and_inputs_not_named_keep_their_values(
        config: Path, monkeypatch: pytest.MonkeyPatch, us: PrismaticClient,
        store: Store) -> None:
    _, values = values_where(us, "sftp-drop", in_use=False, filled=("password", "directory"))
    external_id = values.customer.external_id  # type: ignore[union-attr]
    assert external_id is not None
    before = current(us, "sftp-drop", external_id)
    monkeypatch.setenv("SFTP_PASSWORD", TYPED)
    status = orgconn_set(config, monkeypatch, "password=env:SFTP_PASSWORD",
                         connection="sftp-drop", customer=external_id)
    assert status == 0
    after = current(us, "sftp-drop", external_id)
    assert after == before | {"password": TYPED}
    [row] = audit_rows(store)
    assert [c.name for c in row.changed_inputs] == ["password"]
    assert_no_secret_in_audit(store, [TYPED])


def test_a_secret_given_literally_works_but_warns_without_echoing_it(
        config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert orgconn_set(config, monkeypatch, f"apiKey={TYPED}") == 0
    out, err = capsys.readouterr()
    assert "apiKey is a secret given on the command line" in err
    assert TYPED not in out + err


def test_an_account_number_that_is_not_a_number_is_saved_with_a_warning(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        us: PrismaticClient, store: Store) -> None:
    _, values = values_where(us, "billing-api", in_use=False, filled=("password",))
    external_id = values.customer.external_id  # type: ignore[union-attr]
    assert external_id is not None

    status = orgconn_set(config, monkeypatch, "accountNumber=AC-004211",
                         connection="billing-api", customer=external_id)

    out, err = capsys.readouterr()
    assert status == 0, err
    assert current(us, "billing-api", external_id)["accountNumber"] == "AC-004211"
    assert ("warning: accountNumber: Account number does not look like a number, such as 30 "
            "(from its name); it is saved as typed") in err
    assert "Updated" in out or "Created" in out
    assert len(audit_rows(store)) == 1


def test_a_customer_without_an_external_id_is_reached_by_name_or_prismatic_id(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        us: PrismaticClient, store: Store) -> None:
    [bakery] = [c for c in us.customers(name_contains="Old Mill Bakery")]
    assert bakery.external_id is None

    assert orgconn_set(config, monkeypatch, "apiKey=-", stdin=TYPED + "\n",
                       customer="Old Mill Bakery") == 0
    assert orgconn_set(config, monkeypatch, "timeoutSeconds=50", customer=bakery.id) == 0

    out = capsys.readouterr().out
    assert "Created Old Mill Bakery's values" in out and "Updated Old Mill Bakery's values" in out
    [held] = us.customer_values(stable_key="acme-api-key", customer_id=bakery.id)
    assert {k: v.secret_value() for k, v in held.values.items()} == {
        "apiKey": TYPED, "timeoutSeconds": "50"}
    assert len(audit_rows(store)) == 2


@pytest.mark.parametrize(("values", "words"), [
    (("apiKey=-", "timeoutSeconds=30", "colour=red"), "colour: colour is not a per-customer"),
    (("timeoutSeconds=30",), "apiKey: API key is required"),
    (("apiKey=-", "baseUrl=https://x.example"), "baseUrl: baseUrl is a global input"),
    (("apiKey=-", "colour=red"), "colour: colour is not a per-customer input"),
])
def test_invalid_values_exit_2_naming_the_input_and_send_nothing(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        us: PrismaticClient, store: Store, values: tuple[str, ...], words: str) -> None:
    assert orgconn_set(config, monkeypatch, *values, stdin=TYPED + "\n") == 2
    err = capsys.readouterr().err
    assert words in err and "nothing was sent" in err and TYPED not in err
    assert current(us, "acme-api-key", "my-external-id") == {}
    assert audit_rows(store) == []


@pytest.mark.parametrize(("values", "stdin", "options", "words"), [
    (("apiKey",), "", {}, "value #1 is not KEY=VALUE"),
    (("apiKey=-",), "", {}, "stdin has no more lines"),
    (("apiKey=env:ORGCONN_TEST_UNSET",), "", {}, "ORGCONN_TEST_UNSET is not set"),
    (("apiKey=-", "apiKey=-"), "a\nb\n", {}, "apiKey is given twice"),
    (("apiKey=-",), "x\n", {"customer": "nobody-here"}, "no customer of tenant us has the"),
    (("apiKey=-",), "x\n", {"connection": "nope"}, "acme-api-key, sftp-drop"),
    (("apiKey=-",), "x\n", {"connection": "ops-alerts"}, "not an org-activated customer"),
    (("apiKey=-",), "x\n", {"tenant": "mars"}, "no such tenant"),
])
def test_bad_arguments_exit_2_with_a_sentence_saying_what_to_fix(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        values: tuple[str, ...], stdin: str, options: dict[str, str], words: str) -> None:
    assert orgconn_set(config, monkeypatch, *values, stdin=stdin, **options) == 2
    assert words in capsys.readouterr().err


def test_a_protected_tenant_refuses_without_its_name_and_records_the_refusal(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        store: Store) -> None:
    assert orgconn_set(config, monkeypatch, "apiKey=-", stdin=TYPED + "\n", tenant="eu",
                       customer="cust-00002", extra=("--yes",)) == Exit.REFUSED
    assert "--confirm-tenant" in capsys.readouterr().err
    assert orgconn_set(config, monkeypatch, "apiKey=-", stdin=TYPED + "\n", tenant="eu",
                       customer="cust-00002", extra=("--confirm-tenant", "eu")) == 0
    assert [(r.tenant, r.outcome.split(":")[0]) for r in audit_rows(store)] == [
        ("eu", "failed"), ("eu", "ok")]
    assert_no_secret_in_audit(store, [TYPED])


def test_redeploy_says_how_many_instances_are_redeployed(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        us: PrismaticClient, store: Store) -> None:
    _, values = values_where(us, "acme-api-key", in_use=True)
    external_id = values.customer.external_id  # type: ignore[union-attr]
    assert external_id is not None
    expected = us.instances_using(values).total
    assert orgconn_set(config, monkeypatch, "timeoutSeconds=61", customer=external_id,
                       extra=("--redeploy",)) == 0
    assert f"Redeploying {expected} instance(s)" in capsys.readouterr().out
    assert f"redeployed {expected}" in audit_rows(store)[0].detail


def test_a_tenant_refusing_the_token_exits_3_saying_what_to_do(
        config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ORGCONN_TENANTS__US__TOKEN", "not-the-sandbox-token")
    assert orgconn_set(config, monkeypatch, "apiKey=-", stdin="x\n") == Exit.UNREADABLE
    err = capsys.readouterr().err
    assert "orgconn set:" in err and "us" in err and "not-the-sandbox-token" not in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_interactive_run_asks_before_saving_and_no_saves_nothing(
        config: Path, monkeypatch: pytest.MonkeyPatch, us: PrismaticClient,
        store: Store) -> None:
    monkeypatch.setattr("sys.stdin", Terminal())
    args = build_parser().parse_args(["set", "--config", str(config), "--tenant", "us",
                                      "--connection", "acme-api-key", "--customer",
                                      "my-external-id", f"apiKey={TYPED}"])
    questions: list[str] = []
    assert set_command.run(args, ask=lambda q: questions.append(q) or "n") == Exit.REFUSED
    assert current(us, "acme-api-key", "my-external-id") == {} and audit_rows(store) == []
    assert set_command.run(args, ask=lambda q: "y") == 0
    assert "Save my-external-id's values for acme-api-key in us? [y/N] " in questions

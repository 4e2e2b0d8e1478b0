"""``orgconn set``: set one customer's values for one org-activated connection.

    orgconn set --tenant us --connection acme-api-key --customer my-external-id \\
        apiKey=- timeoutSeconds=45 < api-key.txt
    orgconn set --tenant eu --connection acme-api-key --customer c-1 apiKey=env:ACME_KEY
    orgconn set --tenant us --connection acme-api-key --customer "Old Mill Bakery" apiKey=-

``--customer`` is the customer's external ID, else its Prismatic customer ID, else its exact name
(customers created in Prismatic may have no external ID); a name shared by several customers is
refused with each one's Prismatic ID.

Each ``KEY=VALUE`` sets one per-customer input. ``KEY=-`` reads the value from one line of
standard input (several ``-`` read one line each, in order) and ``KEY=env:VAR`` from the
environment variable ``VAR``, so that secrets stay out of argv and shell history (a secret given
literally works, with a warning). Inputs not named keep their current value (on a first write:
their default); a secret not named is kept. Every per-customer input is sent. Values are checked
by the same validators as the dashboard's form (a value that only does not look like its input's
name suggests, e.g. a non-numeric account number, is saved with a ``warning:`` line on stderr),
and the write leaves the same single audit row
(source ``cli``, actor the OS user with the configuration's ``[access] local_role``, admin
unless set — also when sign-in is configured for the dashboard; see `orgconn.runtime`).

A protected tenant needs its name: ``--confirm-tenant NAME``, or typed at the prompt when run
interactively. Interactive runs also ask before saving, unless ``--yes``.

The write holds the store's lock of these values (every orgconn sharing the store waits its
turn), re-reads them, writes, and reads them back (`orgconn.services.values.save`).

Exit status (`orgconn.commands.exits`, the same table for every command):
  0  saved, or nothing to change
  1  the tenant refused the write; nothing changed
  2  bad arguments, configuration, tenant, connection or customer, or invalid values;
     nothing was sent
  3  the tenant could not be read or reached; nothing was sent
  4  the answer was lost and orgconn could not tell whether the write happened: check the
     values (the audit row says "unknown")
  5  someone else changed (or created) the values after they were read: nothing was sent,
     run it again to save over them; or reading back after the write shows a change from
     outside orgconn: check which values should stay
  6  refused by orgconn: protected tenant not confirmed, role too low, or not confirmed at
     the prompt
  7  another orgconn sharing the store held these values over 30 s; nothing was sent
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from orgconn.commands.exits import Exit, epilog

EXITS = (Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE, Exit.UNKNOWN, Exit.CONFLICT,
         Exit.REFUSED, Exit.BUSY)
STDIN, ENV = "-", "env:"


class UsageError(Exception):
    """A bad ``KEY=VALUE`` argument; the message says how to write it (never quotes a value)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``orgconn set``."""
    parser = subparsers.add_parser(
        "set", help="set one customer's values for one connection",
        description="Set one customer's values for one org-activated connection. KEY=- reads "
                    "the value from a line of stdin, KEY=env:VAR from the environment.",
        epilog=epilog(*EXITS),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--tenant", required=True, help="the configured tenant's name, e.g. us")
    add("--connection", required=True, metavar="STABLE_KEY", help="the connection's stable key")
    add("--customer", required=True, metavar="CUSTOMER",
        help="the customer's external ID, else its Prismatic customer ID, else its exact name "
             "(for customers without an external ID)")
    add("values", nargs="+", metavar="KEY=VALUE",
        help="an input's value; KEY=- reads it from stdin, KEY=env:VAR from the environment")
    add("--redeploy", action="store_true",
        help="redeploy the customer's instances that use these values")
    add("--confirm-tenant", metavar="NAME", default=None,
        help="confirm a write to a protected tenant by naming it")
    add("--yes", action="store_true", help="do not ask before saving (interactive runs ask)")
    add("--config", type=Path, default=None,
        help="orgconn's TOML configuration (default: ORGCONN_CONFIG, else "
             ".streamlit/secrets.toml)")
    parser.set_defaults(func=run)


def parse_values(items: list[str], stdin: TextIO, env: Mapping[str, str]
                 ) -> tuple[dict[str, str], set[str]]:
    """The values named by ``KEY=VALUE`` items, and the keys given literally (not - or env:).

    Raises `UsageError` for a malformed item, a key given twice, a missing line on stdin or
    an unset variable.
    """
    values: dict[str, str] = {}
    literal: set[str] = set()
    for number, item in enumerate(items, start=1):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"value #{number} is not KEY=VALUE: write e.g. apiKey=- (read "
                             "from stdin), apiKey=env:VAR or timeoutSeconds=30")
        if key in values:
            raise UsageError(f"{key} is given twice: give each input once")
        if value == STDIN:
            line = stdin.readline()
            if not line:
                raise UsageError(f"{key}=- reads one line from stdin, but stdin has no more "
                                 "lines: pipe the value in, e.g. < secret.txt")
            value = line.rstrip("\r\n")
        elif value.startswith(ENV):
            name = value[len(ENV):]
            if name not in env:
                raise UsageError(f"{key}=env:{name}: the environment variable {name} is not "
                                 "set")
            value = env[name]
        else:
            literal.add(key)
        values[key] = value
    return values, literal


def _interactive(args: argparse.Namespace) -> bool:
    return sys.stdin.isatty() and STDIN not in (v.partition("=")[2] for v in args.values)


def run(args: argparse.Namespace, *, ask: Callable[[str], str] = input) -> int:
    """Set the values; the exit status of the module docstring."""
    from orgconn.errors import InvalidValuesError, OrgconnError, OutcomeUnknownError
    from orgconn.runtime import Runtime
    from orgconn.services.access import AccessDenied
    from orgconn.services.values.form import FormInvalid, find_connection, find_customer, load_form
    from orgconn.services.values.form import prepare as prepare_values
    from orgconn.services.values.save import Saved, WriteContext, save
    from orgconn.store import LockTimeoutError

    def fail(message: str, status: int) -> int:
        print(f"orgconn set: {message}", file=sys.stderr)
        return status

    try:
        # env:VAR names a value the user chose to pass through the environment, not a setting
        given, literal = parse_values(args.values, sys.stdin, os.environ)
        runtime = Runtime.load(args.config)
        tenant = runtime.config.tenant(args.tenant)
        key = runtime.fingerprint_key()
    except (UsageError, OrgconnError, ValueError) as error:
        return fail(str(error), Exit.INVALID)
    interactive = _interactive(args)
    confirmation = args.confirm_tenant
    with runtime:
        client = runtime.client(tenant.name)
        try:
            form = load_form(client, tenant.name, find_connection(client, args.connection),
                             find_customer(client, args.customer), key)
            for item in form.fields:
                if item.is_secret and item.key in literal:
                    print(f"warning: {item.key} is a secret given on the command line, where "
                          f"shell history and process lists keep it: prefer {item.key}=- or "
                          f"{item.key}=env:VAR", file=sys.stderr)
            submission = prepare_values(form, {f.key: f.initial for f in form.fields} | given)
            for warning in submission.warnings:
                print(f"warning: {warning.input_key}: {warning.message}", file=sys.stderr)
        except FormInvalid as invalid:
            return fail("nothing was sent:\n" + "\n".join(f"  {i.input_key}: {i.message}"
                                                           for i in invalid.issues),
                        Exit.INVALID)
        except InvalidValuesError as error:  # unknown connection or customer
            return fail(str(error), Exit.INVALID)
        except OrgconnError as error:
            return fail(str(error), Exit.UNREADABLE)
        if interactive and tenant.protected and confirmation is None and not args.yes:
            confirmation = ask(f"Tenant {tenant.name} is protected: type its name to "
                               "confirm: ").strip()
        elif interactive and not args.yes and not tenant.protected and ask(
                f"Save {form.what}? [y/N] ").strip().lower() not in ("y", "yes"):
            return fail("not saved (answer y to save, or pass --yes)", Exit.REFUSED)
        ctx = WriteContext(actor=runtime.local_actor(), tenant=tenant, store=runtime.store(),
                           fingerprint_key=key, typed_confirmation=confirmation, source="cli")
        try:
            result = save(client, form, submission, ctx, redeploy=args.redeploy)
        except AccessDenied as denied:
            hint = " (or pass --confirm-tenant NAME)" if tenant.protected else ""
            return fail(f"{denied}{hint}", Exit.REFUSED)
        except OutcomeUnknownError as lost:
            return fail(f"{lost} Check {form.what} before trying again.", Exit.UNKNOWN)
        except LockTimeoutError as busy:
            return fail(str(busy), Exit.BUSY)
        except OrgconnError as error:
            return fail(str(error), Exit.FOUND)
    if not isinstance(result, Saved):
        if result.after_save:
            return fail(result.summary, Exit.CONFLICT)
        return fail(f"{result.summary} Nothing was sent: run the command again to save over "
                    "it.", Exit.CONFLICT)
    print(f"{result.message(form)} Audit row #{result.audit_id}.")
    return Exit.OK


"""``orgconn bulk template|check|apply FILE --tenant T``: bulk upload from the command line.

- ``template FILE --connection KEY [--all]`` writes a template (.csv or .xlsx, by FILE's suffix)
  of the customers lacking values of that connection (``--all``: every customer).
- ``check FILE`` is the dry run: what each row would do, and every problem, grouped by kind.
- ``apply FILE`` checks, asks for confirmation (``--yes`` skips it; a protected tenant also
  needs its name, typed or given with ``--confirm-tenant``), applies with live progress, and
  writes the report (``--report``, default ``FILE-report.csv``). Running it again with the
  same file and options continues an interrupted job.

``apply`` acts as the OS user with the configuration's ``[access] local_role`` (also when
sign-in is configured for the dashboard): bulk apply needs the operator role.

Only one apply of a job (same tenant, file content and options) runs at a time, across every
orgconn sharing the store: a second one sends nothing and exits 7. Each batch of rows holds
the write locks of its customers' values, so a concurrent ``orgconn set`` waits its turn.

Exit status (`orgconn.commands.exits`, the same table for every command): 0 every row done
(or, for ``check``, the file is valid); 1 some rows failed or were left out as invalid (the
report says which and why); 2 the file is invalid — nothing was sent; 3 the tenant could not
be read (an apply cut short keeps its job: run it again to continue); 6 refused by orgconn
(role, protected tenant not confirmed, not confirmed at the prompt) — nothing was sent; 7
another apply of this job is running — nothing was sent.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from orgconn.commands.exits import Exit, epilog
from orgconn.wording import plural

if TYPE_CHECKING:  # imported where used: `orgconn --help` stays fast
    from orgconn.client import PrismaticClient
    from orgconn.config import OrgconnConfig, TenantConfig
    from orgconn.runtime import Runtime
    from orgconn.services.bulk import BulkPlan, FileIssue, Progress
    from orgconn.store import BulkOptions

SHOWN_PER_KIND = 20
YOUNG_COLLECTION_THRESHOLD = 50_000  # allocations between young collections (Python's: 700)


@contextmanager
def bulk_apply_gc() -> Iterator[None]:
    """The cyclic GC tuned for one bulk apply in this process (the CLI's, not a server's).

    An apply allocates ~100 objects per row, so with Python's defaults the GC runs full
    collections during it, each walking the whole heap (~30% of the client's time in
    benchmarks/bulk.py). Here the objects that exist before the apply are frozen (skipped by
    collections, never freed meanwhile: ``gc.freeze``) and young collections run 70x less
    often; both are undone at the end. Process-wide, so only a process doing one thing at a
    time (the CLI, a benchmark) should use it.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``orgconn bulk``."""
    parser = subparsers.add_parser(
        "bulk", help="bulk upload customers' values from a CSV/XLSX file",
        description=__doc__.split("\n\n", 1)[1].split("\n\nExit status")[0] if __doc__
        else None,
        epilog=epilog(Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE, Exit.REFUSED,
                      Exit.BUSY),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("step", choices=["template", "check", "apply"], help="what to do with FILE")
    add("file", type=Path, metavar="FILE", help="the .csv or .xlsx file")
    add("--tenant", required=True, help="the configured tenant, e.g. us")
    add("--connection", metavar="STABLE_KEY",
        help="the connection (needed unless the file has a stable_key column)")
    add("--all", action="store_true", help="template: every customer, not only those lacking "
        "values")
    add("--overwrite", action="store_true",
        help="replace values already set (default: only fill inputs that have no value)")
    add("--valid-only", action="store_true",
        help="apply the valid rows even if other rows have problems")
    add("--yes", action="store_true", help="apply without asking")
    add("--confirm-tenant", metavar="NAME", help="for a protected tenant: its name, to confirm")
    add("--report", type=Path, help="where apply writes its report (default FILE-report.csv)")
    add("--concurrency", type=int, default=8, help="writes in flight at once (default 8)")
    add("--config", type=Path, help="orgconn configuration file (TOML)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``orgconn bulk``; returns the exit status described in the module."""
    from orgconn.client import GraphQLError, HTTPStatusError, TransportError
    from orgconn.errors import OrgconnError
    from orgconn.runtime import Runtime
    from orgconn.services.access import AccessDenied

    try:
        with Runtime.load(args.config) as runtime:
            tenant = runtime.config.tenant(args.tenant)
            client = runtime.client(tenant.name)
            if args.step == "template":
                return _template(args, tenant, client)
            if args.step == "check":
                return _check(args, runtime.config, tenant, client)
            return _apply(args, runtime, tenant)
    except AccessDenied as error:
        print(f"Refused: {error}", file=sys.stderr)
        return Exit.REFUSED
    except (TransportError, HTTPStatusError, GraphQLError) as error:
        print(f"orgconn bulk {args.step}: reading {args.tenant}: {error}", file=sys.stderr)
        return Exit.UNREADABLE
    except (OrgconnError, OSError, ValueError) as error:
        print(f"orgconn bulk {args.step}: {error}", file=sys.stderr)
        return Exit.INVALID


def _options(args: argparse.Namespace) -> BulkOptions:
    from orgconn.store import BulkOptions

    return BulkOptions(overwrite=args.overwrite, valid_only=args.valid_only,
                       connection=args.connection or None)


def _template(args: argparse.Namespace, tenant: TenantConfig, client: PrismaticClient) -> int:
    from orgconn.services import bulk

    fmt = args.file.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        print(f"FILE must end in .csv or .xlsx (got {args.file.name})", file=sys.stderr)
        return Exit.INVALID
    if not args.connection:
        print("template needs --connection STABLE_KEY", file=sys.stderr)
        return Exit.INVALID
    state = client.run(bulk.tenant_state(client.methods, [args.connection]))
    connection = next((c for c in state.connections if c.stable_key == args.connection), None)
    if connection is None:
        known = ", ".join(c.stable_key for c in state.connections) or "none"
        print(f"{args.connection} is not an org-activated connection of {tenant.name} "
              f"(its connections: {known})", file=sys.stderr)
        return Exit.INVALID
    frame = bulk.template_frame(connection, state, missing_only=not args.all)
    guide = bulk.column_guide(connection)
    args.file.write_bytes(bulk.template_bytes(frame, "xlsx" if fmt == "xlsx" else "csv", guide))
    which = "" if args.all else " lacking values"
    print(f"wrote {plural(len(frame), 'customer')}{which} of {connection.name} to {args.file}")
    print("columns:")
    for line in bulk.describe_columns(guide):
        print(f"  {line}")
    _, note = bulk.left_out(connection, state, missing_only=not args.all)
    if note:
        print(note)
    return Exit.OK


def _check(args: argparse.Namespace, config: OrgconnConfig, tenant: TenantConfig,
           client: PrismaticClient) -> int:
    plan = _plan(args, config, tenant, client)
    return Exit.INVALID if plan.issues else Exit.OK


def _plan(args: argparse.Namespace, config: OrgconnConfig, tenant: TenantConfig,
          client: PrismaticClient) -> BulkPlan:
    from orgconn.services import bulk

    plan = bulk.check_upload(client, args.file.name, _content(args.file, config),
                             _options(args), limits=config.bulk)
    _print_issues(plan.issues)
    _print_warnings(plan.warnings)
    totals = " · ".join(f"{count:,} {action}" for action, count in plan.totals().items())
    print(f"{args.file.name} on {tenant.name}: {totals}")
    return plan


def _print_warnings(warnings: list[tuple[int, str]]) -> None:
    if not warnings:
        return
    print(f"{len(warnings):,} value(s) do not look like their inputs' names suggest; they are "
          "sent as written (warnings never block a row):")
    for number, warning in warnings[:SHOWN_PER_KIND]:
        print(f"  warning: row {number}: {warning}")
    if len(warnings) > SHOWN_PER_KIND:
        print(f"  … and {len(warnings) - SHOWN_PER_KIND:,} more")
    print()


def _content(path: Path, config: OrgconnConfig) -> bytes:
    """The file's bytes, read no further than one past the limit (a larger file is refused
    without being read into memory)."""
    with path.open("rb") as file:
        return file.read(config.bulk.max_bytes + 1)


def _print_issues(issues: tuple[FileIssue, ...]) -> None:
    from orgconn.services import bulk

    if not issues:
        return
    print(f"The file has {bulk.summary(issues)}:")
    for kind, found in bulk.grouped(issues).items():
        print(f"\n{kind.value} ({len(found)}):")
        for issue in found[:SHOWN_PER_KIND]:
            print(f"  {issue.message}")
        if len(found) > SHOWN_PER_KIND:
            print(f"  … and {len(found) - SHOWN_PER_KIND:,} more")
    print()


def _apply(args: argparse.Namespace, runtime: Runtime, tenant: TenantConfig) -> int:
    from orgconn.services import bulk
    from orgconn.services.access import Action, require
    from orgconn.store import StoreError

    actor = runtime.local_actor()
    require(actor, Action.BULK_APPLY)  # before reading the file: refused, nothing is sent
    plan = _plan(args, runtime.config, tenant, runtime.client(tenant.name))
    if plan.issues and (not args.valid_only or not plan.rows):
        print("Nothing was sent.", file=sys.stderr)
        return Exit.INVALID
    typed = args.confirm_tenant
    if not args.yes or (tenant.protected and typed is None):
        typed = _confirm(tenant, plan)
        if typed is None:
            print("Nothing was sent.")
            return Exit.REFUSED
    progress = _Printer()
    store = runtime.store()
    with bulk_apply_gc():
        try:
            result = bulk.apply_upload(
                tenant, args.file.name, _content(args.file, runtime.config), plan.options,
                open_client=runtime.async_client, actor=actor, store=store,
                key=runtime.fingerprint_key(), confirmation=typed,
                on_progress=progress, concurrency=args.concurrency, limits=runtime.config.bulk)
        except bulk.JobRunningError as busy:
            print(str(busy), file=sys.stderr)
            return Exit.BUSY
        except bulk.BulkFileError as invalid:  # the tenant changed since the check above
            _print_issues(invalid.issues)
            print("Nothing was sent.", file=sys.stderr)
            return Exit.INVALID
        except StoreError as error:  # rows may have been sent: never "nothing was sent"
            print(f"orgconn bulk apply stopped: {error}. The rows sent are recorded in the "
                  "job: run the same command again to continue it.", file=sys.stderr)
            return Exit.FOUND
    frame = bulk.report_frame(store, result.job.id)
    progress.done(result.progress)
    if result.resumed:
        done = result.progress.earlier
        print(f"continued job {result.job.id}: {plural(done, 'row')} "
              f"{'was' if done == 1 else 'were'} finished by an earlier run")
    report = args.report or args.file.with_name(f"{args.file.stem}-report.csv")
    report.write_bytes(bulk.report_csv(frame))
    print(f"{bulk.describe_summary(result.summary)}; report: {report}")
    failed = frame[frame["outcome"].isin(["failed", "pending"])]
    for row in failed.head(SHOWN_PER_KIND).itertuples():
        print(f"  row {row.row} ({row.external_id}): {row.message}")
    left_out = result.summary.planned.get("invalid", 0)
    return Exit.FOUND if len(failed) or left_out else Exit.OK


def _confirm(tenant: TenantConfig, plan: BulkPlan) -> str | None:
    """Ask before writing; returns the typed confirmation ("" if none needed), None for no."""
    if not sys.stdin.isatty():
        print("Not a terminal: pass --yes (and --confirm-tenant NAME for a protected tenant) "
              "to apply.", file=sys.stderr)
        return None
    totals = plan.totals()
    writes = totals["create"] + totals["update"]
    if tenant.protected:
        return input(f"Tenant {tenant.name} is protected. Type its name to write {writes:,} "
                     "rows: ").strip() or None
    answer = input(f"Write {writes:,} rows to tenant {tenant.name}? [y/N] ").strip().lower()
    return "" if answer in ("y", "yes") else None


class _Printer:
    """Prints progress at most every two seconds (one line each, for logs and terminals)."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last >= 2.0:
            self.last = now
            print(f"  {progress.describe()}", flush=True)

    def done(self, progress: Progress) -> None:
        print(f"  {progress.describe()}")

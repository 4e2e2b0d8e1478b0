"""``orgconn compare``: the differences between two or more tenants, one per row.

    orgconn compare --tenant us --tenant eu
    orgconn compare --tenant us --tenant eu --format csv > drift.csv
    orgconn compare --tenant dev,prod --kind name --kind connection_missing --format json

Each row is one difference: ``kind, stable_key, customer_external_id, input``, the detail for
each tenant (a column named after it), ``customer_name`` and ``drift_in`` (the tenants that
differ). Kinds: connection_missing, name, description, component, default_for_component,
input_missing, input_scope, global_value (per stable key); customer_missing,
customer_configured, customer_value (per customer, by external ID); cant_compare (a tenant
does not return secret values). Customers' values — plain ones too — are shown only as
fingerprints; plain global values are shown.
Customers without an external ID cannot be matched across tenants: a ``note:`` line on stderr
names those left out. ``table`` (default) ends with the counts per kind; ``csv`` and ``json``
print only the rows (the counts go to stderr), CSV cells neutralised against spreadsheet
formulas.

Exit status (`orgconn.commands.exits`; drift counted among the rows shown, after
``--kind`` / ``--connection``):
  0  no drift (rows of kind cant_compare alone are not drift)
  1  drift found
  2  bad arguments or configuration: fewer than two tenants, an unknown tenant or kind
  3  a tenant could not be read (unreachable, refused the token, API error); nothing compared
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from orgconn.wording import plural

if TYPE_CHECKING:
    import pandas as pd

from orgconn.commands.exits import Exit, epilog

EXIT_SAME, EXIT_DRIFT, EXIT_USAGE, EXIT_UNREADABLE = (Exit.OK, Exit.FOUND, Exit.INVALID,
                                                      Exit.UNREADABLE)
FORMATS = ("table", "csv", "json")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``orgconn compare``."""
    parser = subparsers.add_parser(
        "compare", help="list the differences between tenants, one per row",
        description="Compare the org-activated connections (by stable key) and customers (by "
                    "external ID) of two or more tenants.",
        epilog=epilog(EXIT_SAME, EXIT_DRIFT, EXIT_USAGE, EXIT_UNREADABLE),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--tenant", action="append", required=True, metavar="NAME",
        help="a configured tenant (repeat it, or comma-separate: at least two)")
    add("--format", choices=FORMATS, default="table", help="output format (default table)")
    add("--kind", action="append", metavar="KIND", help="only differences of this kind "
        "(repeatable)")
    add("--connection", action="append", metavar="STABLE_KEY",
        help="only differences of this connection (repeatable)")
    add("--config", type=Path, default=None,
        help="orgconn's TOML configuration (default: ORGCONN_CONFIG, else "
             ".streamlit/secrets.toml)")
    parser.set_defaults(func=run)


def _names(items: list[str]) -> list[str]:
    names = [n.strip() for item in items for n in item.split(",") if n.strip()]
    return list(dict.fromkeys(names))


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Compare the tenants and print the differences; the exit status of the module docstring."""
    from orgconn.errors import OrgconnError
    from orgconn.runtime import Runtime
    from orgconn.services.compare import compare

    out, err = out or sys.stdout, err or sys.stderr
    names = _names(args.tenant)
    kinds = _names(args.kind or [])
    try:
        runtime = Runtime.load(args.config)
        config = runtime.config
        unknown = [n for n in names if n not in config.tenants]
        if unknown:
            raise ValueError(f"unknown tenant {', '.join(unknown)}: configured are "
                             f"{', '.join(config.tenants) or 'none'} (see --config)")
        if len(names) < 2:
            raise ValueError("give at least two different tenants, e.g. --tenant us --tenant eu")
        wrong = [k for k in kinds if k not in {k.value for k in compare.Kind}]
        if wrong:
            raise ValueError(f"unknown kind {', '.join(wrong)}: use one of "
                             f"{', '.join(k.value for k in compare.Kind)}")
        key = runtime.fingerprint_key()
    except (OrgconnError, ValueError) as error:
        print(f"orgconn compare: {error}", file=err)
        return EXIT_USAGE
    snapshots, everything = {}, {}
    with runtime:
        for name in names:
            try:
                client = runtime.client(name)
                snapshots[name] = client.snapshot()
                everything[name] = client.all_connections()
            except OrgconnError as error:
                print(f"orgconn compare: reading {name}: {error}", file=err)
                return EXIT_UNREADABLE
    frame = compare.differences(snapshots, key, all_connections=everything)
    view = compare.CompareFilter(kinds=tuple(kinds), stable_keys=tuple(args.connection or ()))
    shown = compare.apply_filter(frame, view).reset_index(drop=True)
    _print(shown, args.format, out, err)
    if note := compare.customers_left_out(snapshots):
        print(f"note: {note}", file=err)
    return EXIT_DRIFT if compare.has_drift(shown) else EXIT_SAME


def _print(frame: pd.DataFrame, format_: str, out: TextIO, err: TextIO) -> None:
    import pandas as pd

    from orgconn.services import export
    from orgconn.services.compare import compare

    counts = compare.drift_counts(frame)
    summary = ", ".join(f"{n} {kind}" for kind, n in zip(
        counts["kind"], counts["differences"], strict=True) if n) or "no differences"
    if format_ == "csv":
        out.write(export.neutralize(frame).to_csv(index=False))
    elif format_ == "json":
        out.write(frame.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        if not frame.empty:
            with pd.option_context("display.max_colwidth", 48, "display.width", 250):
                out.write(frame.to_string(index=False) + "\n\n")
        out.write(f"{plural(len(frame), 'row')}: {summary}\n")
        return
    print(f"{plural(len(frame), 'row')}: {summary}", file=err)

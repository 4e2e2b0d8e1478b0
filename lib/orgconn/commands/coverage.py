"""``orgconn coverage``: which customers lack values for which org-activated connection.

    orgconn coverage                                        # every configured tenant
    orgconn coverage --tenant us --connection crm-sync --format csv > crm-sync.csv
    orgconn coverage --format json | jq '.tenants'

The same rules and figures as the dashboard's coverage page (`orgconn.services.coverage`),
read with the same few paged requests (`PrismaticClient.snapshot`).

- ``table`` (default): per tenant and connection, the customers in each status and % complete,
  then per tenant the page's metrics: customers, connections, % complete.
- ``csv``: one row per customer × connection, complete ones included, with the columns
  ``tenant, stable_key, connection, customer_external_id, customer_name, status,
  missing_inputs`` (input keys joined with ``;``); cells neutralised against spreadsheet
  formulas (`orgconn.services.export`); no byte-order mark, so it pipes cleanly.
- ``json``: ``{"tenants": [...], "connections": [...], "cells": [...]}``, the same figures with
  ``missing_inputs`` as a list.

With no tenant configured the command fails (status 2) saying how to configure one and how to
try orgconn on ``orgconn sandbox``: unlike the dashboard it never falls back to demo data, so a
script that lost its configuration cannot mistake made-up coverage for its tenants'.

With ``--blocking`` only the blocking gaps are listed — gaps of customers who have instances
that use the connection, most instances first — for a cron alert:

    orgconn coverage --blocking --format csv > blocking.csv || mail -s "blocked" ops < blocking.csv

Every cell carries ``instances``, ``enabled_instances`` and ``failing_instances``: the
customer's instances that use the connection. They are empty (``null`` in JSON) where the
tenant cannot say which instances use its connections: impact unknown, never 0.

The command imports neither pandas nor Plotly nor Streamlit: it applies the pure-Python rules of
`orgconn.services.coverage_rules` (the same as the page's) to the client's lean read
(`PrismaticClient.coverage_read`), reading every tenant at once.

Exit status (`orgconn.commands.exits`, the same table for every command):
  0  every customer has complete values for every connection shown (or a tenant has nothing
     to cover: no org-activated connection, or no customer — a sentence says so);
     ``--blocking``: no gap blocks an instance
  1  gaps found (missing, incomplete or error cells); ``--blocking``: a blocking gap
  2  bad arguments or configuration: invalid or empty configuration, an unknown tenant, a
     ``--connection`` none of the tenants has
  3  a tenant could not be read (unreachable, refused the token, API error); nothing printed
  4  ``--blocking`` only: no blocking gap found, but a tenant cannot say which instances its
     gaps block (impact unknown), so some may
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from orgconn.wording import plural

if TYPE_CHECKING:
    from orgconn.config import OrgconnConfig
    from orgconn.models import CoverageRead
    from orgconn.runtime import Runtime
    from orgconn.services.coverage_rules import Cell, TenantCounts

from orgconn.commands.exits import Exit, epilog

EXIT_COMPLETE, EXIT_GAPS, EXIT_USAGE, EXIT_UNREADABLE, EXIT_IMPACT_UNKNOWN = (
    Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE, Exit.UNKNOWN)
FORMATS = ("table", "csv", "json")
NO_TENANT = (
    "no tenant is configured{where}. Add a [tenants.NAME] table with url and token (or "
    "refresh_token) — see .streamlit/secrets.toml.example — or pass --config FILE. To try "
    "orgconn without a Prismatic tenant, run `orgconn sandbox` in another terminal and "
    "configure the tenants it prints, e.g. [tenants.us] url = \"http://127.0.0.1:8789\", "
    "token = \"sandbox-us\"."
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``orgconn coverage``."""
    parser = subparsers.add_parser(
        "coverage", help="which customers lack values for which org-activated connection",
        description="Coverage of the org-activated connections: a status for every customer "
                    "× connection (complete, incomplete, missing, error) and the customer's "
                    "instances that use it.",
        epilog=epilog(EXIT_COMPLETE, EXIT_GAPS, EXIT_USAGE, EXIT_UNREADABLE,
                      EXIT_IMPACT_UNKNOWN),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--config", type=Path, default=None,
        help="orgconn's TOML configuration (default: ORGCONN_CONFIG, else "
             ".streamlit/secrets.toml)")
    add("--tenant", action="append", metavar="NAME",
        help="a configured tenant (repeatable or comma-separated; default: every tenant)")
    add("--connection", action="append", metavar="STABLE_KEY",
        help="only this connection (repeatable or comma-separated; default: every one)")
    add("--format", choices=FORMATS, default="table", help="output format (default table)")
    add("--blocking", action="store_true",
        help="only the gaps that block instances, most instances first; exit status 1 when "
             "there is one (for a cron alert)")
    add("--no-impact", dest="impact", action="store_false",
        help="do not read instances: the instances columns stay empty (impact unknown)")
    parser.set_defaults(func=run)


def _names(items: list[str] | None) -> list[str]:
    names = [n.strip() for item in items or [] for n in item.split(",") if n.strip()]
    return list(dict.fromkeys(names))


def _tenants(config: OrgconnConfig, wanted: list[str]) -> list[str]:
    """The tenants to read; ValueError saying what to fix."""
    if not config.tenants:
        where = f" in {config.source}" if config.source else ""
        raise ValueError(NO_TENANT.format(where=where))
    unknown = [n for n in wanted if n not in config.tenants]
    if unknown:
        raise ValueError(f"unknown tenant {', '.join(unknown)}: configured are "
                         f"{', '.join(config.tenants)} (see --config)")
    return wanted or list(config.tenants)


def _read(runtime: Runtime, name: str, keys: list[str] | None, impact: bool
          ) -> tuple[CoverageRead, set[str]]:
    """One tenant's coverage read, and the stable keys it has when some asked for are absent."""
    client = runtime.client(name)
    read = client.coverage_read(keys, with_impact=impact)
    known: set[str] = set()
    if keys and len(read.connections) < len(keys):
        known = {c.stable_key for c in client.org_connections()}
    return read, known


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Read the tenants and print their coverage; the exit status of the module docstring."""
    from orgconn.errors import OrgconnError
    from orgconn.runtime import Runtime
    from orgconn.services import coverage_rules as rules

    out, err = out or sys.stdout, err or sys.stderr
    keys = _names(args.connection) or None
    try:
        runtime = Runtime.load(args.config)
        names = _tenants(runtime.config, _names(args.tenant))
        if args.blocking and not args.impact:
            raise ValueError("--blocking needs the instances: leave out --no-impact")
    except (OrgconnError, ValueError) as error:
        print(f"orgconn coverage: {error}", file=err)
        return EXIT_USAGE
    with runtime, ThreadPoolExecutor(max_workers=len(names)) as pool:  # every tenant at once
        futures = {name: pool.submit(_read, runtime, name, keys, args.impact) for name in names}
    reads: dict[str, CoverageRead] = {}
    known: set[str] = set()
    for name, future in futures.items():
        try:
            reads[name], theirs = future.result()
        except OrgconnError as error:
            print(f"orgconn coverage: reading {name}: {error}", file=err)
            return EXIT_UNREADABLE
        known |= theirs
    found = {c.stable_key for r in reads.values() for c in r.connections}
    absent = [k for k in keys or [] if k not in found]
    if absent:
        print(f"orgconn coverage: no org-activated connection {', '.join(absent)} in "
              f"{', '.join(names)}; they have {', '.join(sorted(known | found)) or 'none'}",
              file=err)
        return EXIT_USAGE
    per_tenant = {name: rules.coverage_cells(name, read) for name, read in reads.items()}
    cells = [cell for tenant_cells in per_tenant.values() for cell in tenant_cells]
    tenants = [rules.tenant_counts(name, read, per_tenant[name]) for name, read in reads.items()]
    status = _blocking(cells, tenants, args, out, err) if args.blocking else _all(
        cells, tenants, args, out)
    for name, read in reads.items():
        reason = rules.nothing_to_cover(name, read)
        if reason is not None:
            print(f"orgconn coverage: {reason}", file=out if args.format == "table" else err)
    return status


def _blocking(cells: Sequence[Cell], tenants: Sequence[TenantCounts],
              args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the blocking gaps; the exit status of ``--blocking``."""
    from orgconn.services import coverage_rules as rules

    blocking = rules.gaps_by_impact(cells, blocking_only=True)
    write(blocking, tenants, args.format, out, blocking=True)
    unknown = [t.tenant for t in tenants if t.blocked_instances is None]
    if unknown and not blocking:
        print(f"orgconn coverage: {', '.join(unknown)} cannot say which instances use its "
              "connections (impact unknown): its gaps may block some", file=err)
        return EXIT_IMPACT_UNKNOWN
    return EXIT_GAPS if blocking else EXIT_COMPLETE


def _all(cells: Sequence[Cell], tenants: Sequence[TenantCounts], args: argparse.Namespace,
         out: TextIO) -> int:
    """Print every cell; the exit status without ``--blocking``."""
    from orgconn.services import coverage_rules as rules

    write(cells, tenants, args.format, out)
    return EXIT_GAPS if any(c.status != rules.Status.COMPLETE for c in cells) else EXIT_COMPLETE


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """Rows as a plain text table, each column right-aligned to its widest cell."""
    texts = [list(header), *([str(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in texts) for i in range(len(header))]
    return "\n".join(" ".join(v.rjust(w) for v, w in zip(row, widths, strict=True))
                     for row in texts) + "\n"


def write(cells: Sequence[Cell], tenants: Sequence[TenantCounts], format_: str, out: TextIO,
          *, blocking: bool = False) -> None:
    """Print ``cells`` (and the ``tenants``' metrics) in ``format_``; ``blocking``: the cells
    are the blocking gaps, and the table lists them instead of the per-connection counts."""
    from orgconn.services import coverage_rules as rules
    from orgconn.services.export import neutralize_cell

    if format_ == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(rules.EXPORT_COLUMNS)
        writer.writerows([neutralize_cell(v) for v in (
            c.tenant, c.stable_key, c.connection, c.customer_external_id, c.customer_name,
            c.status, c.missing_inputs, _count(c.instances), _count(c.enabled_instances),
            _count(c.failing_instances))] for c in cells)
        return
    per_connection = rules.connection_counts(cells) if not blocking else []
    if format_ == "json":
        document = {
            "tenants": [t._asdict() for t in tenants],
            "connections": [c._asdict() for c in per_connection],
            "cells": [{key: getattr(c, key) for key in rules.EXPORT_COLUMNS}
                      | {"missing_inputs": [k for k in c.missing_inputs.split(";") if k]}
                      for c in cells],
        }
        if blocking:
            del document["connections"]
        out.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        return
    if blocking and cells:
        out.write(_table([(c.tenant, c.stable_key, c.customer_external_id, c.customer_name,
                           c.status, c.instances, c.enabled_instances, c.failing_instances)
                          for c in cells],
                         ("tenant", "stable_key", "customer_external_id", "customer_name",
                          "status", "instances", "enabled", "failing")) + "\n")
    if per_connection:
        out.write(_table([(*c[:8], _count(c.blocking_gaps), _count(c.blocked_instances))
                          for c in per_connection], rules.ConnectionCounts._fields) + "\n")
    for t in tenants:
        impact = ("impact unknown" if t.blocked_instances is None else
                  f"{t.blocked_customers:,} customers blocked ({t.blocked_instances:,} "
                  "instances)")
        out.write(f"{t.tenant}: {plural(t.customers, 'customer')} · "
                  f"{plural(t.connections, 'org-activated connection')} · "
                  f"{t.percent_complete:.1f}% complete · {impact}\n")

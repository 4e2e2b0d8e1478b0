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

Exit status:
  0  every customer has complete values for every connection shown (or a tenant has nothing
     to cover: no org-activated connection, or no customer — a sentence says so)
  1  gaps found (missing, incomplete or error cells)
  2  bad arguments or configuration: invalid or empty configuration, an unknown tenant, a
     ``--connection`` none of the tenants has
  3  a tenant could not be read (unreachable, refused the token, API error); nothing printed
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import pandas as pd

    from orgconn.config import OrgconnConfig
    from orgconn.models import TenantSnapshot

EXIT_COMPLETE, EXIT_GAPS, EXIT_USAGE, EXIT_UNREADABLE = range(4)
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
                    "× connection (complete, incomplete, missing, error).",
        epilog="exit status: 0 no gaps, 1 gaps found, 2 bad arguments or configuration, "
               "3 a tenant could not be read")
    add = parser.add_argument
    add("--config", type=Path, default=None,
        help="orgconn's TOML configuration (default: ORGCONN_CONFIG, else "
             ".streamlit/secrets.toml)")
    add("--tenant", action="append", metavar="NAME",
        help="a configured tenant (repeatable or comma-separated; default: every tenant)")
    add("--connection", action="append", metavar="STABLE_KEY",
        help="only this connection (repeatable or comma-separated; default: every one)")
    add("--format", choices=FORMATS, default="table", help="output format (default table)")
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


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Read the tenants and print their coverage; the exit status of the module docstring."""
    import pandas as pd

    from orgconn.errors import OrgconnError
    from orgconn.runtime import Runtime
    from orgconn.services import coverage

    out, err = out or sys.stdout, err or sys.stderr
    keys = _names(args.connection) or None
    try:
        runtime = Runtime.load(args.config)
        names = _tenants(runtime.config, _names(args.tenant))
    except (OrgconnError, ValueError) as error:
        print(f"orgconn coverage: {error}", file=err)
        return EXIT_USAGE
    snapshots: dict[str, TenantSnapshot] = {}
    known: set[str] = set()
    with runtime:
        for name in names:
            try:
                client = runtime.client(name)
                snapshots[name] = client.snapshot(keys)
                if keys and len(snapshots[name].connections) < len(keys):
                    known |= {c.stable_key for c in client.org_connections()}
            except OrgconnError as error:
                print(f"orgconn coverage: reading {name}: {error}", file=err)
                return EXIT_UNREADABLE
    found = {c.stable_key for s in snapshots.values() for c in s.connections}
    absent = [k for k in keys or [] if k not in found]
    if absent:
        print(f"orgconn coverage: no org-activated connection {', '.join(absent)} in "
              f"{', '.join(names)}; they have {', '.join(sorted(known | found)) or 'none'}",
              file=err)
        return EXIT_USAGE
    frame = pd.concat([coverage.coverage_frame(n, s) for n, s in snapshots.items()],
                      ignore_index=True)
    write(frame, tenant_summary(frame, snapshots), args.format, out)
    for name, snapshot in snapshots.items():
        reason = coverage.nothing_to_cover(name, snapshot)
        if reason is not None:
            print(f"orgconn coverage: {reason}", file=out if args.format == "table" else err)
    return EXIT_GAPS if (frame["status"] != coverage.Status.COMPLETE.value).any() else (
        EXIT_COMPLETE)


def tenant_summary(frame: pd.DataFrame, snapshots: dict[str, TenantSnapshot]) -> pd.DataFrame:
    """The page's metrics per tenant (tenant, customers, connections, percent_complete),
    including tenants that have none of the connections asked for."""
    import pandas as pd

    from orgconn.services import coverage

    summary = coverage.summary_frame(frame).set_index("tenant")
    rows = [{"tenant": name,
             "customers": len(snapshot.customers),
             "connections": sum(c.is_org_activated_customer for c in snapshot.connections),
             "percent_complete": float(summary["percent_complete"].get(name, 0.0))}
            for name, snapshot in snapshots.items()]
    return pd.DataFrame(rows, columns=["tenant", "customers", "connections", "percent_complete"])


def write(frame: pd.DataFrame, tenants: pd.DataFrame, format_: str, out: TextIO) -> None:
    """Print the coverage ``frame`` (and the ``tenants`` summary) in ``format_``."""
    from orgconn.services import coverage, export

    cells = frame[coverage.EXPORT_COLUMNS].astype({"status": str})
    if format_ == "csv":
        out.write(export.neutralize(cells).to_csv(index=False))
        return
    per_connection = coverage.connection_summary(frame)
    if format_ == "json":
        document = {
            "tenants": tenants.to_dict(orient="records"),
            "connections": per_connection.to_dict(orient="records"),
            "cells": [{**cell, "missing_inputs": [k for k in cell["missing_inputs"].split(";")
                                                  if k]}
                      for cell in cells.to_dict(orient="records")],
        }
        out.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        return
    if not per_connection.empty:
        out.write(per_connection.to_string(index=False) + "\n\n")
    for row in tenants.itertuples():
        out.write(f"{row.tenant}: {row.customers:,} customers · {row.connections} "
                  f"org-activated connections · {row.percent_complete:.1f}% complete\n")

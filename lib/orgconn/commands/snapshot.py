"""``orgconn snapshot``: record every configured tenant's coverage in the store (for cron).

Reads each tenant's connections, customers and values, applies the coverage rules and records
one snapshot per tenant (see
`orgconn.services.rollout.snapshots`). At most one snapshot per tenant per
minute is kept: a second run in the same minute records nothing and says so. Run it from cron,
e.g. every hour: ``0 * * * * cd /srv/orgconn && .venv/bin/orgconn snapshot --config F``.

Exit status (`orgconn.commands.exits`): 0 when every tenant has its snapshot for this minute
(recorded now, or already recorded: the message says which; a tenant with nothing to cover is
recorded empty, and a sentence says why); 1 when a snapshot could not be recorded in the store;
2 for a bad configuration or an unknown ``--tenant``; 3 when a tenant could not be read
(unreachable, refused the token, or answered something unusable). The other tenants are still
recorded.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from orgconn.commands.exits import Exit, epilog
from orgconn.wording import plural


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``orgconn snapshot``."""
    parser = subparsers.add_parser(
        "snapshot", help="record the tenants' coverage (run it from cron)",
        description="Record each tenant's coverage (status counts per connection, each "
                    "customer's status) in orgconn's store, for the rollout charts. At most "
                    "one snapshot per tenant per minute.",
        epilog=epilog(Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=None,
                        help="orgconn's TOML configuration (default: ORGCONN_CONFIG, else "
                             ".streamlit/secrets.toml)")
    parser.add_argument("--tenant", action="append", metavar="NAME",
                        help="only this tenant (repeatable, or comma-separated); default: all")
    parser.set_defaults(func=run)


def now() -> datetime:
    """The time a snapshot is recorded at (a function, so tests can hold the clock)."""
    return datetime.now(UTC)


def _chosen(args: argparse.Namespace, configured: list[str]) -> list[str]:
    names = [n.strip() for item in args.tenant or [] for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise ValueError(f"unknown tenant {', '.join(unknown)}: configured are "
                         f"{', '.join(configured)}")
    return names or configured


def run(args: argparse.Namespace) -> int:
    """Record a snapshot of each chosen tenant; the exit status of the module docstring."""
    from orgconn.errors import OrgconnError
    from orgconn.runtime import Runtime
    from orgconn.services.coverage import coverage_frame, nothing_to_cover, summary_frame
    from orgconn.services.rollout.snapshots import take_snapshot

    try:
        runtime = Runtime.load(args.config)
        config = runtime.config
        if not config.tenants:
            raise ValueError(f"no tenant is configured in {config.source}: add [tenants.NAME] "
                             "tables (url, token or refresh_token)")
        names = _chosen(args, list(config.tenants))
        store = runtime.store()
    except (OrgconnError, ValueError) as error:
        print(f"orgconn snapshot: {error}", file=sys.stderr)
        return Exit.INVALID
    status = Exit.OK
    with runtime:
        for name in names:
            try:
                read = runtime.client(name).coverage_read()
            except OrgconnError as error:
                print(f"{name}: not recorded: reading the tenant: {error}", file=sys.stderr)
                status = Exit.UNREADABLE
                continue
            frame = coverage_frame(name, read)
            try:
                at = now()
                snapshot_id = take_snapshot(store, name, frame, at)
            except OrgconnError as error:
                print(f"{name}: not recorded: {error}", file=sys.stderr)
                status = max(status, Exit.FOUND)
                continue
            if snapshot_id is None:
                print(f"{name}: not recorded: a snapshot of {name} was already taken at "
                      f"{at:%Y-%m-%d %H:%M} UTC (at most one a minute)")
                continue
            summary = summary_frame(frame)
            pct = float(summary["percent_complete"].iloc[0]) if not summary.empty else 0.0
            connections = sum(c.is_org_activated_customer for c in read.connections)
            print(f"{name}: recorded snapshot {snapshot_id} at {at:%Y-%m-%d %H:%M:%S} UTC: "
                  f"{plural(connections, 'connection')}, "
                  f"{plural(len(read.customers), 'customer')}, {pct:.1f}% complete")
            reason = nothing_to_cover(name, read)
            if reason is not None:
                print(f"{name}: {reason}")
    return status

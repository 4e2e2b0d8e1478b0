"""``orgconn sandbox``: serve the Prismatic-compatible sandbox with its demo tenants.

Also ``python -m orgconn.sandbox`` (same arguments). The server is imported only when the
command runs, so ``orgconn --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from orgconn.commands.exits import Exit, epilog

DEFAULT_DATA_DIR = Path(".orgconn") / "cli-sandbox"
"""Not the dashboard's embedded sandbox's folder (``.orgconn/sandbox``): two running sandboxes
never share a folder (a second one on a folder in use refuses to start: `orgconn.sandbox.lock`)."""
FLAGS = {  # settings field -> the flag that sets it, for error messages
    "host": "--host", "port": "--port", "tenants": "--tenants", "customers": "--customers",
    "seed": "--seed", "latency_ms": "--latency-ms", "fault_rate": "--fault-rate",
    "fault_kinds": "--fault-kinds", "fault_seed": "--fault-seed", "rate_limit": "--rate-limit",
    "tokens": "--token", "refresh_tokens": "--refresh-token",
    "token_ttl_seconds": "--token-ttl-seconds", "seed_date": "--seed-date",
}


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    pairs = {}
    for item in values or []:
        tenant, sep, token = item.partition("=")
        if not sep or not tenant or not token:
            raise ValueError(f"{flag} takes TENANT=TOKEN, e.g. {flag} us=my-token (got {item!r})")
        pairs[tenant] = token
    return pairs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every sandbox flag (shared by ``orgconn sandbox`` and ``python -m orgconn.sandbox``)."""
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8788, help="port of /healthz and /<tenant>/api (default "
        "8788); each tenant's stack URL takes the ports after it (8789, ...); 0 picks free ones")
    add("--tenants", default="us,eu", help="comma-separated tenant names (default us,eu); "
        "the first gets the us profile")
    add("--customers", type=int, default=40, help="customers per tenant (default 40)")
    add("--seed", type=int, default=1, help="seed of the demo data (default 1)")
    add("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
        help=f"where the SQLite files live (default {DEFAULT_DATA_DIR})")
    add("--reset", action="store_true", help="throw the data away and reseed")
    add("--latency-ms", type=int, default=0, help="delay every API answer by N ms")
    add("--fault-rate", type=float, default=0.0,
        help="fraction of API requests that fail (500, 502, 503, reset, drop-after-commit)")
    add("--fault-kinds", default=None, help="restrict faults to these kinds (comma-separated)")
    add("--fault-seed", type=int, default=None, help="make the faults reproducible")
    add("--rate-limit", type=float, default=None,
        help="requests per second per token; beyond it 429 with Retry-After")
    add("--write-only-secrets", action="store_true",
        help="serve PASSWORD values as \"\" (with hasValue true)")
    add("--token", action="append", metavar="TENANT=TOKEN",
        help="access token of a tenant (default sandbox-<tenant>); repeatable")
    add("--refresh-token", action="append", metavar="TENANT=TOKEN",
        help="refresh token of a tenant (default sandbox-refresh-<tenant>); repeatable")
    add("--token-ttl-seconds", type=int, default=3600,
        help="lifetime of access tokens from /auth/refresh (default 3600)")
    add("--seed-date", default=None, help="the day seeded times count back from (YYYY-MM-DD)")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``orgconn sandbox``."""
    parser = subparsers.add_parser(
        "sandbox", help="serve the Prismatic-compatible sandbox",
        description="Serve a local Prismatic-compatible GraphQL API with demo tenants, each "
                    "at a stack URL of its own (http://HOST:PORT+1, ...: POST /api, as on "
                    "Prismatic), also at http://HOST:PORT/<tenant>/api.",
        epilog=epilog(Exit.OK, Exit.INVALID), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace) -> Any:
    """`SandboxSettings` from parsed arguments; ValueError naming the flag to fix."""
    from pydantic import ValidationError

    from orgconn.sandbox.settings import SandboxSettings

    values: dict[str, Any] = {
        "host": args.host, "port": args.port, "customers": args.customers, "seed": args.seed,
        "tenants": tuple(t.strip() for t in args.tenants.split(",") if t.strip()),
        "data_dir": args.data_dir, "reset": args.reset, "latency_ms": args.latency_ms,
        "fault_rate": args.fault_rate, "fault_seed": args.fault_seed,
        "rate_limit": args.rate_limit, "write_only_secrets": args.write_only_secrets,
        "tokens": _pairs(args.token, "--token"),
        "refresh_tokens": _pairs(args.refresh_token, "--refresh-token"),
        "token_ttl_seconds": args.token_ttl_seconds, "seed_date": args.seed_date,
    }
    if args.fault_kinds:
        values["fault_kinds"] = tuple(k.strip() for k in args.fault_kinds.split(","))
    try:
        return SandboxSettings(**values)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            field = str(problem["loc"][0]) if problem["loc"] else ""
            problems.append(f"{FLAGS.get(field, field)}: {message}" if field else message)
        raise ValueError("; ".join(problems)) from None


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C (then 0); 2 for bad arguments or a port that cannot be used."""
    try:
        settings = settings_from_args(args)
    except ValueError as error:
        print(f"orgconn sandbox: {error}", file=sys.stderr)
        return Exit.INVALID
    from orgconn.sandbox.server import serve_forever

    try:
        return serve_forever(settings, settings.data_dir, lambda line: print(line, flush=True))
    except OSError as error:
        print(f"orgconn sandbox: {error}: choose another --port or --host", file=sys.stderr)
        return Exit.INVALID
    except KeyboardInterrupt:
        return Exit.OK


def main(argv: list[str] | None = None) -> int:
    """``python -m orgconn.sandbox``: the same command outside the ``orgconn`` CLI."""
    parser = argparse.ArgumentParser(prog="python -m orgconn.sandbox",
                                     description="Serve the Prismatic-compatible sandbox.")
    add_arguments(parser)
    return run(parser.parse_args(argv))

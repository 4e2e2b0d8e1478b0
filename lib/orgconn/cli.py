"""The ``orgconn`` command: one subcommand per module listed in `COMMANDS`.

Each module exposes ``add_parser(subparsers)`` (registering ``func=run``) and
``run(args) -> int``; modules import their heavy dependencies inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib

from orgconn import __version__
from orgconn.commands.exits import Exit

COMMANDS = [
    "orgconn.commands.sandbox",
    "orgconn.commands.bulk",
    "orgconn.commands.snapshot",
    "orgconn.commands.set",
    "orgconn.commands.compare",
    "orgconn.commands.coverage",
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of `COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="orgconn",
        description="Operate Prismatic organization-activated connections.")
    parser.add_argument("--version", action="version", version=f"orgconn {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``orgconn`` with ``argv`` (default: the process arguments); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return Exit.INVALID
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

"""The exit status of every ``orgconn`` command: one table, one meaning per number.

Each command returns an `Exit` and shows `epilog` in its ``--help``; the README prints
`table`. A command uses only the codes that can happen to it (``coverage`` never sends, so
never 5-7), but a number never means two things.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """An exit status; ``Exit.X.meaning`` is its sentence."""

    OK = 0
    FOUND = 1
    INVALID = 2
    UNREADABLE = 3
    UNKNOWN = 4
    CONFLICT = 5
    REFUSED = 6
    BUSY = 7

    @property
    def meaning(self) -> str:
        """One sentence: what happened, and what was (not) sent."""
        return MEANINGS[self]


MEANINGS = {
    Exit.OK: "done: saved or nothing to change, every row done, no gaps, no drift, "
             "snapshot recorded",
    Exit.FOUND: "done, with something to look at: gaps (coverage), drift (compare), rows that "
                "failed or were left out (bulk apply: see the report), a write the tenant "
                "refused (set), a snapshot the store could not record",
    Exit.INVALID: "invalid arguments, configuration, file or values: nothing was sent",
    Exit.UNREADABLE: "a tenant could not be read or reached (unreachable, token refused, an "
                     "answer that is not Prismatic's API); a bulk apply cut short by it keeps "
                     "its job: run it again to continue",
    Exit.UNKNOWN: "orgconn could not tell: an answer was lost and the write may or may not "
                  "have happened (set: check the values; the audit row says \"unknown\"), or "
                  "no blocking gap was found but a tenant cannot say which instances its gaps "
                  "block (coverage --blocking)",
    Exit.CONFLICT: "someone else changed (or created) the values meanwhile: nothing was sent, "
                   "run it again to save over them — or, when reading back after the write "
                   "shows a change from outside orgconn, check which values should stay",
    Exit.REFUSED: "refused by orgconn before sending: role too low, protected tenant not "
                  "confirmed, not confirmed at the prompt",
    Exit.BUSY: "another orgconn sharing the store is writing the same thing: another apply of "
               "this bulk job (same tenant, file and options) is running, or another write "
               "held these values over 30 s; nothing was sent: run it again when that one "
               "has finished",
}


def epilog(*codes: Exit) -> str:
    """The ``--help`` epilog listing ``codes`` (default: all), one line each."""
    shown = codes or tuple(Exit)
    return "exit status:\n" + "\n".join(f"  {int(c)}  {c.meaning}" for c in shown)


def table() -> str:
    """The whole table as Markdown, as the README shows it."""
    rows = [f"| {int(c)} | {c.name.lower()} | {c.meaning} |" for c in Exit]
    return "\n".join(["| status | name | meaning |", "|---:|---|---|", *rows])

"""Counts in sentences: ``1 customer``, ``2 customers`` (CLI output and page captions)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` (with thousands separators) and the noun in the number it needs.

    ``nouns`` is the plural when it is not ``noun + "s"`` (``plural(2, "entry", "entries")``).
    """
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"

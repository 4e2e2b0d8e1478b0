"""Relay conventions as Prismatic (graphene-django) applies them: global IDs, offset cursors, pages.

- A global ID is ``base64("TypeName:uuid")``; `decode_id` refuses anything else, naming the
  argument and the expected type, so a client that swaps IDs gets an error, not an empty page.
- A cursor is ``base64("arrayconnection:N")`` where N is the item's offset in the whole list.
- A page holds at most `MAX_PAGE` items, also when ``first``/``last`` ask for more or for none.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from orgconn.sandbox.errors import SandboxError

MAX_PAGE = 100
CURSOR_PREFIX = "arrayconnection:"
T = TypeVar("T")
_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def when_selected(make: Callable[[], T]) -> Callable[..., T]:
    """A field value computed only if the request selects the field: graphql-core's default
    resolver calls a callable it finds in a node (with ``info`` and the field's arguments)."""
    return lambda *_, **__: make()


def encode_id(type_name: str, raw_id: str) -> str:
    """The Relay global ID of the ``type_name`` object whose UUID is ``raw_id``."""
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()


@functools.lru_cache(maxsize=4096)  # a batch of writes names the same connection in every row
def decode_id(value: str, type_name: str, argument: str) -> str:
    """The UUID inside global ID ``value``; `SandboxError` unless it is a ``type_name`` ID."""
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        found_type, _, raw_id = text.partition(":")
        if not _UUID.fullmatch(raw_id):  # the canonical form only, as str(uuid.UUID(...))
            raise ValueError(raw_id)
    except (binascii.Error, UnicodeError, ValueError):
        raise SandboxError(
            f"{argument}: {value!r} is not a valid ID; expected a {type_name} ID "
            f"(base64 of \"{type_name}:<uuid>\")"
        ) from None
    if found_type != type_name:
        raise SandboxError(
            f"{argument}: {value!r} is a {found_type or 'malformed'} ID; expected a {type_name} ID"
        )
    return raw_id


def encode_cursor(offset: int) -> str:
    """The cursor of the item at ``offset`` in the whole (filtered, ordered) list."""
    return base64.b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str, argument: str) -> int:
    """The offset inside ``cursor``; `SandboxError` for anything that is not an offset cursor."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if text.startswith(CURSOR_PREFIX):
            offset = int(text[len(CURSOR_PREFIX):])
            if offset >= 0:
                return offset
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise SandboxError(f"{argument}: {cursor!r} is not a cursor this API returned")


@dataclass(frozen=True)
class Window:
    """Which slice ``[start, end)`` of ``total`` items a page shows, and its page info flags."""

    start: int
    end: int
    total: int
    has_next: bool
    has_previous: bool

    @property
    def size(self) -> int:
        """How many items the page holds."""
        return max(0, self.end - self.start)


def window(total: int, args: dict[str, Any]) -> Window:
    """The page that paging ``args`` (first, after, last, before, offset) select out of ``total``.

    Follows graphql-relay's array-slice rules; ``first``/``last`` above `MAX_PAGE` are capped
    and with neither the page is the first `MAX_PAGE` items after the cursor.
    """
    first, last = args.get("first"), args.get("last")
    for name, value in (("first", first), ("last", last), ("offset", args.get("offset"))):
        if value is not None and value < 0:
            raise SandboxError(f"Argument '{name}' must be a non-negative integer.")
    after = args.get("after")
    before = args.get("before")
    lower = decode_cursor(after, "after") + 1 if after else 0
    lower += args.get("offset") or 0
    upper = min(decode_cursor(before, "before"), total) if before else total
    if first is None and last is None:
        first = MAX_PAGE
    start, end = min(lower, total), upper
    if first is not None:
        end = min(end, start + min(first, MAX_PAGE))
    if last is not None:
        start = max(start, end - min(last, MAX_PAGE))
    end = max(end, start)
    return Window(
        start=start,
        end=end,
        total=total,
        has_next=first is not None and end < upper,
        has_previous=last is not None and start > lower,
    )


def connection(nodes: list[Any], page: Window) -> dict[str, Any]:
    """A Relay connection object (nodes, edges, pageInfo, totalCount) for one page of nodes;
    ``edges`` are built only if selected."""
    return {
        "nodes": nodes,
        "edges": when_selected(lambda: [{"node": node, "cursor": encode_cursor(page.start + i)}
                                        for i, node in enumerate(nodes)]),
        "totalCount": page.total,
        "pageInfo": {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": encode_cursor(page.start) if nodes else None,
            "endCursor": encode_cursor(page.start + len(nodes) - 1) if nodes else None,
        },
    }


def in_memory_connection(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    """A connection over a short list already in memory (inputs of one object, instances)."""
    page = window(len(items), args)
    return connection(items[page.start:page.end], page)

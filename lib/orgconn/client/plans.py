"""Plans: the client's logic written once, run by the sync and the async client alike.

A plan is a generator that yields what it needs sent and receives the answers:

- ``data = yield Call(...)``: one request; receives its ``data`` (or has its error thrown in);
- ``results = yield Parallel((a, b, ...))``: calls and/or sub-plans run concurrently (bounded by
  `Limits.max_concurrency` requests in flight); receives their results in order. If any fails,
  the first error is thrown in once all have finished.

`run_sync` drives a plan with threads, `run_async` with asyncio. `paginate` is the plan that
reads every page of a connection: the first page, then — cursors being offsets — all the
remaining pages at once; given an ``on_page`` callback (`PageProgress`), it reports each page as
it arrives (`PageRead`: what is read, page n of m, items so far of the total). The callback may
run on the client's worker threads: keep it quick and thread-safe (it must not touch a UI).
"""

from __future__ import annotations

import asyncio
import base64
import math
import threading
from collections.abc import Awaitable, Callable, Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from orgconn.client.documents import Call, Operation
from orgconn.errors import GraphQLError, OrgconnError

T = TypeVar("T")
Plan = Generator["Call | Parallel", Any, T]


@dataclass(frozen=True)
class Parallel:
    """Independent steps (calls or plans) to run concurrently; the plan receives their results."""

    steps: tuple[Call | Plan[Any], ...]


def _next_step(plan: Plan[T], answer: Any, error: BaseException | None
               ) -> tuple[Call | Parallel | None, T | None]:
    """Resume ``plan`` with an answer or an error: its next step, or (None, its result)."""
    try:
        return (plan.throw(error) if error is not None else plan.send(answer)), None
    except StopIteration as done:
        return None, done.value


def run_sync(plan: Plan[T], execute: Callable[[Call], dict[str, Any]], concurrency: int) -> T:
    """Drive ``plan``, sending calls with ``execute``; `Parallel` steps run on threads."""
    answer: Any = None
    error: BaseException | None = None
    while True:
        step, result = _next_step(plan, answer, error)
        if step is None:
            return result  # type: ignore[return-value]
        answer, error = None, None
        try:
            answer = execute(step) if isinstance(step, Call) else _parallel_sync(
                step, execute, concurrency)
        except OrgconnError as exc:
            error = exc


def _parallel_sync(step: Parallel, execute: Callable[[Call], dict[str, Any]],
                   concurrency: int) -> list[Any]:
    def one(item: Call | Plan[Any]) -> Any:
        return execute(item) if isinstance(item, Call) else run_sync(item, execute, concurrency)

    if len(step.steps) <= 1:
        return [one(item) for item in step.steps]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(step.steps))) as pool:
        futures = [pool.submit(one, item) for item in step.steps]
    return [f.result() for f in futures]  # raises the first error, after all have finished


async def run_async(plan: Plan[T], execute: Callable[[Call], Awaitable[dict[str, Any]]]) -> T:
    """Drive ``plan`` on asyncio; `Parallel` steps are gathered (the transport bounds them)."""
    answer: Any = None
    error: BaseException | None = None
    while True:
        step, result = _next_step(plan, answer, error)
        if step is None:
            return result  # type: ignore[return-value]
        answer, error = None, None
        try:
            answer = await execute(step) if isinstance(step, Call) else await _parallel_async(
                step, execute)
        except OrgconnError as exc:
            error = exc


async def _parallel_async(step: Parallel, execute: Callable[[Call], Awaitable[dict[str, Any]]]
                          ) -> list[Any]:
    results = await asyncio.gather(
        *(execute(i) if isinstance(i, Call) else run_async(i, execute) for i in step.steps),
        return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise failed[0]
    return results


def offset_cursor(index: int) -> str:
    """The cursor of item ``index`` (0-based) in an offset-cursor connection."""
    return base64.b64encode(f"arrayconnection:{index}".encode()).decode()


def dig(data: Mapping[str, Any], path: str) -> Any:
    """``data["a"]["b"]`` for ``path="a.b"``; None where a level is missing or null."""
    node: Any = data
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def unusable(operation: str, path: str, data: Mapping[str, Any]) -> GraphQLError:
    """The error of an answer to ``operation`` without ``path``: not Prismatic's API speaking
    (a proxy, another service at the url, an incompatible stack)."""
    return GraphQLError(
        f"The tenant answered {operation} without {path}, which Prismatic's API always "
        "sends: the url may not point at a Prismatic stack (check it), or the stack is "
        "incompatible with orgconn", messages=[], data=dict(data))


def required(data: Mapping[str, Any], path: str, operation: str) -> Any:
    """``dig(data, path)``; `unusable` (a `GraphQLError`) when the answer lacks it or it is
    not an object."""
    found = dig(data, path)
    if not isinstance(found, Mapping):
        raise unusable(operation, path, data)
    return found


@dataclass(frozen=True)
class PageRead:
    """A page of a paged read has arrived: ``page`` pages of ``pages`` read so far (``pages``
    may grow while cursors are not offsets), holding ``items`` of ``total`` items."""

    what: str
    page: int
    pages: int
    items: int
    total: int

    @property
    def fraction(self) -> float:
        """How far the read is, from 0 to 1."""
        return min(1.0, self.page / self.pages) if self.pages else 1.0

    def describe(self) -> str:
        """E.g. ``customers: page 3 of 100 (300 of 10,000)``."""
        return (f"{self.what}: page {self.page:,} of {self.pages:,} "
                f"({self.items:,} of {self.total:,})")


PageProgress = Callable[[PageRead], None]


class _PageCounter:
    """Counts the pages of one paged read as they arrive (from several threads) and reports."""

    def __init__(self, what: str, on_page: PageProgress) -> None:
        self._what, self._on_page = what, on_page
        self._lock = threading.Lock()
        self.page = self.pages = self.items = self.total = 0

    def arrived(self, page: Mapping[str, Any]) -> None:
        with self._lock:
            nodes = len(page.get("nodes") or [])
            self.page += 1
            self.items += nodes
            self.total = max(self.total, int(page.get("totalCount") or 0))
            if self.page == 1:
                self.pages = max(1, math.ceil(self.total / nodes)) if nodes else 1
            self.pages = max(self.pages, self.page)
            read = PageRead(self._what, self.page, self.pages, self.items, self.total)
        self._on_page(read)


def _page(call: Call, path: str, each: Callable[[dict[str, Any]], Any],
          counter: _PageCounter | None = None
          ) -> Plan[tuple[list[tuple[object, Any]], dict[str, Any]]]:
    """One page of the connection at ``path``: its nodes shaped by ``each`` (keyed by ID) and
    its ``pageInfo``. Shaped as soon as the page arrives, so raw answers do not pile up; the
    page is reported to ``counter`` then."""
    answer = yield call
    page = required(answer, path, call.operation.name)
    if counter is not None:
        counter.arrived(page)
    nodes = [(node.get("id") or object(), each(node))
             for node in page.get("nodes") or [] if node is not None]
    return nodes, page.get("pageInfo") or {}


def paginate(operation: Operation, variables: Mapping[str, Any], path: str, *,
             page_size: int = 100, each: Callable[[dict[str, Any]], Any] | None = None,
             what: str = "", on_page: PageProgress | None = None) -> Plan[list[Any]]:
    """Read every node of the connection at ``path`` of ``operation``'s answer.

    The operation must take ``$first`` and ``$after`` and select ``totalCount``, ``pageInfo``
    and ``nodes`` (its ``sortBy`` keeps pages stable). After the first page, if its cursor is
    the offset kind, every remaining page is requested at once; otherwise pages follow
    ``endCursor`` one by one. Nodes are de-duplicated by ``id`` (items added while paging would
    otherwise shift a page). An answer without the connection raises `unusable`. ``each``
    shapes every node as its page arrives (e.g. into a small tuple): the result is then the
    shaped nodes, and the raw pages are not all held at once. ``on_page`` hears of every page
    as it arrives (see the module), ``what`` naming the read.
    """
    shape = each or (lambda node: node)
    counter = _PageCounter(what or path, on_page) if on_page is not None else None
    first = yield Call(operation, {**variables, "first": page_size})
    page = required(first, path, operation.name)
    if counter is not None:
        counter.arrived(page)
    raw = [n for n in page.get("nodes") or [] if n is not None]
    nodes: list[tuple[object, Any]] = [(n.get("id") or object(), shape(n)) for n in raw]
    info = page.get("pageInfo") or {}
    total = int(page.get("totalCount") or 0)
    if info.get("hasNextPage") and raw and info.get("endCursor") == offset_cursor(len(raw) - 1):
        served = len(raw)  # the server's page size (it may cap below page_size)
        pages = yield Parallel(tuple(
            _page(Call(operation, {**variables, "first": served,
                                   "after": offset_cursor(start - 1)}), path, shape, counter)
            for start in range(served, total, served)))
        for shaped, page_info in pages:
            nodes.extend(shaped)
            info = page_info
    while info.get("hasNextPage") and info.get("endCursor"):
        shaped, info = yield from _page(Call(operation, {**variables, "first": page_size,
                                                         "after": info["endCursor"]}),
                                        path, shape, counter)
        nodes.extend(shaped)
    return list(dict(nodes).values())

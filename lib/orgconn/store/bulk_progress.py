"""Progress of a bulk apply: counting attempts and recording each row's outcome.

One row at a time (``start_row``, ``mark_row``) or a batch in one transaction (``start_rows``,
``mark_rows``): a store write costs about 1 ms on SQLite and 2-4 ms on PostgreSQL, so an apply
of thousands of rows should record outcomes in batches (e.g. every 50 rows or half second).
A row whose outcome was not recorded before a crash stays pending and is sent again on resume,
which the client's safe writes turn into "unchanged".

Rules: done and skipped are final (the same outcome again is a no-op, another raises
``RowAlreadyFinishedError`` and records nothing); recording the same outcome and message twice
changes nothing; a failed row may later be done.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Row, select, update

from orgconn.store.audit import append_audit_rows, identified
from orgconn.store.base import StoreBase, utc_now
from orgconn.store.bulk_jobs import job_row_or_raise, row_record
from orgconn.store.bulk_records import FINAL_OUTCOMES, BulkRow, RowResult
from orgconn.store.errors import NotFoundError, RowAlreadyFinishedError
from orgconn.store.records import AuditEntry
from orgconn.store.schema import bulk_row

_CHUNK = 500  # row numbers per IN (...) list: far below SQLite's and PostgreSQL's limits

class BulkProgress(StoreBase):
    """Bulk row progress methods of ``Store``."""

    def start_row(self, job_id: int, row_number: int) -> int:
        """Counts one more attempt at sending a row and returns the attempt number.

        Raises RowAlreadyFinishedError if the row is done or skipped (never send it again),
        NotFoundError if the job has no such row.
        """
        started = self.start_rows(job_id, [row_number])
        if row_number not in started:
            with self._read() as connection:
                outcome = _rows_by_number(connection, job_id, [row_number])[row_number].outcome
            raise RowAlreadyFinishedError(
                f"row {row_number} of bulk job {job_id} is already {outcome}")
        return started[row_number]

    def start_rows(self, job_id: int, row_numbers: Sequence[int]) -> dict[int, int]:
        """Counts an attempt for each row still to send, in one transaction.

        Returns {row number: attempt number} for those rows only: a row missing from the
        answer is done or skipped and must not be sent. Raises NotFoundError for an unknown row.
        """
        _refuse_repeats(row_numbers)
        now = utc_now()
        with self._write() as connection:
            current = _rows_by_number(connection, job_id, row_numbers, lock=True)
            to_start = [n for n in row_numbers if current[n].outcome not in FINAL_OUTCOMES]
            for chunk in _chunks(to_start):
                connection.execute(
                    update(bulk_row).where(*_rows_in(job_id, chunk))
                    .values(attempts=bulk_row.c.attempts + 1, updated_at=now))
            return {n: int(current[n].attempts) + 1 for n in to_start}

    def mark_row(self, job_id: int, row_number: int,
                 outcome: Literal["done", "failed", "skipped"], message: str = "") -> BulkRow:
        """Records one row's outcome (see the module's rules) and returns the row.

        ``message`` is cut to 500 characters; it must not contain a secret.
        """
        self.mark_rows(job_id, [RowResult(row_number=row_number, outcome=outcome,
                                          message=message[:500])])
        with self._read() as connection:
            found = _rows_by_number(connection, job_id, [row_number], whole=True)
            return row_record(found[row_number])

    def mark_rows(self, job_id: int, results: Sequence[RowResult],
                  audit: Sequence[AuditEntry] = ()) -> int:
        """Records several rows' outcomes, and ``audit`` entries for the writes they made, in
        one transaction; returns how many rows changed.

        All or nothing: an unknown row (NotFoundError) or a final row given another outcome
        (RowAlreadyFinishedError) records none of the batch and none of its audit entries.
        """
        _refuse_repeats([r.row_number for r in results])
        audit = identified(self, audit)
        now = utc_now()
        with self._write() as connection:
            current = _rows_by_number(connection, job_id, [r.row_number for r in results],
                                      lock=True)
            groups: dict[tuple[str, str], list[int]] = defaultdict(list)
            for r in results:
                if _changes(job_id, current[r.row_number], r):
                    groups[r.outcome, r.message].append(r.row_number)
            for (outcome, message), numbers in groups.items():  # one UPDATE per distinct result
                for chunk in _chunks(numbers):
                    connection.execute(
                        update(bulk_row).where(*_rows_in(job_id, chunk))
                        .values(outcome=outcome, message=message, updated_at=now))
            append_audit_rows(connection, audit, ids=False)
            return sum(len(numbers) for numbers in groups.values())


def _changes(job_id: int, current: Row[Any], result: RowResult) -> bool:
    """Whether recording ``result`` changes the row; raises if it would undo a final outcome."""
    if current.outcome in FINAL_OUTCOMES:
        if current.outcome != result.outcome:
            raise RowAlreadyFinishedError(
                f"row {result.row_number} of bulk job {job_id} is already {current.outcome}; "
                f"it cannot become {result.outcome}")
        return False
    return bool(current.outcome != result.outcome or current.message != result.message)


def _rows_by_number(connection: Connection, job_id: int, row_numbers: Iterable[int], *,
                    lock: bool = False, whole: bool = False) -> dict[int, Row[Any]]:
    """The rows by number (only their progress columns unless ``whole``); raises
    NotFoundError. ``lock`` holds them until the transaction ends (FOR UPDATE on PostgreSQL;
    SQLite's ``BEGIN IMMEDIATE`` already holds the write lock)."""
    c = bulk_row.c
    columns = [bulk_row] if whole else [c.row_number, c.outcome, c.message, c.attempts]
    wanted = list(row_numbers)
    found: dict[int, Row[Any]] = {}
    for chunk in _chunks(wanted):
        query = select(*columns).where(*_rows_in(job_id, chunk)).order_by(c.row_number)
        if lock:
            query = query.with_for_update()
        found.update((row.row_number, row) for row in connection.execute(query))
    missing = [n for n in wanted if n not in found]
    if missing:
        job_row_or_raise(connection, job_id)
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise NotFoundError(f"bulk job {job_id} has no row {shown}")
    return found


def _rows_in(job_id: int, row_numbers: list[int]) -> tuple[ColumnElement[bool], ...]:
    return bulk_row.c.job_id == job_id, bulk_row.c.row_number.in_(row_numbers)


def _chunks(row_numbers: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(row_numbers), _CHUNK):
        yield row_numbers[start:start + _CHUNK]


def _refuse_repeats(row_numbers: Sequence[int]) -> None:
    repeated = sorted(n for n, k in Counter(row_numbers).items() if k > 1)
    if repeated:
        raise ValueError(f"each row may appear once in a batch; repeated: {repeated}")

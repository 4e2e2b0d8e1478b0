"""The dry run: what applying an uploaded file would do to each customer's values.

Each row gets one action:

- **create**: the customer has no values for the connection yet; the row's non-blank cells
  become its values (inputs left blank are sent empty).
- **update**: the customer has values and the row changes at least one of them.
- **unchanged**: everything the row says is already so (or, without overwrite, every input
  the row fills already has a value).
- **skip**: the customer has no values and the row gives none (an untouched template row).
- **invalid**: the row has a problem (see its issues); it is never sent.

What "overwrite" means, precisely: a **blank cell never changes anything**, with or without
overwrite (orgconn bulk never clears a value: clear one on the customer-values page).
Without overwrite a row only **fills inputs that have no value**; a cell that differs from a
value already set is *kept* (listed in ``kept``, not sent). With overwrite every non-blank cell
replaces the current value. Values are compared after `validation.normalize` (``yes`` is
``true``), so a template downloaded and uploaded again plans ``unchanged`` everywhere.

Secrets appear in changes only as "set" or "changed", never as values. Whether a row writes is
decided by the client's own `orgconn.client.writes.intended_values`, so the plan and the write
agree. A required input (no default) must have a value after the row is applied, on every row
that writes. A value that only does not look like its input's name suggests (a port, URL or
number guessed from the name) is a row **warning** (``PlanRow.warnings``): it never makes the row
invalid.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
from pydantic import SecretStr

from orgconn.client.writes import intended_values
from orgconn.errors import InvalidValuesError
from orgconn.models import Customer, CustomerValues, OrgConnection, TenantData
from orgconn.services.audit import changed_inputs
from orgconn.services.bulk.issues import FROM_VALIDATION, FileIssue, FileIssueKind
from orgconn.services.bulk.parse import (
    CUSTOMER_ID,
    EXTERNAL_ID,
    STABLE_KEY,
    UploadedRow,
    UploadedTable,
)
from orgconn.services.values.validation import check_value, is_blank, normalize, warn_value
from orgconn.store import BulkOptions, ChangedInput, PlannedAction, PlannedRow

PLAN_COLUMNS = ["row", "action", "external_id", "customer", "changes", "kept", "message",
                "stable_key", "warnings"]
NO_NAME = "(none)"  # the store needs a non-empty key for a row that names no connection/customer
_SHOWN_CHARS = 40


@dataclass(frozen=True)
class InputChange:
    """One input a row changes: a secret only as "set"/"changed", others with their values."""

    name: str
    secret: bool
    old: str | None = field(default=None, repr=False)  # None: no value yet (never a secret)
    new: str = field(default="", repr=False)

    def describe(self) -> str:
        """E.g. ``apiKey (secret set)``, ``apiKey (secret changed)``, ``port: 1 → 2``."""
        if self.secret:
            return f"{self.name} (secret {'changed' if self.old is not None else 'set'})"
        if self.old is None:
            return f"{self.name} = {_short(self.new)}"
        return f"{self.name}: {_short(self.old)} → {_short(self.new)}"


@dataclass(frozen=True)
class PlanRow:
    """One row's plan: the action, what changes, and (hidden from reprs) what will be sent.

    ``external_id`` is how the row names its customer: the external ID, or the Prismatic ID of
    a customer given in the ``customer_id`` column (customers without an external ID).
    """

    row_number: int
    stable_key: str
    external_id: str
    customer_name: str
    action: PlannedAction
    changes: tuple[InputChange, ...] = ()
    kept: tuple[str, ...] = ()
    message: str = ""
    warnings: tuple[str, ...] = ()
    values: Mapping[str, str | SecretStr] = field(default_factory=dict, repr=False)
    connection: OrgConnection | None = field(default=None, repr=False)
    customer: Customer | None = field(default=None, repr=False)
    current: CustomerValues | None = field(default=None, repr=False)


@dataclass(frozen=True)
class BulkPlan:
    """The plan of a whole file: one `PlanRow` per customer row, and every problem found."""

    file_name: str
    file_sha256: str
    options: BulkOptions
    rows: tuple[PlanRow, ...]
    issues: tuple[FileIssue, ...] = ()

    @property
    def warnings(self) -> list[tuple[int, str]]:
        """``(row number, warning)`` for every value that does not look like its input's name
        suggests, on rows that will be sent anyway (warnings never make a row invalid)."""
        return [(r.row_number, w) for r in self.rows if r.action != "invalid"
                for w in r.warnings]

    @property
    def has_errors(self) -> bool:
        """Whether anything is wrong with the file (then nothing is sent unless valid-only)."""
        return bool(self.issues)

    def totals(self) -> dict[PlannedAction, int]:
        """How many rows get each action (every action present, maybe 0)."""
        counts = Counter(r.action for r in self.rows)
        actions: tuple[PlannedAction, ...] = ("create", "update", "unchanged", "skip", "invalid")
        return {a: counts.get(a, 0) for a in actions}

    def row(self, number: int) -> PlanRow | None:
        """The plan of spreadsheet row ``number``, or None."""
        return next((r for r in self.rows if r.row_number == number), None)


def stable_keys_needed(table: UploadedTable, options: BulkOptions) -> list[str]:
    """The connections the file talks about: its ``stable_key`` cells, else the chosen one."""
    keys = {r.cell(STABLE_KEY).strip() for r in table.rows} if table.has_stable_key else set()
    if options.connection:
        keys.add(options.connection)
    return sorted(k for k in keys if k)


def plan_upload(table: UploadedTable, snapshot: TenantData, options: BulkOptions,
                parse_issues: Sequence[FileIssue] = (), *, tenant: str = "the tenant"
                ) -> BulkPlan:
    """Plan every row of ``table`` against the tenant's current ``snapshot``.

    ``snapshot`` must hold the connections of `stable_keys_needed`, the customers and their
    values for those connections. ``parse_issues`` are kept; a column they name (a header
    problem) makes every row that has a value in it invalid.
    """
    planner = _Planner(table, snapshot, options, tenant, list(parse_issues))
    rows = tuple(planner.plan_row(row) for row in table.rows)
    rows = planner.mark_duplicates(rows)
    return BulkPlan(table.file_name, table.sha256, options, rows, tuple(planner.issues))


class _Planner:
    def __init__(self, table: UploadedTable, snapshot: TenantData, options: BulkOptions,
                 tenant: str, issues: list[FileIssue]) -> None:
        self.table, self.options, self.tenant, self.issues = table, options, tenant, issues
        self.connections = {c.stable_key: c for c in snapshot.connections
                            if c.is_org_activated_customer}
        self.customers = {c.external_id: c for c in snapshot.customers if c.external_id}
        self.by_id = {c.id: c for c in snapshot.customers}
        self.values = {(v.stable_key, v.customer.id): v for v in snapshot.customer_values
                       if v.customer is not None and not v.is_test}
        self.bad_columns = {i.column for i in issues if i.row == 1 and i.column}
        self.bad_rows: dict[int, list[FileIssue]] = {}  # rows the file itself spoiled
        for issue in issues:
            if issue.row is not None and issue.row > 1:
                self.bad_rows.setdefault(issue.row, []).append(issue)
        if not table.has_stable_key and not options.connection:
            self.issues.append(FileIssue(FileIssueKind.UNKNOWN_CONNECTION, (
                "The file has no stable_key column and no connection was chosen: choose the "
                "connection, or add a stable_key column naming each row's connection.")))
        self._check_header()

    def _targets(self) -> list[OrgConnection]:
        keys = {self._key(r) for r in self.table.rows}
        return [self.connections[k] for k in sorted(keys) if k in self.connections]

    def _key(self, row: UploadedRow) -> str:
        given = row.cell(STABLE_KEY).strip() if self.table.has_stable_key else ""
        return given or self.options.connection or ""

    def _check_header(self) -> None:
        targets = self._targets()
        if not targets:
            return
        per_customer = {i.key for c in targets for i in c.per_customer_inputs}
        global_ = {i.key for c in targets for i in c.global_inputs}
        names = ", ".join(sorted(per_customer))
        for column in self.table.input_columns:
            if column in per_customer or column in self.bad_columns:
                continue
            self.bad_columns.add(column)
            if column in global_:
                self.issues.append(FileIssue(FileIssueKind.GLOBAL_INPUT, (
                    f"Column {column} is a global input: its one value is set on the connection, "
                    "not per customer. Delete the column."), row=1, column=column))
                continue
            close = difflib.get_close_matches(column, sorted(per_customer), n=1)
            hint = f"Did you mean {close[0]}? " if close else ""
            self.issues.append(FileIssue(FileIssueKind.UNKNOWN_COLUMN, (
                f"Column {column} is not a per-customer input. {hint}Rename it to one of "
                f"{names}, or delete it."), row=1, column=column))

    def _issue(self, kind: FileIssueKind, row: UploadedRow, message: str,
               column: str | None = None) -> FileIssue:
        issue = FileIssue(kind, f"Row {row.number}: {message}", row=row.number, column=column)
        self.issues.append(issue)
        return issue

    def plan_row(self, row: UploadedRow) -> PlanRow:
        key, external_id = self._key(row), row.cell(EXTERNAL_ID).strip()
        found: list[FileIssue] = list(self.bad_rows.get(row.number, ()))
        connection = self.connections.get(key)
        if key and connection is None:
            known = ", ".join(sorted(self.connections)) or "none"
            found.append(self._issue(FileIssueKind.UNKNOWN_CONNECTION, row, (
                f"{key} is not an org-activated connection of {self.tenant} (its connections: "
                f"{known}). Correct the stable_key."), STABLE_KEY))
        customer, who = self._customer(row, external_id, found)
        base = _Where(row.number, key or NO_NAME, who or NO_NAME,
                      customer.name if customer else "")
        if connection is None:
            return _invalid(base, found)
        warned: list[str] = []
        values = self._values(row, connection, found, warned)
        if found or customer is None:
            return _invalid(base, found)
        planned = self._action(row, base, connection, customer, values)
        return dataclasses.replace(planned, warnings=tuple(warned)) if warned else planned

    def _customer(self, row: UploadedRow, external_id: str, found: list[FileIssue]
                  ) -> tuple[Customer | None, str]:
        """The row's customer, by external ID, else by Prismatic ID (``customer_id``), and
        how the row names it."""
        customer_id = row.cell(CUSTOMER_ID).strip() if self.table.has_customer_id else ""
        if external_id:
            customer = self.customers.get(external_id)
            if customer is None:
                found.append(self._issue(FileIssueKind.UNKNOWN_EXTERNAL_ID, row, (
                    f"no customer of {self.tenant} has the external ID {external_id}. Check "
                    "the spelling, or create the customer in Prismatic first."), EXTERNAL_ID))
            elif customer_id and customer_id != customer.id:
                found.append(self._issue(FileIssueKind.UNKNOWN_EXTERNAL_ID, row, (
                    f"external_id {external_id} is customer {customer.id}, not customer_id "
                    f"{customer_id}: keep one of the two."), CUSTOMER_ID))
                customer = None
            return customer, external_id
        if customer_id:
            customer = self.by_id.get(customer_id)
            if customer is None:
                found.append(self._issue(FileIssueKind.UNKNOWN_EXTERNAL_ID, row, (
                    f"no customer of {self.tenant} has the Prismatic ID {customer_id}. Check "
                    "it, or give the customer's external ID instead."), CUSTOMER_ID))
            return customer, customer_id
        found.append(self._issue(FileIssueKind.UNKNOWN_EXTERNAL_ID, row, (
            "external_id is empty: enter the customer's external ID (or, for a customer without "
            "one, its Prismatic ID in a customer_id column), or delete the row."), EXTERNAL_ID))
        return None, ""

    def _values(self, row: UploadedRow, connection: OrgConnection, found: list[FileIssue],
                warned: list[str]) -> dict[str, str | SecretStr]:
        values: dict[str, str | SecretStr] = {}
        for column in self.table.input_columns:
            raw = row.cell(column)
            if is_blank(raw):
                continue
            spec = connection.input(column)
            if column in self.bad_columns:  # reported once, for the header
                found.append(FileIssue(FileIssueKind.UNKNOWN_COLUMN, (
                    f"Row {row.number}: column {column} cannot be used (see its problem in "
                    "the header)."), row.number, column))
            elif spec is None or spec.is_global:
                kind = FileIssueKind.GLOBAL_INPUT if spec else FileIssueKind.UNKNOWN_COLUMN
                what = "a global input of" if spec else "not an input of"
                found.append(self._issue(kind, row, (
                    f"{column} is {what} {connection.name} ({connection.stable_key}): leave "
                    "this cell empty."), column))
            elif (problem := check_value(spec.definition, raw)) is not None:
                found.append(self._issue(FROM_VALIDATION[problem.kind], row, problem.message,
                                         column))
            else:
                if (warning := warn_value(spec.definition, raw)) is not None:
                    warned.append(f"{column}: {warning.message}")
                text = normalize(spec.definition, raw)
                values[column] = SecretStr(text) if spec.is_secret else text
        return values

    def _action(self, row: UploadedRow, base: _Where, connection: OrgConnection,
                customer: Customer, values: dict[str, str | SecretStr]) -> PlanRow:
        current = self.values.get((connection.stable_key, customer.id))

        def planned(action: PlannedAction, message: str, changes: tuple[InputChange, ...] = (),
                    kept: tuple[str, ...] = ()) -> PlanRow:
            return PlanRow(*base, action=action, changes=changes, kept=kept, message=message,
                           values=values, connection=connection, customer=customer,
                           current=current)

        if current is None and not values:
            return planned("skip", "no values given: nothing to create")
        try:
            intended = intended_values(connection, current, values,
                                       overwrite=self.options.overwrite)
        except InvalidValuesError as exc:
            issue = self._issue(FileIssueKind.REQUIRED, row, str(exc))
            return _invalid(base, [issue])
        kept = _kept(connection, current, values, self.options.overwrite)
        note = f"kept (overwrite is off): {', '.join(kept)}" if kept else ""
        if intended is None:
            return planned("unchanged", note or "already as in the file", kept=kept)
        missing = [self._issue(FileIssueKind.REQUIRED, row, (
            f"{i.definition.label or i.key} is required: enter a value."), i.key)
            for i in connection.per_customer_inputs
            if i.definition.required and is_blank(i.definition.default)
            and is_blank(intended.get(i.key))]
        if missing:
            return _invalid(base, missing)
        changes = _changes(connection, current, intended)
        return planned("create" if current is None else "update", note, changes, kept)

    def mark_duplicates(self, rows: tuple[PlanRow, ...]) -> tuple[PlanRow, ...]:
        first: dict[tuple[str, str], PlanRow] = {}
        repeated: dict[int, str] = {}
        for plan in rows:
            if NO_NAME in (plan.stable_key, plan.external_id):
                continue
            pair = (plan.stable_key, plan.customer.id if plan.customer else plan.external_id)
            if pair not in first:
                first[pair] = plan
                continue
            earlier = first[pair]
            message = (f"Row {plan.row_number}: row {earlier.row_number} is already for customer "
                       f"{plan.external_id} and connection {plan.stable_key}. Keep one of the "
                       "two rows.")
            self.issues.append(FileIssue(FileIssueKind.DUPLICATE, message, plan.row_number,
                                         EXTERNAL_ID))
            repeated[plan.row_number] = message
            repeated.setdefault(earlier.row_number, f"Row {earlier.row_number}: repeated on row "
                                                    f"{plan.row_number}; keep one of the two.")
        return tuple(_invalid(_Where(p.row_number, p.stable_key, p.external_id,
                                     p.customer_name), [], repeated[p.row_number])
                     if p.row_number in repeated else p for p in rows)


class _Where(NamedTuple):
    row_number: int
    stable_key: str
    external_id: str
    customer_name: str


def _invalid(base: _Where, found: list[FileIssue], message: str = "") -> PlanRow:
    text = message or " ".join(dict.fromkeys(i.message for i in found))
    return PlanRow(*base, action="invalid", message=text)


def _text(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _kept(connection: OrgConnection, current: CustomerValues | None,
          values: Mapping[str, str | SecretStr], overwrite: bool) -> tuple[str, ...]:
    if overwrite or current is None:
        return ()
    kept = []
    for key, given in values.items():
        now = current.values.get(key)
        if now is not None and now.has_value and (
                not now.is_readable or now.secret_value() != _text(given)):
            kept.append(key)
    return tuple(kept)


def _changes(connection: OrgConnection, current: CustomerValues | None,
             intended: Mapping[str, str]) -> tuple[InputChange, ...]:
    changes = []
    for key, new in intended.items():
        now = current.values.get(key) if current else None
        old = now.secret_value() if now is not None and now.has_value else None
        readable = now is None or now.is_readable
        if readable and (old == new or (old is None and new == "")):
            continue
        if key in connection.secret_keys:  # never keep a secret's text, old or new
            changes.append(InputChange(key, True, None if old is None else ""))
        else:
            changes.append(InputChange(key, False, old, new))
    return tuple(changes)


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= _SHOWN_CHARS else one_line[:_SHOWN_CHARS - 1] + "…"


def plan_frame(plan: BulkPlan) -> pd.DataFrame:
    """The plan as a table with `PLAN_COLUMNS` (secrets only as "set"/"changed")."""
    return pd.DataFrame([{
        "row": r.row_number, "stable_key": r.stable_key, "external_id": r.external_id,
        "customer": r.customer_name, "action": r.action,
        "changes": ", ".join(c.describe() for c in r.changes), "kept": ", ".join(r.kept),
        "message": r.message, "warnings": " ".join(r.warnings)} for r in plan.rows],
        columns=PLAN_COLUMNS)


def planned_rows(plan: BulkPlan, key: bytes) -> list[PlannedRow]:
    """The plan's rows as the store keeps them (see `planned_row`)."""
    return [planned_row(r, key) for r in plan.rows]


def planned_row(row: PlanRow, key: bytes) -> PlannedRow:
    """One planned row as the store keeps it (changed inputs by name; secrets fingerprinted
    with ``key``, the installation's fingerprint key)."""
    return PlannedRow(row_number=row.row_number, stable_key=_line(row.stable_key),
                      customer_external_id=_line(row.external_id), action=row.action,
                      changed_inputs=row_changed_inputs(row, key), message=row.message[:500])


def row_changed_inputs(row: PlanRow, key: bytes) -> tuple[ChangedInput, ...]:
    """What the row changes, as the store and the audit log keep it (secrets fingerprinted)."""
    if row.connection is None or not row.changes:
        return ()
    after = {c.name: _text(row.values.get(c.name, "")) for c in row.changes}
    return changed_inputs(row.connection, row.current, after, key)


def _line(text: str) -> str:
    """A non-empty single line of at most 300 characters, as the store's keys must be."""
    return " ".join(text.split())[:300] or NO_NAME

"""Templates to fill in: one row per customer, one column per per-customer input.

Columns: ``external_id``, ``customer_name`` (for people; ignored on upload), then the
connection's per-customer inputs in the connection's order. Rows: every customer that has an
external ID, in the tenant's order, or with ``missing_only`` only those that lack values: no
values at all, or a required input empty. Customers without an external ID are left out, and
`left_out` says which and why (an upload reaches them by Prismatic ID in a ``customer_id``
column instead), so that no one is left out silently.
Current values of plain inputs are filled in, so a downloaded template uploads back as
"unchanged"; secret cells are always left empty (blank never changes anything on upload).

`column_guide` says what each column takes and whether it is required; the XLSX template
carries it as a note on each header cell (and a true/false list on boolean columns), the page
and ``orgconn bulk template`` print it beside a CSV (`describe_columns`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from orgconn.models import (
    ConnectionInput,
    Customer,
    CustomerValues,
    OrgConnection,
    TenantSnapshot,
)
from orgconn.services import export
from orgconn.services.bulk.parse import CUSTOMER_NAME, EXTERNAL_ID
from orgconn.services.coverage import Status, cell_status
from orgconn.services.values.validation import ValueKind, is_blank, kind_of

TemplateFormat = Literal["csv", "xlsx"]
MIME_TYPES: dict[TemplateFormat, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

MISSING_ONLY = (Status.MISSING, Status.INCOMPLETE)  # the rows of a "lacking values" template


def _listed(connection: OrgConnection, snapshot: TenantSnapshot, missing_only: bool
            ) -> Iterator[tuple[Customer, CustomerValues | None]]:
    """The customers a template lists (whatever their external ID) with their values."""
    values = {v.customer.id: v for v in snapshot.customer_values
              if v.customer is not None and not v.is_test and v.stable_key == connection.stable_key}
    for customer in snapshot.customers:
        current = values.get(customer.id)
        if not missing_only or cell_status(connection, current)[0] in MISSING_ONLY:
            yield customer, current


def template_frame(connection: OrgConnection, snapshot: TenantSnapshot, *,
                   missing_only: bool) -> pd.DataFrame:
    """The template of ``connection`` for the customers of ``snapshot`` (see the module)."""
    inputs = connection.per_customer_inputs
    rows = []
    for customer, current in _listed(connection, snapshot, missing_only):
        if not customer.external_id:
            continue
        row = {EXTERNAL_ID: customer.external_id, CUSTOMER_NAME: customer.name}
        for spec in inputs:
            value = current.values.get(spec.key) if current else None
            shown = value is not None and value.has_value and not spec.is_secret
            row[spec.key] = value.secret_value() if shown and value is not None else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=[EXTERNAL_ID, CUSTOMER_NAME, *(i.key for i in inputs)],
                        dtype=object)


def left_out(connection: OrgConnection, snapshot: TenantSnapshot, *, missing_only: bool
             ) -> tuple[list[Customer], str | None]:
    """The customers `template_frame` leaves out for having no external ID (those it would
    list otherwise), and a sentence saying which and why (None when there are none)."""
    out = [c for c, _ in _listed(connection, snapshot, missing_only) if not c.external_id]
    if not out:
        return out, None
    names = "; ".join(f"{c.name} ({c.id})" for c in out[:10]) + (
        f"; and {len(out) - 10} more" if len(out) > 10 else "")
    return out, (f"Left out of the template: {len(out)} customer(s) without an external ID, "
                 f"which a template row cannot name: {names}. To include them, add a "
                 "customer_id column with their Prismatic ID, or fill their values on the "
                 "Customer values page.")


TAKES: dict[ValueKind, str] = {
    ValueKind.TEXT: "text",
    ValueKind.SECRET: "a secret (the template leaves it empty; blank keeps the current one)",
    ValueKind.BOOLEAN: "true or false",
    ValueKind.JSON: "JSON, such as {\"key\": \"value\"}",
    ValueKind.PORT: "a port number from 1 to 65535",
    ValueKind.NUMBER: "a number, such as 30",
    ValueKind.URL: "a full URL, such as https://api.example.com",
}
"""What a cell of each kind of input takes (the rules: `orgconn.services.values.validation`)."""


@dataclass(frozen=True)
class ColumnGuide:
    """One template column: whether a row needs it, what it takes, and the input's label."""

    column: str
    required: bool
    takes: str
    label: str = ""
    is_boolean: bool = False

    def describe(self) -> str:
        """E.g. ``port (Port): required · a port number from 1 to 65535``."""
        named = f"{self.column} ({self.label})" if self.label and self.label != self.column \
            else self.column
        return f"{named}: {'required' if self.required else 'optional'} · {self.takes}"


def _input_guide(spec: ConnectionInput) -> ColumnGuide:
    definition = spec.definition
    kind = kind_of(definition)
    takes = TAKES[kind]
    if kind is not ValueKind.SECRET and not is_blank(definition.default):
        takes += f" (default {definition.default})"
    if definition.comments:
        takes += f". {definition.comments.strip()}"
    required = definition.required and is_blank(definition.default)
    return ColumnGuide(definition.key, required, takes, definition.label,
                       is_boolean=kind is ValueKind.BOOLEAN)


def column_guide(connection: OrgConnection) -> list[ColumnGuide]:
    """Every column of ``connection``'s template, in order, with what it takes.

    ``external_id`` is required (it picks the customer); ``customer_name`` is ignored on upload;
    an input is required when its definition says so and it has no default (a required cell
    left blank keeps a value the customer already has, and is refused for one without).
    """
    return [
        ColumnGuide(EXTERNAL_ID, True, "the customer's external ID: it picks the customer"),
        ColumnGuide(CUSTOMER_NAME, False, "for people only: ignored on upload"),
        *(_input_guide(spec) for spec in connection.per_customer_inputs),
    ]


def describe_columns(guide: list[ColumnGuide]) -> list[str]:
    """One line per column (`ColumnGuide.describe`), for a page or a terminal."""
    return [column.describe() for column in guide]


def template_bytes(frame: pd.DataFrame, fmt: TemplateFormat,
                   guide: list[ColumnGuide] | None = None) -> bytes:
    """The template as a CSV (UTF-8 with BOM) or XLSX file, formulas neutralised.

    With ``guide`` (`column_guide`), the XLSX's header cells carry a note saying what each
    column takes and whether it is required, and boolean columns offer a true/false list. A CSV
    cannot carry notes: show `describe_columns` beside it.
    """
    if fmt != "xlsx":
        return export.to_csv_bytes(frame)
    if guide is None:
        return export.to_xlsx_bytes(frame, sheet_name="customers")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        export.neutralize(frame).to_excel(writer, index=False, sheet_name="customers")
        sheet = writer.sheets["customers"]
        sheet.freeze_panes = "A2"
        by_column = {g.column: g for g in guide}
        for index, name in enumerate(frame.columns, start=1):
            column = by_column.get(str(name))
            if column is None:
                continue
            letter = get_column_letter(index)
            note = Comment(column.describe(), "orgconn", width=320, height=110)
            sheet[f"{letter}1"].comment = note
            if column.is_boolean:
                choice = DataValidation(type="list", formula1='"true,false"', allow_blank=True,
                                        showErrorMessage=True, errorTitle=column.column,
                                        error="Choose true or false (or leave it blank).")
                choice.add(f"{letter}2:{letter}{max(len(frame) + 1, 1000)}")
                sheet.add_data_validation(choice)
    return buffer.getvalue()


def template_file_name(tenant: str, stable_key: str, *, missing_only: bool,
                       fmt: TemplateFormat) -> str:
    """E.g. ``bulk-us-acme-api-key-missing.csv``."""
    return f"bulk-{tenant}-{stable_key}-{'missing' if missing_only else 'all'}.{fmt}"


def left_out_of_template(gaps: pd.DataFrame) -> pd.DataFrame:
    """The gaps (rows of `coverage.gap_export`) that a template of the customers lacking
    values leaves out, each with ``why``: an "error" row (its values are set: the connection
    reports ERROR or FAILED) or a customer without external ID (an upload cannot match it)."""
    no_id = gaps["customer_external_id"].fillna("") == ""
    broken = ~gaps["status"].astype(str).isin([s.value for s in MISSING_ONLY])
    why = pd.Series("", index=gaps.index, dtype=object)
    why[broken] = "values set, but the connection reports an error"
    why[no_id] = "no external ID, so an upload cannot match the customer"
    return gaps[no_id | broken].assign(why=why[no_id | broken])

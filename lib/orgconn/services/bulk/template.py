"""Templates to fill in: one row per customer, one column per per-customer input.

Columns: ``external_id``, ``customer_name`` (for people; ignored on upload), then the
connection's per-customer inputs in the connection's order. Rows: every customer that has an
external ID, in the tenant's order, or with ``missing_only`` only those that lack values: no
values at all, or a required input empty. Customers without an external ID are left out, and
`left_out` says which and why (an upload reaches them by Prismatic ID in a ``customer_id``
column instead), so that no one is left out silently.
Current values of plain inputs are filled in, so a downloaded template uploads back as
"unchanged"; secret cells are always left empty (blank never changes anything on upload).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pandas as pd

from orgconn.models import Customer, CustomerValues, OrgConnection, TenantSnapshot
from orgconn.services import export
from orgconn.services.bulk.parse import CUSTOMER_NAME, EXTERNAL_ID
from orgconn.services.coverage import Status, cell_status

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


def template_bytes(frame: pd.DataFrame, fmt: TemplateFormat) -> bytes:
    """The template as a CSV (UTF-8 with BOM) or XLSX file, formulas neutralised."""
    if fmt == "xlsx":
        return export.to_xlsx_bytes(frame, sheet_name="customers")
    return export.to_csv_bytes(frame)


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

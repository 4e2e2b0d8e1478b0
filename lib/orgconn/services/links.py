"""Deep links between pages: a gap on the coverage page opens the customer-values page or a
bulk-upload template prefilled. Links are relative URLs with query parameters, so a pasted link
reproduces the view on any orgconn server.

The paths are the page files' stems (``pages/customer_values.py`` -> ``customer_values``):
Streamlit runs in its pages-directory mode, where ``/NAME`` runs ``pages/NAME.py``, and any
other path would show "Page not found"."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

import pandas as pd


def customer_values_link(tenant: str, stable_key: str, external_id: str) -> str:
    """The customer-values page for one customer and connection, prefilled."""
    return "customer_values?" + urlencode(
        {"tenant": tenant, "connection": stable_key, "customer": external_id})


def customer_values_links(frame: pd.DataFrame) -> pd.Series:
    """`customer_values_link` of every row of ``frame`` (columns tenant, stable_key,
    customer_external_id, and optionally customer_id: the Prismatic ID links a customer without
    an external ID), built column-wise: tens of thousands of gaps in milliseconds."""
    def quoted(values: pd.Series) -> pd.Series:
        values = values.astype(str)
        return values.map({v: quote_plus(v) for v in values.unique()})

    customer = frame["customer_external_id"].astype(str)
    if "customer_id" in frame.columns:
        customer = customer.where(customer != "", frame["customer_id"].astype(str))
    return ("customer_values?tenant=" + quoted(frame["tenant"]) + "&connection="
            + quoted(frame["stable_key"]) + "&customer=" + quoted(customer))


def bulk_template_link(tenant: str, stable_key: str) -> str:
    """The bulk-upload page with a template of the customers lacking values."""
    return "bulk_upload?" + urlencode(
        {"tenant": tenant, "connection": stable_key, "template": "missing"})

"""Deep links between pages: a gap on the coverage page opens the customer-values page or a
bulk-upload template prefilled. Links are relative URLs with query parameters, so a pasted link
reproduces the view on any orgconn server."""

from __future__ import annotations

from urllib.parse import urlencode


def customer_values_link(tenant: str, stable_key: str, external_id: str) -> str:
    """The customer-values page for one customer and connection, prefilled."""
    return "customer-values?" + urlencode(
        {"tenant": tenant, "connection": stable_key, "customer": external_id})


def bulk_template_link(tenant: str, stable_key: str) -> str:
    """The bulk-upload page with a template of the customers lacking values."""
    return "bulk-upload?" + urlencode(
        {"tenant": tenant, "connection": stable_key, "template": "missing"})

"""Deep links from the coverage page to the customer-values and bulk-upload pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd

from orgconn.services.links import bulk_template_link, customer_values_link, customer_values_links


def test_a_customer_values_link_carries_tenant_connection_and_customer_encoded() -> None:
    link = urlsplit(customer_values_link("us", "acme-api-key", "A&B Co/12 #1"))
    assert link.path == "customer_values"
    assert parse_qs(link.query) == {"tenant": ["us"], "connection": ["acme-api-key"],
                                    "customer": ["A&B Co/12 #1"]}


def test_links_built_column_wise_equal_the_one_by_one_links() -> None:
    gaps = pd.DataFrame({"tenant": ["us", "eu", "us"],
                         "stable_key": ["acme-api-key", "sftp drop", "acme-api-key"],
                         "customer_external_id": ["x=1&y=2", "ç ü", ""]})
    expected = [customer_values_link(t, k, e) for t, k, e in gaps.itertuples(index=False)]
    assert list(customer_values_links(gaps)) == expected


def test_a_bulk_template_link_asks_for_the_missing_customers_of_one_connection() -> None:
    query = parse_qs(urlsplit(bulk_template_link("eu", "crm-sync")).query)
    assert query == {"tenant": ["eu"], "connection": ["crm-sync"], "template": ["missing"]}

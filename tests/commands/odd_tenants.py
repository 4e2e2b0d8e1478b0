"""Tenants of unusual shapes, served to every client a command builds (MockTransport).

The sandbox always seeds at least one customer and its connections, so these shapes come
from the fake Prismatic of the client tests instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.client.fake_prismatic import FakePrismatic

URL = "https://odd.prismatic.test"


def no_connection() -> Callable[[httpx.Request], httpx.Response]:
    """Customers, but no org-activated connection (one customer-activated one)."""
    fake = FakePrismatic()
    fake.add_customer("Globex", "globex")
    fake.add_connection(key="Own", stable_key="own-key", scope="CUSTOMER", managed_by="CUSTOMER")
    return fake.handler


def no_customers() -> Callable[[httpx.Request], httpx.Response]:
    """An org-activated connection and no customer."""
    fake = FakePrismatic()
    fake.add_connection()
    return fake.handler


def empty_data(request: httpx.Request) -> httpx.Response:
    """Every query answered ``{"data": {}}``."""
    return httpx.Response(200, json={"data": {}})


SHAPES = {"no-connection": (no_connection, "has no org-activated customer connection yet"),
          "no-customers": (no_customers, "has no customers yet")}


def config(folder: Path) -> Path:
    """A configuration of tenant ``odd`` at `URL`, with a store in ``folder``."""
    path = folder / "odd.toml"
    path.write_text(f'database_url = "sqlite:///{folder / "orgconn.db"}"\n[tenants.odd]\n'
                    f'url = "{URL}"\ntoken = "odd-token-0001"\n', encoding="utf-8")
    return path

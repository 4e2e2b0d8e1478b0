"""`find_customer`: an external ID, else a Prismatic customer ID, else an exact unique name."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import pytest

from orgconn.errors import InvalidValuesError
from orgconn.models import Customer
from orgconn.services.values.form import find_customer, is_customer_id


def prismatic_id(uuid: str) -> str:
    return base64.b64encode(f"Customer:{uuid}".encode()).decode()


ALPHA = Customer(id=prismatic_id("a"), name="Alpha Inc.", external_id="alpha")
BAKERY = Customer(id=prismatic_id("b"), name="Old Mill Bakery")
TWIN_1 = Customer(id=prismatic_id("t1"), name="Twin Co")
TWIN_2 = Customer(id=prismatic_id("t2"), name="Twin Co", external_id="twin-2")


@dataclass
class Tenant:
    name: str = "us"


@dataclass
class FakeClient:
    """What `find_customer` asks of a client, over a fixed list of customers."""

    customers_: list[Customer]
    tenant: Tenant = field(default_factory=Tenant)

    def customer(self, external_id: str) -> Customer | None:
        return next((c for c in self.customers_ if c.external_id == external_id), None)

    def customer_by_id(self, customer_id: str) -> Customer | None:
        return next((c for c in self.customers_ if c.id == customer_id), None)

    def customers(self, *, name_contains: str) -> list[Customer]:
        return [c for c in self.customers_ if name_contains.lower() in c.name.lower()]


CLIENT = FakeClient([ALPHA, BAKERY, TWIN_1, TWIN_2])


@pytest.mark.parametrize(("reference", "customer"), [
    ("alpha", ALPHA), (BAKERY.id, BAKERY), ("Old Mill Bakery", BAKERY), ("twin-2", TWIN_2)])
def test_a_customer_is_found_by_external_id_then_prismatic_id_then_exact_name(
        reference: str, customer: Customer) -> None:
    assert find_customer(CLIENT, reference) == customer  # type: ignore[arg-type]


def test_a_shared_name_is_refused_listing_each_customers_prismatic_id() -> None:
    with pytest.raises(InvalidValuesError) as refused:
        find_customer(CLIENT, "Twin Co")  # type: ignore[arg-type]
    message = str(refused.value)
    assert "2 customers of tenant us are named 'Twin Co'" in message
    assert TWIN_1.id in message and TWIN_2.id in message and "no external ID" in message


def test_a_part_of_a_name_or_an_unknown_reference_is_refused_saying_what_was_tried() -> None:
    for reference in ("Old Mill", "nobody"):
        with pytest.raises(InvalidValuesError, match="external ID, Prismatic ID or name"):
            find_customer(CLIENT, reference)  # type: ignore[arg-type]


def test_only_base64_customer_ids_are_tried_as_ids() -> None:
    assert is_customer_id(BAKERY.id)
    assert not is_customer_id("Old Mill Bakery") and not is_customer_id("alpha")
    assert not is_customer_id(base64.b64encode(b"Instance:x").decode())

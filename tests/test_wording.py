"""Counts read right: one customer, two customers."""

from orgconn.wording import plural


def test_one_takes_the_singular_and_every_other_count_the_plural() -> None:
    assert plural(1, "customer") == "1 customer"
    assert plural(0, "customer") == "0 customers"
    assert plural(12_000, "row") == "12,000 rows"
    assert plural(2, "entry", "entries") == "2 entries"

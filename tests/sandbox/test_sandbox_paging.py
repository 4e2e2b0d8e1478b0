"""Relay paging as Prismatic does it: offset cursors, at most 100 a page, and an unsorted
order that is not stable."""

from __future__ import annotations

import base64
from collections.abc import Callable

from orgconn.sandbox import RunningSandbox
from tests.sandbox.sandbox_api import Api

BY_CREATED = "sortBy: [{field: CREATED_AT, direction: ASC}]"


def test_paging_every_customer_with_sortBy_visits_each_once_in_order(us: Api) -> None:
    total = us.data("{ customers { totalCount } }")["customers"]["totalCount"]
    nodes = us.all_pages("customers", "id createdAt", BY_CREATED, first=7)
    ids = [n["id"] for n in nodes]
    assert len(ids) == total == len(set(ids))
    stamps = [n["createdAt"] for n in nodes]
    assert stamps == sorted(stamps)


def test_paging_without_sortBy_returns_the_same_set_in_an_order_that_changes(us: Api) -> None:
    everyone = {n["id"] for n in us.all_pages("customers", "id", BY_CREATED)}
    orders = [[n["id"] for n in us.all_pages("customers", "id", first=10)] for _ in range(4)]
    for order in orders:
        assert set(order) == everyone and len(order) == len(everyone)
    assert len({tuple(order) for order in orders}) > 1


def test_sorting_descending_by_name_reverses_ascending(us: Api) -> None:
    query = ("{{ customers(first: 100, sortBy: [{{field: NAME, direction: {d}}}]) "
             "{{ nodes {{ name }} }} }}")
    up = [n["name"] for n in us.data(query.format(d="ASC"))["customers"]["nodes"]]
    down = [n["name"] for n in us.data(query.format(d="DESC"))["customers"]["nodes"]]
    assert up == sorted(up) and down == sorted(up, reverse=True)


def test_cursors_are_base64_offsets_and_edges_match_nodes(us: Api) -> None:
    page = us.data(f"{{ customers(first: 5, {BY_CREATED}) {{ edges {{ cursor node {{ id }} }} "
                   "nodes { id } pageInfo { startCursor endCursor hasNextPage "
                   "hasPreviousPage } } }")["customers"]
    cursors = [base64.b64decode(e["cursor"]).decode() for e in page["edges"]]
    assert cursors == [f"arrayconnection:{i}" for i in range(5)]
    assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
    info = page["pageInfo"]
    assert (info["startCursor"], info["endCursor"]) == (page["edges"][0]["cursor"],
                                                        page["edges"][-1]["cursor"])
    assert info["hasNextPage"] is True and info["hasPreviousPage"] is False


def test_last_and_before_page_backwards(us: Api) -> None:
    forward = us.data(f"{{ customers(first: 10, {BY_CREATED}) {{ edges {{ cursor node {{ id }} "
                      "} } }")["customers"]["edges"]
    backward = us.data(
        "query($b: String) { customers(last: 3, before: $b, sortBy: [{field: CREATED_AT, "
        "direction: ASC}]) { nodes { id } pageInfo { hasPreviousPage } } }",
        {"b": forward[9]["cursor"]})["customers"]
    assert [n["id"] for n in backward["nodes"]] == [e["node"]["id"] for e in forward[6:9]]
    assert backward["pageInfo"]["hasPreviousPage"] is True


def test_first_above_100_and_no_first_both_give_pages_of_100(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api]) -> None:
    api = api_for(make_sandbox(customers=150, tenants=("us",)))
    big = api.data("{ customers(first: 500) { totalCount nodes { id } pageInfo { hasNextPage } } }")
    default = api.data("{ customers { nodes { id } } }")
    assert big["customers"]["totalCount"] == 153  # 150, the system one, 2 without external ID
    assert len(big["customers"]["nodes"]) == 100 and big["customers"]["pageInfo"]["hasNextPage"]
    assert len(default["customers"]["nodes"]) == 100


def test_a_cursor_that_is_not_an_offset_is_an_error(us: Api) -> None:
    messages = us.errors('{ customers(after: "bm90LWEtY3Vyc29y") { totalCount } }')
    assert any("after" in m and "cursor" in m for m in messages)


def test_a_negative_first_is_an_error(us: Api) -> None:
    assert any("first" in m for m in us.errors("{ customers(first: -1) { totalCount } }"))


def test_paging_values_of_one_connection_sorted_by_last_configured(us: Api) -> None:
    nodes = us.all_pages(
        "customerConfigVariables", "id lastConfiguredAt",
        'scopedConfigVariable_StableKey: "sftp-drop", isTest: false, '
        "sortBy: [{field: LAST_CONFIGURED_AT, direction: DESC}]", first=6)
    stamps = [n["lastConfiguredAt"] for n in nodes]
    assert len(nodes) == len({n["id"] for n in nodes}) > 6
    assert stamps == sorted(stamps, reverse=True)


def test_unsorted_pages_skip_or_repeat_items_when_rows_change_while_paging(
        fresh_sandbox: RunningSandbox, api_for: Callable[..., Api]) -> None:
    api = api_for(fresh_sandbox)
    query = ("query($a: String) { customerConfigVariables(first: 20, after: $a, isTest: false, "
             'scopedConfigVariable_StableKey: "acme-api-key") { pageInfo { endCursor } '
             "nodes { id inputs { nodes { name value } } } } }")
    first = api.data(query)["customerConfigVariables"]
    moved = first["nodes"][0]
    inputs = [{"name": i["name"], "value": i["value"], "type": "value"}
              for i in moved["inputs"]["nodes"]]
    api.data("mutation($i: UpdateCustomerConfigVariableInput!) { updateCustomerConfigVariable("
             "input: $i) { errors { field } } }", {"i": {"id": moved["id"], "inputs": inputs}})
    rest = api.data(query, {"a": first["pageInfo"]["endCursor"]})["customerConfigVariables"]
    seen = [n["id"] for n in first["nodes"]] + [n["id"] for n in rest["nodes"]]
    assert moved["id"] in [n["id"] for n in rest["nodes"]]  # the updated row moved to the end
    assert len(seen) != len(set(seen))

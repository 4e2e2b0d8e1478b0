"""`LeanExecution` answers exactly as graphql-core's own executor: data, errors, their paths.

Each case runs one query over node dicts twice — with graphql-core's `ExecutionContext` and with
`LeanExecution` — and compares the whole formatted result; the cases cover what the short path
takes (plain leaves, objects, lists of objects) and what it must leave to graphql-core (nulls in
non-null fields, values a scalar refuses, callables, resolvers, errors inside list items).
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ExecutionContext, build_schema, execute, parse

from orgconn.sandbox.execution import LeanExecution, never

SCHEMA = build_schema("""
    enum Kind { ONE TWO }
    type Input { name: String!  hasValue: Boolean  count: Int }
    type Inputs { nodes: [Input]!  strict: [Input!]  totalCount: Int! }
    type Customer { id: ID!  name: String  kind: Kind  labels: [String] }
    type Values {
      id: ID!  status: String  customer: Customer  owner: Customer!
      inputs(first: Int): Inputs  plain: Inputs  computed: String
    }
    type Query { page: [Values]  one: Values! }
""")


def _inputs(node: Any, info: Any, first: int | None = None) -> Any:
    plain = node["plain"]
    return {**plain, "nodes": plain["nodes"][:first]}


SCHEMA.get_type("Values").fields["inputs"].resolve = _inputs  # type: ignore[union-attr]


def good_values(index: int) -> dict[str, Any]:
    """A node as the sandbox builds them, every field well formed."""
    inputs = {"nodes": [{"name": f"key{i}", "hasValue": i % 2 == 0, "count": i}
                        for i in range(3)], "strict": [{"name": "a"}], "totalCount": 3}
    return {"id": f"V{index}", "status": None if index % 2 else "ACTIVE",
            "customer": {"id": f"C{index}", "name": "Acme", "kind": "ONE", "labels": ["x"]},
            "owner": {"id": "O", "name": None}, "plain": inputs,
            "computed": lambda info, **_: f"computed {info.field_name}"}


QUERY = """query Page($first: Int) {
  page {
    id status computed __typename
    customer { id name kind labels }
    owner { id name }
    inputs(first: $first) { totalCount nodes { name hasValue count } strict { name } }
    alias: plain { nodes { name } }
  }
  one { id owner { id } }
}"""


def broken(field: str) -> dict[str, Any]:
    """A page whose second node has ``field`` made wrong (a dotted path)."""
    page = [good_values(0), good_values(1), good_values(2)]
    node: Any = page[1]
    *parents, last = field.split(".")
    for parent in parents:
        node = node[int(parent)] if parent.isdigit() else node[parent]
    node[last] = None if last in ("name", "owner", "id") else "not a number"
    return {"page": page, "one": good_values(9)}


CASES = {
    "well formed": {"page": [good_values(i) for i in range(4)], "one": good_values(9)},
    "null in a non-null leaf": broken("customer.id"),
    "null in a non-null object": broken("owner"),
    "a value the scalar refuses": broken("plain.nodes.0.count"),
    "null in a non-null item of a list": broken("plain.strict.0.name"),
    "a list item of the wrong shape": {
        "page": [good_values(0), "not a node", None], "one": good_values(9)},
    "a null non-null root": {"page": [], "one": None},
    "an enum value it does not know": broken("customer.kind"),
}


def formatted(result: Any) -> dict[str, Any]:
    return {"data": result.data, "errors": [e.formatted for e in result.errors or []]}


@pytest.mark.parametrize("case", CASES)
def test_the_lean_executor_answers_as_graphql_core_does(case: str) -> None:
    document = parse(QUERY)
    root = CASES[case]

    expected = execute(SCHEMA, document, root, variable_values={"first": 2},
                       execution_context_class=ExecutionContext)
    lean = execute(SCHEMA, document, root, variable_values={"first": 2},
                   execution_context_class=LeanExecution, is_awaitable=never)

    assert formatted(lean) == formatted(expected)
    assert bool(expected.errors) == (case != "well formed")

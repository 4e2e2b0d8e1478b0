"""The GraphQL operations orgconn sends, loaded from ``operations/*.graphql``, and `Call`.

Each operation is sent with exactly the fragments it spreads (transitively), so every file can
share fragments. Operation names are unique across the files; the tests validate every one
against Prismatic's reference schema and the sandbox's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import graphql
from graphql import FragmentDefinitionNode, FragmentSpreadNode, OperationDefinitionNode


@dataclass(frozen=True)
class Operation:
    """One named operation: its text (with its fragments) and whether it writes."""

    name: str
    document: str
    is_mutation: bool


@dataclass(frozen=True)
class Call:
    """One request to send: an operation with variables.

    Variables that are None are left out of the request, so that a filter argument is absent
    rather than ``null`` (which a server may read as "IS NULL"). ``redact`` lists secret values
    the variables carry; they are scrubbed from any error message.
    """

    operation: Operation
    variables: Mapping[str, Any] = field(default_factory=dict)
    redact: tuple[str, ...] = ()

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON body: ``query``, ``operationName`` and the non-None ``variables``."""
        variables = {k: v for k, v in self.variables.items() if v is not None}
        return {"query": self.operation.document, "operationName": self.operation.name,
                "variables": variables}


def _spreads(node: graphql.Node) -> set[str]:
    names: set[str] = set()

    class Visitor(graphql.Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    graphql.visit(node, Visitor())
    return names


@functools.cache
def operations() -> dict[str, Operation]:
    """Every operation of ``operations/*.graphql`` by name (parsed once per process)."""
    folder = resources.files("orgconn.client") / "operations"
    ops: dict[str, OperationDefinitionNode] = {}
    fragments: dict[str, FragmentDefinitionNode] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".graphql"):
            continue
        doc = graphql.parse(entry.read_text(encoding="utf-8"))
        for definition in doc.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode) and definition.name:
                if definition.name.value in ops:
                    raise RuntimeError(f"operation {definition.name.value} is defined twice")
                ops[definition.name.value] = definition
    result = {}
    for name, op in ops.items():
        needed: list[str] = []
        todo = sorted(_spreads(op))
        while todo:
            fragment = todo.pop()
            if fragment not in needed:
                needed.append(fragment)
                todo.extend(sorted(_spreads(fragments[fragment])))
        text = "\n\n".join([graphql.print_ast(op)]
                           + [graphql.print_ast(fragments[f]) for f in sorted(needed)])
        result[name] = Operation(name, text, op.operation == graphql.OperationType.MUTATION)
    return result


def operation(name: str) -> Operation:
    """The operation called ``name`` (a KeyError names a typo at once, in tests)."""
    return operations()[name]

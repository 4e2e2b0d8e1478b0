"""Which fields and arguments (with their types) an operation uses, in a given schema."""

from __future__ import annotations

from typing import Any

import graphql


def used_fields(schema: graphql.GraphQLSchema, document: graphql.DocumentNode
                ) -> set[tuple[str, str, str]]:
    """(parent type, field or ``field(arg)``, its type) for everything ``document`` selects."""
    info = graphql.TypeInfo(schema)
    found: set[tuple[str, str, str]] = set()

    class Visitor(graphql.Visitor):
        def enter_field(self, node: graphql.FieldNode, *_: Any) -> None:
            parent, field = info.get_parent_type(), info.get_field_def()
            if parent is None or field is None:
                return
            found.add((parent.name, node.name.value, str(field.type)))
            for argument in node.arguments or ():
                definition = field.args.get(argument.name.value)
                found.add((parent.name, f"{node.name.value}({argument.name.value})",
                           str(definition.type) if definition else "?"))

    graphql.visit(document, graphql.TypeInfoVisitor(info, Visitor()))
    return found

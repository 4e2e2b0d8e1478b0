"""graphql-core's executor with a short path for plain fields of node dicts: the same answers,
less work.

A page of 100 value sets is about a thousand fields, most of them read from a node dict by the
default resolver (``id``, ``status``, ``hasValue``, ``nodes``, ``pageInfo``...). graphql-core
spends ~10 µs on each (resolve info, argument values, five type checks): most of the sandbox's
time on a coverage read. `LeanExecution` completes such a field itself when nothing can differ
from graphql-core's own path — the field has no resolver and no arguments (``__typename`` and
the introspection fields have resolvers, so they never qualify), and its value is:

- null, and the field is nullable;
- a ``str``, ``int``, ``bool`` or ``float`` for a scalar or enum field, that its type
  serializes to something other than null;
- a dict for an object type without ``is_type_of``, or a list of dicts for a list of one:
  their fields are executed as graphql-core would, and an error in them is located and
  propagated (or nulled) exactly as graphql-core does.

Anything else — resolvers, callables, interfaces, nulls in non-null fields, values the scalar
refuses — goes through graphql-core's `ExecutionContext.execute_field`, errors and paths included.
Every resolver of the sandbox is synchronous: a result is never awaited here (see `never`).
"""



from __future__ import annotations

from typing import Any, NamedTuple

from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    default_field_resolver,
    is_leaf_type,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.pyutils import Path

PLAIN = frozenset({str, int, bool, float})


class Plain(NamedTuple):
    """How a plain field completes: its type, its named type, and what that is."""

    type: GraphQLOutputType
    named: Any  # a leaf type for "leaf", an object type otherwise
    kind: str  # "leaf", "object" or "objects"
    nullable: bool
    item_type: GraphQLOutputType | None = None


def never(_: Any) -> bool:
    """graphql-core's ``is_awaitable`` for a schema whose resolvers are all synchronous: it
    asks for every resolved value (a tenth of the executor's time on a page of customers)."""
    return False


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    """The type inside NonNull, and whether it was nullable."""
    if isinstance(type_, GraphQLNonNull):
        return type_.of_type, False
    return type_, True


def _is_plain_object(type_: GraphQLOutputType | GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType) and type_.is_type_of is None


class LeanExecution(ExecutionContext):
    """An execution context that completes plain fields of dict nodes directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: dict[tuple[str, str], Plain | None] = {}

    def _plan(self, parent_type: GraphQLObjectType, node: FieldNode) -> Plain | None:
        """How the field completes when it is plain (see the module), else None."""
        field = get_field_def(self.schema, parent_type, node)
        if (field is None or field.resolve is not None or field.args
                or self.field_resolver is not default_field_resolver or self.middleware_manager):
            return None
        inner, nullable = _unwrap(field.type)
        if is_leaf_type(inner):
            return Plain(field.type, inner, "leaf", nullable)
        if _is_plain_object(inner):
            return Plain(field.type, inner, "object", nullable)
        if isinstance(inner, GraphQLList):
            item = _unwrap(inner.of_type)[0]
            if _is_plain_object(item):
                return Plain(field.type, item, "objects", nullable, inner.of_type)
        return None

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any,
                       path: Path | None, fields: dict[str, list[FieldNode]]) -> Any:
        """The fields of one object: plain ones completed here, the rest as graphql-core does."""
        if type(source_value) is not dict:
            return super().execute_fields(parent_type, source_value, path, fields)
        results: dict[str, Any] = {}
        plans = self._plain
        for response_name, field_nodes in fields.items():
            name = field_nodes[0].name.value
            key = (parent_type.name, name)
            plan = plans[key] if key in plans else plans.setdefault(
                key, self._plan(parent_type, field_nodes[0]))
            if plan is not None:
                value = source_value.get(name)
                if value is None:
                    if plan.nullable:
                        results[response_name] = None
                        continue
                elif plan.kind == "leaf":
                    if type(value) in PLAIN:
                        try:
                            serialized = plan.named.serialize(value)
                        except Exception:  # graphql-core's path reports it
                            serialized = None
                        if serialized is not None and serialized is not Undefined:
                            results[response_name] = serialized
                            continue
                elif type(value) is dict if plan.kind == "object" else (
                        type(value) is list and all(type(item) is dict for item in value)):
                    results[response_name] = self._complete_plain(
                        plan, value, field_nodes, Path(path, response_name, parent_type.name))
                    continue
            result = self.execute_field(parent_type, source_value, field_nodes,
                                        Path(path, response_name, parent_type.name))
            if result is not Undefined:
                results[response_name] = result
        return results

    def _complete_plain(self, plan: Plain, value: Any, field_nodes: list[FieldNode],
                        path: Path) -> Any:
        """An object or list of objects completed as graphql-core's ``execute_field`` and
        ``complete_list_value`` would: an error is located at its item or field, nulled
        there if nullable, else raised to the parent."""
        subfields = self.collect_subfields(plan.named, field_nodes)
        try:
            if plan.kind == "object":
                return self.execute_fields(plan.named, value, path, subfields)
            items = []
            for index, item in enumerate(value):
                item_path = path.add_key(index, None)
                try:
                    items.append(self.execute_fields(plan.named, item, item_path, subfields))
                except Exception as raw_error:  # as graphql-core handles it
                    error = located_error(raw_error, field_nodes, item_path.as_list())
                    self.handle_field_error(error, plan.item_type, item_path)  # type: ignore[arg-type]
                    items.append(None)
            return items
        except Exception as raw_error:  # as graphql-core handles it
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, plan.type, path)
            return None

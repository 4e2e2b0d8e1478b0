"""graphql-core's executor with a short path for plain objects and fields: the same answers,
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
- a dict for an object type without ``is_type_of``, or a list of dicts for a list of one.

A field with a resolver runs as in graphql-core (its argument values computed once per request
and field node: the variables do not change during a request), and a dict or list of dicts it
returns for such a type is completed the same way. Their fields are executed as graphql-core
would, and an error in them is located and propagated (or nulled) exactly as graphql-core does.
Anything else — callables, interfaces, nulls in non-null fields, values a scalar refuses, lists
holding something else — goes through graphql-core's `ExecutionContext`, errors and paths
included. Every resolver of the sandbox is synchronous: a result is never awaited (see `never`).
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
    default_field_resolver,
    is_leaf_type,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path

PLAIN = frozenset({str, int, bool, float})


class Shape(NamedTuple):
    """How a value of one output type completes on the short path."""

    named: Any  # the leaf type ("leaf") or the object type ("object", "objects")
    kind: str  # "leaf", "object" or "objects"
    nullable: bool
    item_type: Any = None  # "objects": the type of an item (NonNull or not)


class Plain(NamedTuple):
    """A field the default resolver reads from a dict, without arguments."""

    type: GraphQLOutputType
    shape: Shape


def never(_: Any) -> bool:
    """graphql-core's ``is_awaitable`` for a schema whose resolvers are all synchronous: it
    asks for every resolved value (a tenth of the executor's time on a page of customers)."""
    return False


def shape_of(type_: GraphQLOutputType) -> Shape | None:
    """The short path of values of ``type_``, or None where graphql-core's must run."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if is_leaf_type(inner):
        return Shape(inner, "leaf", nullable)
    if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
        return Shape(inner, "object", nullable)
    if isinstance(inner, GraphQLList):
        item = inner.of_type
        named = item.of_type if isinstance(item, GraphQLNonNull) else item
        if isinstance(named, GraphQLObjectType) and named.is_type_of is None:
            return Shape(named, "objects", nullable, item)
    return None


Plans = tuple[dict[tuple[str, str], "Plain | None"], dict[int, "Shape | None"]]
_PLANS: weakref.WeakKeyDictionary[GraphQLSchema, Plans] = weakref.WeakKeyDictionary()


def _plans(schema: GraphQLSchema) -> Plans:
    """The plans of a schema's fields and shapes of its types, shared by every request (they
    depend on the schema alone when the default resolver and no middleware run)."""
    return _PLANS.setdefault(schema, ({}, {}))


class LeanExecution(ExecutionContext):
    """An execution context that completes plain objects and fields of dict nodes directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain = self.field_resolver is default_field_resolver and not self.middleware_manager
        self._plain, self._shapes = _plans(self.schema) if plain else ({}, {})
        self._arguments: dict[int, dict[str, Any]] = {}  # the variables' values: per request

    def _plan(self, parent_type: GraphQLObjectType, node: FieldNode) -> Plain | None:
        """How the field completes when the default resolver reads it (see the module)."""
        field = get_field_def(self.schema, parent_type, node)
        if (field is None or field.resolve is not None or field.args
                or self.field_resolver is not default_field_resolver or self.middleware_manager):
            return None  # (then the plans are this request's own: see `__init__`)
        shape = shape_of(field.type)
        return None if shape is None else Plain(field.type, shape)

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
                shape = plan.shape
                if value is None:
                    if shape.nullable:
                        results[response_name] = None
                        continue
                elif shape.kind == "leaf":
                    if type(value) in PLAIN:
                        try:
                            serialized = shape.named.serialize(value)
                        except Exception:  # graphql-core's path reports it
                            serialized = None
                        if serialized is not None and serialized is not Undefined:
                            results[response_name] = serialized
                            continue
                elif self._fits(shape, value):
                    field_path = Path(path, response_name, parent_type.name)
                    try:
                        results[response_name] = self._complete_shaped(
                            shape, value, field_nodes, field_path)
                    except Exception as raw_error:  # as graphql-core's execute_field
                        error = located_error(raw_error, field_nodes, field_path.as_list())
                        self.handle_field_error(error, plan.type, field_path)
                        results[response_name] = None
                    continue
            result = self.execute_field(parent_type, source_value, field_nodes,
                                        Path(path, response_name, parent_type.name))
            if result is not Undefined:
                results[response_name] = result
        return results

    def execute_field(self, parent_type: GraphQLObjectType, source: Any,
                      field_nodes: list[FieldNode], path: Path) -> Any:
        """graphql-core's ``execute_field`` for synchronous resolvers, with each field node's
        argument values computed once per request (the variables do not change during it)."""
        field = get_field_def(self.schema, parent_type, field_nodes[0])
        if not field or self.middleware_manager:
            return super().execute_field(parent_type, source, field_nodes, path)
        return_type = field.type
        info = self.build_resolve_info(field, field_nodes, parent_type, path)
        try:
            key = id(field_nodes[0])
            args = self._arguments.get(key)
            if args is None:
                args = self._arguments.setdefault(
                    key, get_argument_values(field, field_nodes[0], self.variable_values))
            result = (field.resolve or self.field_resolver)(source, info, **args)
            return self.complete_value(return_type, field_nodes, info, path, result)
        except Exception as raw_error:  # as graphql-core's execute_field
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, return_type, path)
            return None

    def complete_value(self, return_type: GraphQLOutputType, field_nodes: list[FieldNode],
                       info: GraphQLResolveInfo, path: Path, result: Any) -> Any:
        """A resolver's dict (or list of dicts) for a plain object type completed here; any
        other value as graphql-core completes it."""
        key = id(return_type)
        shapes = self._shapes
        shape = shapes[key] if key in shapes else shapes.setdefault(key, shape_of(return_type))
        if shape is not None and shape.kind != "leaf" and self._fits(shape, result):
            return self._complete_shaped(shape, result, field_nodes, path)
        return super().complete_value(return_type, field_nodes, info, path, result)

    @staticmethod
    def _fits(shape: Shape, value: Any) -> bool:
        """Whether ``value`` is a dict ("object") or a list of dicts ("objects")."""
        if shape.kind == "object":
            return type(value) is dict
        return type(value) is list and all(type(item) is dict for item in value)

    def _complete_shaped(self, shape: Shape, value: Any, field_nodes: list[FieldNode],
                         path: Path) -> Any:
        """A dict's or a list of dicts' fields, as graphql-core's ``complete_object_value``
        and ``complete_list_value`` would (an item's error nulled there if it is nullable,
        else raised to the field)."""
        subfields = self.collect_subfields(shape.named, field_nodes)
        if shape.kind == "object":
            return self.execute_fields(shape.named, value, path, subfields)
        items = []
        for index, item in enumerate(value):
            item_path = path.add_key(index, None)
            try:
                items.append(self.execute_fields(shape.named, item, item_path, subfields))
            except Exception as raw_error:  # as graphql-core's complete_list_value
                error = located_error(raw_error, field_nodes, item_path.as_list())
                self.handle_field_error(error, shape.item_type, item_path)
                items.append(None)
        return items

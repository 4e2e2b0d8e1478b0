"""The sandbox serves a strict subset of Prismatic's reference schema."""

from __future__ import annotations

from pathlib import Path

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)

from orgconn.sandbox.schema import SCHEMA_PATH


def load(path: Path) -> GraphQLSchema:
    return graphql.build_schema(path.read_text(encoding="utf-8"))


def own_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {n: t for n, t in schema.type_map.items() if not n.startswith("__")}


def subset_problems(sandbox: GraphQLSchema, reference: GraphQLSchema) -> list[str]:
    """Every way ``sandbox`` is not a subset of ``reference`` (empty when it is one)."""
    problems: list[str] = []
    for name, ours in own_types(sandbox).items():
        theirs = reference.get_type(name)
        if theirs is None or type(theirs) is not type(ours):
            problems.append(f"type {name} is absent or of another kind in the reference")
            continue
        if isinstance(ours, GraphQLEnumType):
            assert isinstance(theirs, GraphQLEnumType)
            problems += [f"enum value {name}.{v} is not in the reference"
                         for v in ours.values if v not in theirs.values]
        elif isinstance(ours, (GraphQLObjectType, GraphQLInterfaceType)):
            assert isinstance(theirs, (GraphQLObjectType, GraphQLInterfaceType))
            for fname, field in ours.fields.items():
                ref_field = theirs.fields.get(fname)
                if ref_field is None or str(ref_field.type) != str(field.type):
                    problems.append(f"field {name}.{fname}: {field.type} differs from the "
                                    f"reference's {ref_field and ref_field.type}")
                    continue
                for aname, arg in field.args.items():
                    ref_arg = ref_field.args.get(aname)
                    if ref_arg is None or str(ref_arg.type) != str(arg.type):
                        problems.append(f"argument {name}.{fname}({aname}) differs")
                for aname, ref_arg in ref_field.args.items():
                    if graphql.is_required_argument(ref_arg) and aname not in field.args:
                        problems.append(f"required argument {name}.{fname}({aname}) is missing")
            ours_ifaces = {i.name for i in getattr(ours, "interfaces", [])}
            theirs_ifaces = {i.name for i in getattr(theirs, "interfaces", [])}
            problems += [f"{name} implements {i}, the reference does not"
                         for i in ours_ifaces - theirs_ifaces]
        elif isinstance(ours, GraphQLInputObjectType):
            assert isinstance(theirs, GraphQLInputObjectType)
            for fname, field in ours.fields.items():
                ref_field = theirs.fields.get(fname)
                if ref_field is None or str(ref_field.type) != str(field.type):
                    problems.append(f"input field {name}.{fname} differs from the reference")
            for fname, ref_field in theirs.fields.items():
                if graphql.is_required_input_field(ref_field) and fname not in ours.fields:
                    problems.append(f"required input field {name}.{fname} is missing")
        else:
            assert isinstance(ours, GraphQLScalarType)
    for root in ("query_type", "mutation_type"):
        ours_root, theirs_root = getattr(sandbox, root), getattr(reference, root)
        if (ours_root and ours_root.name) != (theirs_root and theirs_root.name):
            problems.append(f"the {root} is named differently")
    return problems


def test_every_type_field_argument_and_enum_value_exists_in_the_reference(
        reference_schema: Path) -> None:
    assert subset_problems(load(SCHEMA_PATH), load(reference_schema)) == []


def test_the_subset_check_notices_an_invented_field_and_a_missing_required_argument(
        reference_schema: Path, tmp_path: Path) -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    broken = text.replace("  externalId: String\n", "  externalId: String\n  nickname: String\n", 1)
    broken = broken.replace("customer(id: ID!): Customer", "customer: Customer", 1)
    path = tmp_path / "broken.graphql"
    path.write_text(broken, encoding="utf-8")
    problems = subset_problems(load(path), load(reference_schema))
    assert any("Customer.nickname" in p for p in problems)
    assert any("RootQuery.customer(id)" in p for p in problems)


def test_the_schema_covers_what_orgconn_needs() -> None:
    schema = load(SCHEMA_PATH)
    query, mutation = schema.query_type, schema.mutation_type
    assert query is not None and mutation is not None
    assert {"authenticatedUser", "customers", "customer", "scopedConfigVariables",
            "scopedConfigVariable", "customerConfigVariables", "customerConfigVariable",
            "components"} <= set(query.fields)
    assert {f"{verb}{obj}" for verb in ("create", "update", "delete")
            for obj in ("CustomerConfigVariable", "ScopedConfigVariable")} <= set(mutation.fields)

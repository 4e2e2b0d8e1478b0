"""The executable schema: ``schema.graphql`` (a generated subset of Prismatic's) + resolvers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ariadne import load_schema_from_path, make_executable_schema
from graphql import GraphQLSchema

from orgconn.sandbox.resolvers import BINDABLES

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")


@cache
def executable_schema() -> GraphQLSchema:
    """The sandbox's schema with every resolver bound (built once per process)."""
    return make_executable_schema(load_schema_from_path(str(SCHEMA_PATH)), *BINDABLES)

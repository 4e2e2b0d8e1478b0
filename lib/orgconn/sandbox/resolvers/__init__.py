"""Ariadne bindables, one module per GraphQL type (plus the roots and the scalars)."""

from __future__ import annotations

from typing import Any

from orgconn.sandbox.resolvers.component import component, connection
from orgconn.sandbox.resolvers.customer_config_variable import customer_config_variable
from orgconn.sandbox.resolvers.instance import customer, instance
from orgconn.sandbox.resolvers.mutation import mutation
from orgconn.sandbox.resolvers.query import query
from orgconn.sandbox.resolvers.scalars import SCALARS
from orgconn.sandbox.resolvers.scoped_config_variable import scoped_config_variable

BINDABLES: list[Any] = [
    query, mutation, scoped_config_variable, customer_config_variable, instance, component,
    connection, customer, *SCALARS,
]

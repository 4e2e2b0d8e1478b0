"""``ScopedConfigVariable`` fields that reach other objects."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from orgconn.sandbox import queries
from orgconn.sandbox.context import Info
from orgconn.sandbox.instances import instances_page
from orgconn.sandbox.relay import in_memory_connection

scoped_config_variable = ObjectType("ScopedConfigVariable")


@scoped_config_variable.field("connection")
def resolve_connection(scv: dict[str, Any], info: Info) -> Any:
    """The component connection the variable is an instance of."""
    return info.context.catalog.connections.get(scv["_connection_id"])


@scoped_config_variable.field("customer")
def resolve_customer(scv: dict[str, Any], info: Info) -> Any:
    """The customer that owns the variable, or None for the organization's own."""
    return queries.customer_by_id(info.context, scv["_customer_id"])


@scoped_config_variable.field("inputs")
def resolve_inputs(scv: dict[str, Any], info: Info, **args: Any) -> Any:
    """Every input as an expression: global values, and per-customer inputs (no value)."""
    return in_memory_connection(info.context.scv_inputs.get(scv["_id"], []), args)


@scoped_config_variable.field("customerConfigVariables")
def resolve_values(scv: dict[str, Any], info: Info, **args: Any) -> Any:
    """Customers' values of this variable, paged like the root field."""
    return queries.ccvs_page(info.context, args, scv_id=scv["_id"])


@scoped_config_variable.field("isInUse")
def resolve_is_in_use(scv: dict[str, Any], info: Info) -> bool:
    """Whether any instance uses this variable (its integration does), values or not."""
    return info.context.scv_usage.get(scv["_id"], (0, 0))[0] > 0


@scoped_config_variable.field("hasDeployedInstances")
def resolve_has_deployed(scv: dict[str, Any], info: Info) -> bool:
    """Whether a deployed instance uses this variable (its integration does), values or not."""
    return info.context.scv_usage.get(scv["_id"], (0, 0))[1] > 0


@scoped_config_variable.field("allowRemove")
def resolve_allow_remove(scv: dict[str, Any], info: Info) -> bool:
    """Deletion is refused while deployed instances use the variable."""
    return not resolve_has_deployed(scv, info)


@scoped_config_variable.field("instances")
def resolve_instances(scv: dict[str, Any], info: Info, **args: Any) -> Any:
    """Instances whose integration uses this variable, whether or not their customer has
    values; ``customer:``, ``enabled:``, ``inFailedState:``... filter them."""
    return instances_page(info.context, args, scv_id=scv["_id"])


@scoped_config_variable.field("integrations")
def resolve_integrations(scv: dict[str, Any], info: Info, **args: Any) -> Any:
    """The integrations that use this variable."""
    return in_memory_connection(info.context.integrations.of_scv.get(scv["_id"], []), args)

"""``CustomerConfigVariable`` fields, served from the page's `CcvBatch`."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from orgconn.sandbox.context import Info
from orgconn.sandbox.relay import in_memory_connection

customer_config_variable = ObjectType("CustomerConfigVariable")


@customer_config_variable.field("customer")
def resolve_customer(ccv: dict[str, Any], _: Info) -> Any:
    """The customer whose values these are (null for test credentials)."""
    if ccv["_customer_id"] is None:
        return None
    return ccv["_batch"].customers.get(ccv["_customer_id"])


@customer_config_variable.field("scopedConfigVariable")
def resolve_scv(ccv: dict[str, Any], info: Info) -> Any:
    """The connection these values are for."""
    return info.context.scvs()[ccv["_scv_id"]]


@customer_config_variable.field("inputs")
def resolve_inputs(ccv: dict[str, Any], _: Info, **args: Any) -> Any:
    """The per-customer values that are set (inputs left out have no value)."""
    return in_memory_connection(ccv["_batch"].inputs.get(ccv["_id"], []), args)


@customer_config_variable.field("instances")
def resolve_instances(ccv: dict[str, Any], _: Info, **args: Any) -> Any:
    """The customer's instances that use these values."""
    return in_memory_connection(ccv["_batch"].instances.get(ccv["_id"], []), args)


@customer_config_variable.field("isInUse")
def resolve_is_in_use(ccv: dict[str, Any], _: Info) -> bool:
    """Whether any instance uses these values."""
    return bool(ccv["_batch"].instances.get(ccv["_id"]))


@customer_config_variable.field("hasDeployedInstances")
def resolve_has_deployed(ccv: dict[str, Any], _: Info) -> bool:
    """Whether a deployed instance uses these values (then they cannot be deleted)."""
    return any(i["_deployed"] for i in ccv["_batch"].instances.get(ccv["_id"], []))


@customer_config_variable.field("allowRemove")
def resolve_allow_remove(ccv: dict[str, Any], info: Info) -> bool:
    """Deletion is refused while deployed instances use the values."""
    return not resolve_has_deployed(ccv, info)


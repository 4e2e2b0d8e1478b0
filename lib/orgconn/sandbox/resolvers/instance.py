"""``Instance``, ``Integration`` and ``Customer.instances``: what uses org-activated connections."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from orgconn.sandbox.context import Info
from orgconn.sandbox.instances import instances_page

instance = ObjectType("Instance")
customer = ObjectType("Customer")


@instance.field("customer")
def resolve_instance_customer(node: dict[str, Any], _: Info) -> Any:
    """The instance's customer (loaded with the instance's page)."""
    return node["_batch"].customers.get(node["_customer_id"])


@instance.field("integration")
def resolve_instance_integration(node: dict[str, Any], info: Info, **_: Any) -> Any:
    """The integration the instance deploys."""
    return info.context.integrations.by_id[node["_integration_id"]]


@customer.field("instances")
def resolve_customer_instances(node: dict[str, Any], info: Info, **args: Any) -> Any:
    """The customer's instances, filtered and paged (one query per customer: read instances of
    many customers through ``ScopedConfigVariable.instances`` instead)."""
    return instances_page(info.context, args, customer_id=node["_id"])

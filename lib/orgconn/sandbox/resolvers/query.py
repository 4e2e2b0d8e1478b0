"""Root query fields."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from orgconn.sandbox import queries
from orgconn.sandbox.context import Info
from orgconn.sandbox.relay import encode_id
from orgconn.sandbox.seed import stable_uuid, tenant_id

query = ObjectType("RootQuery")
ORG_NAME = "Acme SaaS"


@query.field("authenticatedUser")
def resolve_authenticated_user(_: Any, info: Info) -> dict[str, Any]:
    """The sandbox's one user, an org admin of "Acme SaaS"."""
    tenant = info.context.tenant
    return {
        "id": encode_id("User", stable_uuid("user", tenant)),
        "email": "sandbox-admin@acme-saas.example", "name": "Sandbox Admin",
        "tenantId": tenant_id(tenant),
        "org": {"id": encode_id("Organization", stable_uuid("org", tenant)), "name": ORG_NAME},
        "customer": None,  # an org user; a customer user would have no org
    }


@query.field("customers")
def resolve_customers(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    """Customers, filtered and paged."""
    return queries.customers_page(info.context, args)


@query.field("customer")
def resolve_customer(_: Any, info: Info, id: str) -> Any:
    """One customer by ID."""
    return queries.one(info.context, "Customer", id, "customer")


@query.field("scopedConfigVariables")
def resolve_scvs(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    """Connections (scoped config variables), filtered and paged."""
    return queries.scvs_page(info.context, args)


@query.field("scopedConfigVariable")
def resolve_scv(_: Any, info: Info, id: str) -> Any:
    """One scoped config variable by ID."""
    return queries.one(info.context, "ScopedConfigVariable", id, "scv")


@query.field("customerConfigVariables")
def resolve_ccvs(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    """Customers' values (and test credentials), filtered and paged."""
    return queries.ccvs_page(info.context, args)


@query.field("customerConfigVariable")
def resolve_ccv(_: Any, info: Info, id: str) -> Any:
    """One customer config variable by ID."""
    return queries.one(info.context, "CustomerConfigVariable", id, "ccv")


@query.field("components")
def resolve_components(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    """Components, filtered and paged."""
    return queries.components_page(info.context, args)


@query.field("component")
def resolve_component(_: Any, info: Info, id: str) -> Any:
    """One component by ID."""
    return queries.one(info.context, "Component", id, "component")

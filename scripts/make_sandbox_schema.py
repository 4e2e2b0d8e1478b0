#!/usr/bin/env python3
"""Carve the sandbox's schema.graphql out of Prismatic's reference schema.

    python scripts/make_sandbox_schema.py ../shared/reference/prismatic-schema.graphql \
        > lib/orgconn/sandbox/schema.graphql

The sandbox serves a strict subset of the reference: every type, field and argument below
is copied with the reference's own type and nullability, nothing is invented. Edit KEEP to
serve more, re-run, and commit the output; tests/sandbox/test_schema_subset.py proves the
subset property against the reference whenever ../shared is present.
"""

from __future__ import annotations

import sys

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

PAGED = ["after", "before", "first", "last", "offset"]

# type name -> {field name: [argument names]} ; an input or enum type -> None (kept whole)
KEEP: dict[str, dict[str, list[str]] | None] = {
    "RootQuery": {
        "authenticatedUser": [],
        "customers": [
            *PAGED,
            "externalId",
            "isSystem",
            "name",
            "name_Icontains",
            "labels_Contains",
            "labels_Icontains",
            "sortBy",
            "orderBy",
            "createdAt_Gte",
            "createdAt_Lte",
        ],
        "customer": ["id"],
        "scopedConfigVariables": [
            *PAGED,
            "stableKey",
            "stableKey_In",
            "key",
            "key_Icontains",
            "managedBy",
            "variableScope",
            "status",
            "status_In",
            "id_In",
            "includeCustomer",
            "sortBy",
            "orderBy",
        ],
        "scopedConfigVariable": ["id"],
        "customerConfigVariables": [
            *PAGED,
            "scopedConfigVariable",
            "scopedConfigVariable_StableKey",
            "scopedConfigVariable_ManagedBy",
            "scopedConfigVariable_VariableScope",
            "customer",
            "isTest",
            "status",
            "status_In",
            "id_In",
            "sortBy",
            "orderBy",
        ],
        "customerConfigVariable": ["id"],
        "components": [
            *PAGED,
            "key",
            "key_In",
            "label_Icontains",
            "hasConnections",
            "allVersions",
            "filterQuery",
            "sortBy",
            "orderBy",
        ],
        "component": ["id"],
    },
    "RootMutation": {
        "createCustomerConfigVariable": ["input"],
        "updateCustomerConfigVariable": ["input"],
        "deleteCustomerConfigVariable": ["input"],
        "createScopedConfigVariable": ["input"],
        "updateScopedConfigVariable": ["input"],
        "deleteScopedConfigVariable": ["input"],
    },
    "Node": {"id": []},
    "User": {"id": [], "email": [], "name": [], "tenantId": [], "org": [], "customer": []},
    "Organization": {"id": [], "name": []},
    "Customer": {
        "id": [],
        "name": [],
        "description": [],
        "externalId": [],
        "labels": [],
        "createdAt": [],
        "updatedAt": [],
    },
    "CustomerConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "CustomerEdge": {"node": [], "cursor": []},
    "ScopedConfigVariable": {
        "id": [],
        "key": [],
        "stableKey": [],
        "description": [],
        "variableScope": [],
        "managedBy": [],
        "status": [],
        "connection": [],
        "inputs": PAGED,
        "meta": [],
        "customerConfigVariables": [*PAGED, "customer", "isTest", "status", "sortBy"],
        "isInUse": [],
        "hasDeployedInstances": [],
        "lastConfiguredAt": [],
        "allowUpdate": [],
        "allowRemove": [],
        "customer": [],
        "defaultForComponent": [],
    },
    "ScopedConfigVariableConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "ScopedConfigVariableEdge": {"node": [], "cursor": []},
    "CustomerConfigVariable": {
        "id": [],
        "customer": [],
        "scopedConfigVariable": [],
        "isTest": [],
        "status": [],
        "inputs": PAGED,
        "meta": [],
        "lastConfiguredAt": [],
        "isInUse": [],
        "hasDeployedInstances": [],
        "instances": PAGED,
        "allowUpdate": [],
        "allowRemove": [],
    },
    "CustomerConfigVariableConnection": {
        "nodes": [],
        "edges": [],
        "pageInfo": [],
        "totalCount": [],
    },
    "CustomerConfigVariableEdge": {"node": [], "cursor": []},
    "Instance": {"id": [], "name": [], "enabled": [], "customer": []},
    "InstanceConnection": {"nodes": [], "pageInfo": [], "totalCount": []},
    "Expression": {"id": [], "name": [], "type": [], "value": [], "hasValue": [], "meta": []},
    "ExpressionConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "ExpressionEdge": {"node": [], "cursor": []},
    "Component": {
        "id": [],
        "key": [],
        "label": [],
        "description": [],
        "public": [],
        "connections": [*PAGED, "key", "sortBy"],
        "category": [],
        "customer": [],
        "versionNumber": [],
        "versionCreatedAt": [],
    },
    "ComponentConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "ComponentEdge": {"node": [], "cursor": []},
    "Connection": {
        "id": [],
        "key": [],
        "label": [],
        "comments": [],
        "component": [],
        "oauth2Type": [],
        "inputs": [*PAGED, "key", "shown"],
    },
    "ConnectionConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "ConnectionEdge": {"node": [], "cursor": []},
    "InputField": {
        "id": [],
        "key": [],
        "label": [],
        "type": [],
        "required": [],
        "shown": [],
        "default": [],
        "comments": [],
        "placeholder": [],
        "example": [],
        "language": [],
    },
    "InputFieldConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "InputFieldEdge": {"node": [], "cursor": []},
    "PageInfo": {"hasNextPage": [], "hasPreviousPage": [], "startCursor": [], "endCursor": []},
    "ErrorType": {"field": [], "messages": []},
    "CreateCustomerConfigVariablePayload": {
        "customerConfigVariable": [],
        "errors": [],
        "clientMutationId": [],
    },
    "UpdateCustomerConfigVariablePayload": {
        "customerConfigVariable": [],
        "errors": [],
        "clientMutationId": [],
    },
    "DeleteCustomerConfigVariablePayload": {
        "customerConfigVariable": [],
        "errors": [],
        "clientMutationId": [],
    },
    "CreateScopedConfigVariablePayload": {
        "scopedConfigVariable": [],
        "errors": [],
        "clientMutationId": [],
    },
    "UpdateScopedConfigVariablePayload": {
        "scopedConfigVariable": [],
        "errors": [],
        "clientMutationId": [],
    },
    "DeleteScopedConfigVariablePayload": {
        "scopedConfigVariable": [],
        "errors": [],
        "clientMutationId": [],
    },
}
# input types are trimmed to these fields (the rest of the reference's input fields are optional
# there, so a subset stays a valid subset for every operation the sandbox accepts)
KEEP_INPUT: dict[str, list[str]] = {
    "CreateCustomerConfigVariableInput": [
        "scopedConfigVariable",
        "customer",
        "isTest",
        "inputs",
        "clientMutationId",
    ],
    "UpdateCustomerConfigVariableInput": ["id", "inputs", "redeploy", "clientMutationId"],
    "DeleteCustomerConfigVariableInput": ["id", "clientMutationId"],
    "CreateScopedConfigVariableInput": [
        "key",
        "stableKey",
        "variableScope",
        "managedBy",
        "connection",
        "description",
        "inputs",
        "customer",
        "clientMutationId",
    ],
    "UpdateScopedConfigVariableInput": [
        "id",
        "key",
        "description",
        "inputs",
        "redeploy",
        "defaultForComponent",
        "clientMutationId",
    ],
    "DeleteScopedConfigVariableInput": ["id", "clientMutationId"],
    "InputExpression": ["name", "type", "value", "meta"],
}

# What uses org-activated connections (issue 15): integrations and customers' instances of them,
# merged into KEEP (kept apart so that other additions to KEEP stay independent of these).
_INSTANCE_FILTERS = [*PAGED, "integration", "enabled", "inFailedState", "needsDeploy", "sortBy"]
KEEP_INSTANCES: dict[str, dict[str, list[str]]] = {
    "ScopedConfigVariable": {"instances": [*_INSTANCE_FILTERS, "customer"],
                             "integrations": PAGED},
    "Customer": {"instances": _INSTANCE_FILTERS},
    "Instance": {"inFailedState": [], "needsDeploy": [], "lastDeployedAt": [],
                 "createdAt": [], "updatedAt": [], "integration": []},
    "InstanceConnection": {"edges": []},
    "InstanceEdge": {"node": [], "cursor": []},
    "Integration": {"id": [], "name": [], "description": [], "category": [],
                    "versionNumber": [], "createdAt": [], "updatedAt": []},
    "IntegrationConnection": {"nodes": [], "edges": [], "pageInfo": [], "totalCount": []},
    "IntegrationEdge": {"node": [], "cursor": []},
}
for _type, _fields in KEEP_INSTANCES.items():
    _kept = KEEP.setdefault(_type, {})
    assert _kept is not None
    _kept.update(_fields)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as reference:
        ref = graphql.build_schema(reference.read())
    out: list[str] = []
    needed: set[str] = set()

    def note(t: object) -> None:
        needed.add(get_named_type(t).name)  # type: ignore[arg-type]

    for name, fields in KEEP.items():
        t = ref.get_type(name)
        assert isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)), name
        assert fields is not None
        kind = "interface" if isinstance(t, GraphQLInterfaceType) else "type"
        impl = ""
        if isinstance(t, GraphQLObjectType) and t.interfaces:
            kept = [i.name for i in t.interfaces if i.name in KEEP]
            impl = f" implements {' & '.join(kept)}" if kept else ""
        lines = [f"{kind} {name}{impl} {{"]
        for fname, args in fields.items():
            f = t.fields[fname]
            note(f.type)
            arg_txt = ""
            if args:
                parts = []
                for a in args:
                    if a in PAGED and a not in f.args:
                        continue  # not every paged field takes every paging argument
                    at = f.args[a]
                    note(at.type)
                    parts.append(f"{a}: {at.type}")
                arg_txt = "(" + ", ".join(parts) + ")"
            lines.append(f"  {fname}{arg_txt}: {f.type}")
        lines.append("}")
        out.append("\n".join(lines))

    done: set[str] = set(KEEP)
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    while needed - done - builtin:
        name = sorted(needed - done - builtin)[0]
        done.add(name)
        t = ref.get_type(name)
        if isinstance(t, GraphQLScalarType):
            out.append(f"scalar {name}")
        elif isinstance(t, GraphQLEnumType):
            out.append(f"enum {name} {{\n" + "\n".join(f"  {v}" for v in t.values) + "\n}")
        elif isinstance(t, GraphQLInputObjectType):
            keep = KEEP_INPUT.get(name, list(t.fields))
            lines = [f"input {name} {{"]
            for fname in keep:
                f = t.fields[fname]
                note(f.type)
                lines.append(f"  {fname}: {f.type}")
            lines.append("}")
            out.append("\n".join(lines))
        else:
            raise SystemExit(f"{name} is needed but not listed in KEEP")
    print("# Generated by scripts/make_sandbox_schema.py from Prismatic's reference schema:")
    print("# a strict subset (same names, types and nullability). Do not edit by hand.\n")
    print("schema {\n  query: RootQuery\n  mutation: RootMutation\n}\n")
    print("\n\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])

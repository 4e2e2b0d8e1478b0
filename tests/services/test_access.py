"""Roles and the checks every write goes through."""

from __future__ import annotations

import pytest

from orgconn.errors import OrgconnError
from orgconn.services.access import (
    AccessDenied,
    Action,
    Actor,
    Role,
    require,
    require_typed_confirmation,
    role_for,
)

VALUES = {Action.CREATE_CUSTOMER_VALUES, Action.UPDATE_CUSTOMER_VALUES,
          Action.DELETE_CUSTOMER_VALUES, Action.SET_TEST_CREDENTIALS}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, set()),
        (Role.EDITOR, {*VALUES}),
        (Role.OPERATOR, {*VALUES, Action.BULK_APPLY}),
        (Role.ADMIN, set(Action)),
    ],
)
def test_each_role_may_make_exactly_its_writes(role: Role, allowed: set[Action]) -> None:
    actor = Actor("pat@example.com", role)
    for action in Action:
        if action in allowed:
            require(actor, action)
        else:
            with pytest.raises(AccessDenied, match=action.least_role.name.lower()):
                require(actor, action)


def test_the_highest_role_among_email_domain_and_groups_wins() -> None:
    mapping = {"@acme.example": "viewer", "ops": "operator", "boss@acme.example": "admin"}
    assert role_for("pat@acme.example", (), mapping, "viewer") is Role.VIEWER
    assert role_for("pat@acme.example", ("ops",), mapping, "viewer") is Role.OPERATOR
    assert role_for("Boss@Acme.example", ("ops",), mapping, "viewer") is Role.ADMIN
    assert role_for(None, (), mapping, "editor") is Role.EDITOR


def test_an_unknown_role_name_says_which_names_exist() -> None:
    with pytest.raises(ValueError, match="viewer, editor, operator, admin"):
        Role.parse("superuser")


def test_a_protected_tenant_needs_its_name_typed_exactly() -> None:
    require_typed_confirmation("us", protected=False, typed=None)
    require_typed_confirmation("us", protected=True, typed=" us ")
    for typed in (None, "", "US", "eu"):
        with pytest.raises(AccessDenied, match="type its name"):
            require_typed_confirmation("us", protected=True, typed=typed)


def test_a_refusal_is_an_orgconn_error_so_pages_and_the_cli_catch_it_with_the_others() -> None:
    with pytest.raises(OrgconnError) as refused:
        require(Actor("val@example.com", Role.VIEWER), Action.BULK_APPLY)
    assert isinstance(refused.value, AccessDenied)
    assert "to apply a bulk upload you need the operator role" in str(refused.value)


def test_every_action_is_a_snake_case_audit_value_with_a_role_and_words() -> None:
    for action in Action:
        assert action.value == action.name.lower()
        assert action.least_role in Role and action.phrase

"""Who may do what: roles, the acting user, and the checks every write goes through.

Roles are ordered: a viewer looks (coverage, comparison, rollout, audit); an editor also
changes one customer's values and test credentials; an operator also runs bulk uploads; an
admin also manages connection definitions, rollout targets and sync plans.

`services.audit.audited_write`, the one write path, calls :func:`require` before any write,
whatever the UI shows, so a page that forgot to hide a button still cannot write. Protected
tenants additionally need their name typed in (:func:`require_typed_confirmation`). A refusal
raises `orgconn.errors.AccessDenied` (re-exported here), an `OrgconnError`.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from orgconn.errors import AccessDenied

__all__ = ["LEAST_ROLE", "AccessDenied", "Action", "Actor", "Role", "local_actor", "require",
           "require_typed_confirmation", "role_for"]


class Role(IntEnum):
    """A user's role; a higher role can do everything a lower one can."""

    VIEWER = 1
    EDITOR = 2
    OPERATOR = 3
    ADMIN = 4

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named by ``text`` (case-insensitive); ValueError naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {text!r}: use one of {choices}") from None


class Action(StrEnum):
    """Every kind of write orgconn makes: what the role check asks and what the audit row stores.

    The value is the audit log's ``action`` column (snake_case, as in rows written before this
    vocabulary was one); `phrase` says it in words for messages.
    """

    CREATE_CUSTOMER_VALUES = "create_customer_values"
    UPDATE_CUSTOMER_VALUES = "update_customer_values"
    DELETE_CUSTOMER_VALUES = "delete_customer_values"
    SET_TEST_CREDENTIALS = "set_test_credentials"
    BULK_APPLY = "bulk_apply"
    CREATE_CONNECTION = "create_connection"
    UPDATE_CONNECTION = "update_connection"
    SYNC_CREATE = "sync_create"
    SYNC_UPDATE = "sync_update"
    SET_ROLLOUT_TARGET = "set_rollout_target"

    @property
    def least_role(self) -> Role:
        """The lowest role allowed to perform this action."""
        return LEAST_ROLE[self]

    @property
    def phrase(self) -> str:
        """The action in words, e.g. "apply a bulk upload"."""
        return PHRASES[self]


LEAST_ROLE: dict[Action, Role] = {
    Action.CREATE_CUSTOMER_VALUES: Role.EDITOR,
    Action.UPDATE_CUSTOMER_VALUES: Role.EDITOR,
    Action.DELETE_CUSTOMER_VALUES: Role.EDITOR,
    Action.SET_TEST_CREDENTIALS: Role.EDITOR,
    Action.BULK_APPLY: Role.OPERATOR,
    Action.CREATE_CONNECTION: Role.ADMIN,
    Action.UPDATE_CONNECTION: Role.ADMIN,
    Action.SYNC_CREATE: Role.ADMIN,
    Action.SYNC_UPDATE: Role.ADMIN,
    Action.SET_ROLLOUT_TARGET: Role.ADMIN,
}
PHRASES: dict[Action, str] = {
    Action.CREATE_CUSTOMER_VALUES: "set customer values",
    Action.UPDATE_CUSTOMER_VALUES: "set customer values",
    Action.DELETE_CUSTOMER_VALUES: "delete customer values",
    Action.SET_TEST_CREDENTIALS: "set test credentials",
    Action.BULK_APPLY: "apply a bulk upload",
    Action.CREATE_CONNECTION: "define connections",
    Action.UPDATE_CONNECTION: "define connections",
    Action.SYNC_CREATE: "apply a sync plan",
    Action.SYNC_UPDATE: "apply a sync plan",
    Action.SET_ROLLOUT_TARGET: "set rollout targets",
}


@dataclass(frozen=True)
class Actor:
    """The person (or script) on whose behalf orgconn acts; recorded in the audit log."""

    name: str
    role: Role
    signed_in: bool = False

    def can(self, action: Action) -> bool:
        """Whether this actor's role allows ``action``."""
        return self.role >= action.least_role


def local_actor(role: Role = Role.ADMIN) -> Actor:
    """The OS user, for the CLI and the single-user mode without sign-in."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown-local-user"
    return Actor(name=name, role=role, signed_in=False)


def role_for(
    email: str | None, groups: tuple[str, ...], mapping: Mapping[str, str], default: str
) -> Role:
    """The role of a signed-in user from the configured mapping of emails and groups.

    ``mapping`` maps an email address, a group name or a domain written ``@example.com`` to a
    role name; the highest matching role wins, else ``default``.
    """
    keys: list[str] = list(groups)
    if email:
        keys += [email.lower(), "@" + email.lower().rpartition("@")[2]]
    lowered = {k.lower(): v for k, v in mapping.items()}
    found = [Role.parse(lowered[k.lower()]) for k in keys if k.lower() in lowered]
    return max(found) if found else Role.parse(default)


def require(actor: Actor, action: Action) -> None:
    """Raise AccessDenied unless ``actor`` may perform ``action``."""
    if not actor.can(action):
        raise AccessDenied(
            f"{actor.name} is a {actor.role.name.lower()}: to {action.phrase} you need the "
            f"{action.least_role.name.lower()} role. Ask an orgconn admin to grant it."
        )


def require_typed_confirmation(tenant: str, protected: bool, typed: str | None) -> None:
    """Raise AccessDenied when ``tenant`` is protected and its name was not typed exactly."""
    if protected and (typed or "").strip() != tenant:
        raise AccessDenied(
            f"Tenant {tenant} is protected: type its name ({tenant}) to confirm this write."
        )

"""Who may do what: roles, the acting user, and the checks every write goes through.

Roles are ordered: a viewer looks (coverage, comparison, rollout, audit); an editor also
changes one customer's values and test credentials; an operator also runs bulk uploads; an
admin also manages connection definitions, rollout targets and sync plans.

Services call :func:`require` before any write, whatever the UI shows, so a page that forgot
to hide a button still cannot write. Protected tenants additionally need their name typed in
(:func:`require_typed_confirmation`).
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum


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
    """Every kind of write orgconn makes."""

    SET_CUSTOMER_VALUES = "set customer values"
    DELETE_CUSTOMER_VALUES = "delete customer values"
    SET_TEST_CREDENTIALS = "set test credentials"
    BULK_APPLY = "apply a bulk upload"
    DEFINE_CONNECTION = "define connections"
    SET_ROLLOUT_TARGET = "set rollout targets"
    APPLY_SYNC_PLAN = "apply a sync plan"

    @property
    def least_role(self) -> Role:
        """The lowest role allowed to perform this action."""
        return LEAST_ROLE[self]


LEAST_ROLE: dict[Action, Role] = {
    Action.SET_CUSTOMER_VALUES: Role.EDITOR,
    Action.DELETE_CUSTOMER_VALUES: Role.EDITOR,
    Action.SET_TEST_CREDENTIALS: Role.EDITOR,
    Action.BULK_APPLY: Role.OPERATOR,
    Action.DEFINE_CONNECTION: Role.ADMIN,
    Action.SET_ROLLOUT_TARGET: Role.ADMIN,
    Action.APPLY_SYNC_PLAN: Role.ADMIN,
}


class AccessDenied(Exception):
    """A write was refused: the actor's role is too low or the confirmation is missing.

    The message is a sentence for the user: what was refused and what would allow it.
    """


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
            f"{actor.name} is a {actor.role.name.lower()}: to {action.value} you need the "
            f"{action.least_role.name.lower()} role. Ask an orgconn admin to grant it."
        )


def require_typed_confirmation(tenant: str, protected: bool, typed: str | None) -> None:
    """Raise AccessDenied when ``tenant`` is protected and its name was not typed exactly."""
    if protected and (typed or "").strip() != tenant:
        raise AccessDenied(
            f"Tenant {tenant} is protected: type its name ({tenant}) to confirm this write."
        )

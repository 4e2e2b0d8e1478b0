"""Sync plan: what to create (or rename) in a target tenant so that its connection definitions
match a source tenant's, and applying it.

`build_sync_plan` looks at every org-activated customer connection of the source:

- missing in the target → **create** it with the same stable key, name, description, component
  connection (found in the target's components by component key + connection key), inputs,
  scopes and ``defaultForComponent``; plain global values are copied, secret global values are
  NEVER copied: the person applying the plan types them in (`SyncPlan.secrets_needed`);
- present in both, only name/description/``defaultForComponent`` differ → **update** them
  (renaming is allowed);
- present in both with another component connection, other inputs, other scopes or other
  global values → **needs manual action**, with the reason: an input's scope and a global value
  cannot change once a connection exists, so no creation or update can fix it;
- a stable key held in the target by a connection orgconn leaves alone, a component connection
  the target lacks or a name already taken there → needs manual action too.

Connections only in the target are listed as **left alone** (a plan never deletes).
Definitions owned by one customer (``OrgConnection.owner``) are never copied: that customer may
not exist in the target, and the definition is none of the other customers' business; a stable
key held by one in the target needs manual action.
`apply_sync_plan` checks the role (`Action.SYNC_CREATE`, admin), the confirmation, the typed
tenant name of a protected target and every secret value before writing anything, then makes
the writes one by one, recording each in the audit log (``sync_create`` / ``sync_update``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from orgconn.models import (
    Component,
    ComponentConnection,
    ConnectionInput,
    InputScope,
    OrgConnection,
)
from orgconn.services.compare.compare_definitions import component_of, other_kind
from orgconn.services.compare.compare_kinds import SCOPE_LABELS, value_state, verdict


class SyncAction(StrEnum):
    """What a plan does for one stable key."""

    CREATE = "create"
    UPDATE = "update"
    MANUAL = "needs manual action"
    IN_SYNC = "in sync"
    LEFT_ALONE = "left alone"


@dataclass(frozen=True)
class SyncStep:
    """One stable key of a plan: the action, and for a create everything it sends.

    ``plain_values`` are the source's plain global values (copied); ``secret_inputs`` the
    global secret inputs whose value must be typed in. ``target`` is the target's connection
    for an update. No field ever holds a secret value.
    """

    action: SyncAction
    stable_key: str
    name: str
    description: str = ""
    reason: str = ""
    component: str = ""
    component_connection: ComponentConnection | None = None
    scopes: Mapping[str, InputScope] = field(default_factory=dict)
    plain_values: Mapping[str, str] = field(default_factory=dict)
    secret_inputs: tuple[str, ...] = ()
    target: OrgConnection | None = None
    default_for_component: bool = False


@dataclass(frozen=True)
class SyncPlan:
    """The steps that make ``target``'s definitions match ``source``'s."""

    source: str
    target: str
    steps: tuple[SyncStep, ...]

    @property
    def writes(self) -> tuple[SyncStep, ...]:
        """The steps applying the plan performs (creates, then updates)."""
        return tuple(s for s in self.steps if s.action is SyncAction.CREATE) + tuple(
            s for s in self.steps if s.action is SyncAction.UPDATE)

    @property
    def secrets_needed(self) -> tuple[tuple[str, str], ...]:
        """``(stable_key, input key)`` of every secret global value to type in."""
        return tuple((s.stable_key, k) for s in self.writes for k in s.secret_inputs)


def _find_component_connection(components: Iterable[Component], connection: OrgConnection
                               ) -> ComponentConnection | None:
    """The target's component connection with the same keys; when several components share
    the key (public and private), the one whose inputs are the source's."""
    found = [c for component in components if component.key == connection.component_key
             for c in component.connections if c.key == connection.connection_key]
    wanted = sorted(i.key for i in connection.inputs)
    return next((c for c in found if sorted(i.key for i in c.inputs) == wanted),
                found[0] if found else None)


def _manual(connection: OrgConnection, reason: str) -> SyncStep:
    return SyncStep(SyncAction.MANUAL, connection.stable_key, connection.name,
                    connection.description, reason, component_of(connection))


def build_sync_plan(source: str, source_connections: Iterable[OrgConnection], target: str,
                    target_connections: Iterable[OrgConnection],
                    target_components: Iterable[Component],
                    stable_keys: Sequence[str] | None = None) -> SyncPlan:
    """The plan making ``target`` match ``source`` (see the module docstring).

    ``source_connections`` may be every connection of the source (only org-activated customer
    ones are synced); ``target_connections`` must be every connection of the target (its
    `all_connections()`), so that keys and names held by any connection are seen;
    ``stable_keys`` limits the plan to those keys.
    """
    wanted = [c for c in source_connections if c.is_org_activated_customer and c.owner is None
              and (stable_keys is None or c.stable_key in stable_keys)]
    in_target = {c.stable_key: c for c in target_connections}
    components = list(target_components)
    taken_names = {c.name: c.stable_key for c in in_target.values()}
    steps = []
    for connection in sorted(wanted, key=lambda c: c.stable_key):
        existing = in_target.get(connection.stable_key)
        if existing is None:
            steps.append(_create_step(connection, target, components, taken_names))
        elif not existing.is_org_activated_customer:
            steps.append(_manual(connection, f"in {target} this stable key belongs to an "
                                 f"{other_kind(existing)} connection ({existing.name!r}), "
                                 "which orgconn leaves alone; stable keys cannot change"))
        elif existing.owner is not None:
            steps.append(_manual(connection, f"in {target} this stable key belongs to a "
                                 f"connection of customer {existing.owner.name} only "
                                 f"({existing.name!r}); stable keys cannot change"))
        else:
            steps.append(_existing_step(connection, existing, source, target, taken_names))
    source_keys = {c.stable_key for c in source_connections}
    for existing in sorted(in_target.values(), key=lambda c: c.stable_key):
        if existing.is_org_activated_customer and existing.owner is None and (
                existing.stable_key not in source_keys) and (
                stable_keys is None or existing.stable_key in stable_keys):
            steps.append(SyncStep(SyncAction.LEFT_ALONE, existing.stable_key, existing.name,
                                  existing.description, f"only in {target}; a sync plan never "
                                  "deletes", component_of(existing)))
    return SyncPlan(source, target, tuple(steps))


def _create_step(connection: OrgConnection, target: str, components: list[Component],
                 taken_names: Mapping[str, str]) -> SyncStep:
    found = _find_component_connection(components, connection)
    if found is None:
        return _manual(connection, f"{target} has no component connection "
                       f"{component_of(connection)}: publish that component there first")
    wanted, offered = [i.key for i in connection.inputs], [i.key for i in found.inputs]
    if sorted(wanted) != sorted(offered):
        return _manual(connection, f"{component_of(connection)} has other inputs in {target} "
                       f"({', '.join(offered)}) than here ({', '.join(wanted)}): bring the "
                       "component to the same version first")
    if connection.name in taken_names:
        return _manual(connection, f"the name {connection.name!r} is taken in {target} by "
                       f"{taken_names[connection.name]}: rename one of them first")
    plain = {i.key: i.global_value.secret_value() if i.global_value else ""
             for i in connection.global_inputs if not i.is_secret}
    secrets = tuple(i.key for i in connection.global_inputs
                    if i.is_secret and i.global_value is not None and i.global_value.has_value)
    return SyncStep(SyncAction.CREATE, connection.stable_key, connection.name,
                    connection.description, "missing in " + target, component_of(connection),
                    found, {i.key: i.scope for i in connection.inputs}, plain, secrets,
                    default_for_component=connection.default_for_component)


def _existing_step(source: OrgConnection, existing: OrgConnection, source_name: str,
                   target: str, taken_names: Mapping[str, str]) -> SyncStep:
    problems = _unfixable(source, existing, source_name, target)
    if problems:
        return _manual(source, "; ".join(problems))
    if (source.name, source.description, source.default_for_component) == (
            existing.name, existing.description, existing.default_for_component):
        return SyncStep(SyncAction.IN_SYNC, source.stable_key, source.name, source.description,
                        component=component_of(source),
                        default_for_component=source.default_for_component)
    holder = taken_names.get(source.name)
    if holder not in (None, source.stable_key):
        return _manual(source, f"the name {source.name!r} is taken in {target} by {holder}: "
                       "rename one of them first")
    what = [w for w, a, b in (("name", source.name, existing.name),
                              ("description", source.description, existing.description),
                              ("default for component", source.default_for_component,
                               existing.default_for_component)) if a != b]
    return SyncStep(SyncAction.UPDATE, source.stable_key, source.name, source.description,
                    f"{' and '.join(what)} differ", component_of(source), target=existing,
                    default_for_component=source.default_for_component)


def _unfixable(source: OrgConnection, existing: OrgConnection, source_name: str, target: str
               ) -> list[str]:
    """Why ``existing`` cannot be made like ``source`` by an update (empty: it can)."""
    if component_of(source) != component_of(existing):
        return [f"component connection is {component_of(source)} in {source_name} but "
                f"{component_of(existing)} in {target}: recreate it in {target}"]
    problems = []
    for wanted in source.inputs:
        there = existing.input(wanted.key)
        if there is None:
            problems.append(f"input {wanted.key} is missing in {target}")
        elif there.scope is not wanted.scope:
            problems.append(
                f"input {wanted.key} is {SCOPE_LABELS[wanted.scope.value]} in {source_name} "
                f"but {SCOPE_LABELS[there.scope.value]} in {target}, and an input's scope "
                "cannot change once the connection exists")
        elif wanted.is_global and _global_differs(wanted, there):
            problems.append(f"global value of {wanted.key} differs, and global values cannot "
                            "change once set")
    extra = [i.key for i in existing.inputs if source.input(i.key) is None]
    if extra:
        problems.append(f"input(s) {', '.join(extra)} exist only in {target}")
    return problems


def _global_differs(wanted: ConnectionInput, there: ConnectionInput) -> bool:
    """Whether two global values are known to differ (hidden secrets are not claimed to)."""
    key = b"sync-plan"  # fingerprints only compared here, never shown: any key will do
    states = {"source": value_state(wanted.global_value, key),
              "target": value_state(there.global_value, key)}
    return verdict(states) is True


PLAN_COLUMNS = ["action", "stable_key", "name", "component", "inputs", "type_in",
                "default_for_component", "reason"]


def plan_frame(plan: SyncPlan) -> pd.DataFrame:
    """The plan as a table: one row per stable key; plain global values shown, secrets only
    named (``type_in``)."""
    rows = []
    for step in plan.steps:
        inputs = "; ".join(
            f"{k}: {SCOPE_LABELS[s.value]}" + (f" = {step.plain_values[k]}"
                                              if k in step.plain_values else "")
            for k, s in step.scopes.items())
        rows.append({"action": step.action.value, "stable_key": step.stable_key,
                     "name": step.name, "component": step.component,
                     "inputs": inputs, "type_in": ", ".join(step.secret_inputs),
                     "default_for_component": step.default_for_component,
                     "reason": step.reason})
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)

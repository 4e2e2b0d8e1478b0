"""Applying a sync plan (see `sync_plan`): checks first, then one audited write per step.

Nothing is written unless the actor may apply sync plans (admin), the plan was confirmed, a
protected target's name was typed, and every secret global value the plan needs was typed in.
Then each create / update is sent on its own, one `services.audit.audited_write` each; one
failing does not stop the others, and every attempt — success or failure — leaves one audit row
(``sync_create`` / ``sync_update``) whose changed inputs are names, with secrets only as
fingerprints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from pydantic import SecretStr

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.errors import AccessDenied, InvalidValuesError, OrgconnError
from orgconn.secrets import fingerprint
from orgconn.services.access import Action, Actor, require, require_typed_confirmation
from orgconn.services.audit import AuditRow, WriteContext, audited_write, outcome_of
from orgconn.services.compare.sync_plan import SyncAction, SyncPlan, SyncStep
from orgconn.store import ChangedInput, Source, Store

SecretValues = Mapping[tuple[str, str], "str | SecretStr"]  # (stable key, input) -> typed value


@dataclass(frozen=True)
class SyncResult:
    """What happened to one step: ``outcome`` is ``ok`` or the reason it failed."""

    stable_key: str
    action: SyncAction
    outcome: str


def _text(value: str | SecretStr | None) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value or ""


def check_before_applying(plan: SyncPlan, *, actor: Actor, target: TenantConfig,
                          confirmed: bool, typed_name: str | None,
                          secret_values: SecretValues) -> None:
    """Raise AccessDenied / InvalidValuesError unless the plan may be applied as given."""
    require(actor, Action.SYNC_CREATE)  # every step checks its own action again as it writes
    if target.name != plan.target:
        raise InvalidValuesError(f"this plan is for {plan.target}, not {target.name}: build "
                                 "the plan again for the tenant you mean")
    if not confirmed:
        raise AccessDenied(f"Confirm that you reviewed the plan before it writes to "
                           f"{target.name}.")
    require_typed_confirmation(target.name, target.protected, typed_name)
    missing = [f"{input_key} of {stable_key}" for stable_key, input_key in plan.secrets_needed
               if not _text(secret_values.get((stable_key, input_key))).strip()]
    if missing:
        raise InvalidValuesError(
            f"type the secret global value of {', '.join(missing)}: secret values are never "
            f"copied from {plan.source}, and a global value cannot be changed once created")


def apply_sync_plan(plan: SyncPlan, client: PrismaticClient, store: Store, *, actor: Actor,
                    target: TenantConfig, confirmed: bool, typed_name: str | None,
                    secret_values: SecretValues, key: bytes, source: Source = "page"
                    ) -> list[SyncResult]:
    """Create and update the target's definitions as planned; one result per write.

    ``client`` is the target's; ``secret_values`` maps ``(stable_key, input)`` to the typed
    secret global values; ``key`` fingerprints them for the audit log. Raises before any
    write when `check_before_applying` refuses; afterwards errors are per step (``outcome``).
    """
    check_before_applying(plan, actor=actor, target=target, confirmed=confirmed,
                          typed_name=typed_name, secret_values=secret_values)
    ctx = WriteContext(actor=actor, tenant=target, store=store, fingerprint_key=key,
                       typed_confirmation=typed_name, source=source)
    results = []
    for step in plan.writes:
        creates = step.action is SyncAction.CREATE
        row = AuditRow(Action.SYNC_CREATE if creates else Action.SYNC_UPDATE, step.stable_key,
                       detail=f"{step.action.value} as in {plan.source}: {step.reason}")

        def write(row: AuditRow, step: SyncStep = step) -> None:
            if step.action is SyncAction.CREATE:
                row.changed = _create(client, step, secret_values, key)
            else:
                _update(client, step)

        error: OrgconnError | None = None
        try:
            audited_write(ctx, row, write)
        except OrgconnError as exc:  # recorded; the other steps go on
            error = exc
        results.append(SyncResult(step.stable_key, step.action, outcome_of(error)))
    return results


def _create(client: PrismaticClient, step: SyncStep, secret_values: SecretValues, key: bytes
            ) -> tuple[ChangedInput, ...]:
    assert step.component_connection is not None, "a create step names its component connection"
    typed = {k: _text(secret_values.get((step.stable_key, k))) for k in step.secret_inputs}
    values: dict[str, str | SecretStr | None] = {**step.plain_values}
    values.update({k: SecretStr(v) for k, v in typed.items()})
    client.create_org_connection(step.component_connection, name=step.name,
                                 stable_key=step.stable_key, description=step.description,
                                 scopes=step.scopes, global_values=values,
                                 default_for_component=step.default_for_component)
    return (*(ChangedInput.plain(k) for k, v in step.plain_values.items() if v),
            *(ChangedInput.secret_input(k, fingerprint(v, key)) for k, v in typed.items()))


def _update(client: PrismaticClient, step: SyncStep) -> None:
    assert step.target is not None, "an update step carries the target's connection"
    client.update_org_connection(
        step.target, name=step.name, description=step.description,
        default_for_component=(step.default_for_component
                               if step.default_for_component != step.target.default_for_component
                               else None))


def results_frame(results: list[SyncResult]) -> pd.DataFrame:
    """The results as a table: stable_key, action, outcome."""
    return pd.DataFrame([{"stable_key": r.stable_key, "action": r.action.value,
                          "outcome": r.outcome} for r in results],
                        columns=["stable_key", "action", "outcome"])

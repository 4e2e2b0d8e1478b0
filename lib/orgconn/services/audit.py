"""The one audited write: every write through orgconn (page, CLI, bulk, sync) goes through here.

`audited_write` runs a write in four steps, in order:

1. the role check: the actor's role must allow the `Action` (`access.require`);
2. for a protected tenant, the typed confirmation: its name, typed exactly;
3. the write itself, a callable;
4. exactly one audit row (`AuditRow`): the action, what was written, the changed inputs (names;
   secrets only as fingerprints, see `changed_inputs`) and the outcome — ``ok``, ``unknown``
   (the answer was lost and could not be reconciled) or ``failed: <reason>``. Refusals of
   steps 1-2 and failures of step 3 are recorded too, then raised again. The reason is
   orgconn's own message (free of secret values); any other error is recorded by its kind only.

The write gets the row being drafted and may fill it in as it learns (the action — created or
updated —, the changed inputs, the detail), or `AuditRow.skip` it when it turned out to write
nothing (a conflict to resolve, nothing changed).

A batch (bulk apply) is one audited write of many rows: `allow_batch` once (steps 1-2; a
refusal is one row), then one audit row per written row, built by `entry` and stored with the
rows' outcomes in one statement (`Store.mark_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from orgconn.config import TenantConfig
from orgconn.errors import AccessDenied, OrgconnError, OutcomeUnknownError
from orgconn.models import CustomerValues, OrgConnection
from orgconn.secrets import fingerprint
from orgconn.services.access import Action, Actor, require, require_typed_confirmation
from orgconn.store import AuditEntry, ChangedInput, HeldLocks, Source, Store, failed_outcome

T = TypeVar("T")


@dataclass(frozen=True)
class WriteContext:
    """Who writes, to which tenant, with what confirmation, and where the audit row goes.

    ``typed_confirmation`` is what the user typed to confirm a protected tenant (None:
    nothing); ``source`` is ``"page"``, ``"cli"`` or ``"bulk"`` in the audit log.
    """

    actor: Actor
    tenant: TenantConfig
    store: Store
    fingerprint_key: bytes
    typed_confirmation: str | None = field(default=None, repr=False)
    source: Source = "page"


@dataclass
class AuditRow:
    """The audit row of one write, drafted before it and completed by it.

    ``stable_key`` and ``customer_external_id`` say what was written; ``changed`` lists the
    inputs (`changed_inputs`), ``detail`` a short sentence without values. ``skip`` (set by
    the write) records nothing; ``id`` is the row's id once recorded.
    """

    action: Action
    stable_key: str
    customer_external_id: str | None = None
    changed: tuple[ChangedInput, ...] = ()
    detail: str = ""
    skip: bool = False
    id: int | None = None


def changed_inputs(
    connection: OrgConnection,
    before: CustomerValues | None,
    after: Mapping[str, str],
    key: bytes,
) -> tuple[ChangedInput, ...]:
    """The inputs whose value differs between ``before`` (None: nothing yet) and ``after``.

    ``after`` maps input keys to the raw values being written (blank: cleared). Secret inputs
    carry the new value's fingerprint (None when cleared); plain ones only their name.
    A secret whose current value the tenant will not return counts as changed when given.
    """
    changed: list[ChangedInput] = []
    for name, value in after.items():
        old = before.values.get(name) if before else None
        secret = name in connection.secret_keys
        if old is not None and old.is_readable and old.secret_value() == value:
            continue
        if old is None and value == "":
            continue
        if secret:
            mark = fingerprint(value, key) if value else None
            changed.append(ChangedInput.secret_input(name, mark))
        else:
            changed.append(ChangedInput.plain(name))
    return tuple(changed)


def values_lock(ctx: WriteContext, stable_key: str, customer_external_id: str | None
                ) -> HeldLocks:
    """Hold the store's write lock of one customer's values (None: the connection's test
    credentials) in ``ctx.tenant`` until the ``with`` block ends (`Store.lock_values`:
    every orgconn sharing the store waits; `LockTimeoutError` after 30 s)."""
    return ctx.store.lock_values(ctx.tenant.name, [(stable_key, customer_external_id)])


def outcome_of(error: BaseException | None) -> str:
    """The audit outcome for a write that raised ``error`` (None: it succeeded)."""
    if error is None:
        return "ok"
    if isinstance(error, OutcomeUnknownError):
        return "unknown"
    if not isinstance(error, OrgconnError):  # its message could quote a value
        return failed_outcome(f"unexpected {type(error).__name__}")
    return failed_outcome(str(error) or type(error).__name__)


def _line(text: str) -> str:
    return " ".join(text.split())[:300]


def entry(actor: Actor, tenant: str, row: AuditRow, *, error: BaseException | None = None,
          source: Source = "page", job_id: int | None = None) -> AuditEntry:
    """The audit entry of ``row`` written by ``actor`` to ``tenant`` (``error``: what the write
    raised, None when it succeeded); for writes that store their rows themselves (bulk)."""
    return AuditEntry(
        actor=actor.name, tenant=tenant, action=row.action.value,
        stable_key=_line(row.stable_key) or "-", customer_external_id=row.customer_external_id,
        changed_inputs=row.changed, outcome=outcome_of(error), source=source,
        detail=row.detail[:500], job_id=job_id)


def allow(ctx: WriteContext, action: Action, *, in_tenant: bool = True) -> None:
    """Steps 1-2: raise `AccessDenied` unless ``ctx.actor`` may do ``action`` on ``ctx.tenant``
    (its role, and for a protected tenant the typed confirmation unless not ``in_tenant``)."""
    require(ctx.actor, action)
    if in_tenant:
        require_typed_confirmation(ctx.tenant.name, ctx.tenant.protected, ctx.typed_confirmation)


def audited_write(ctx: WriteContext, row: AuditRow, write: Callable[[AuditRow], T], *,
                  allowed: Action | None = None, in_tenant: bool = True) -> T:
    """Check, write and record one audit row (see the module); return what ``write`` returned.

    ``allowed`` is the action whose role is checked when it differs from the row's (e.g. a
    bulk apply's operator role); ``in_tenant`` False is for a write to orgconn's own store
    only (a rollout target), which asks no protected tenant's typed name. Whatever ``write``
    raises — and a refusal — is recorded, then raised again; ``row.id`` is the audit row's id
    afterwards.
    """
    try:
        allow(ctx, allowed or row.action, in_tenant=in_tenant)
        result = write(row)
    except BaseException as error:
        _record(ctx, row, error)
        raise
    _record(ctx, row, None)
    return result


def allow_batch(ctx: WriteContext, batch: AuditRow) -> None:
    """Steps 1-2 for a batch (``batch`` describes it, e.g. the file): a refusal is recorded as
    one row and raised; once allowed, the batch records one row per row it writes (`entry`)."""
    try:
        allow(ctx, batch.action)
    except AccessDenied as refused:
        _record(ctx, batch, refused)
        raise


def _record(ctx: WriteContext, row: AuditRow, error: BaseException | None) -> None:
    if not row.skip:
        row.id = ctx.store.append_audit(entry(ctx.actor, ctx.tenant.name, row, error=error,
                                              source=ctx.source))

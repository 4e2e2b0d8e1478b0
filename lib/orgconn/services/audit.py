"""Recording writes: every write through orgconn (page, CLI, bulk, sync) leaves one audit row.

Call :func:`changed_inputs` to describe what a write changes (names; secrets only as
fingerprints) and :func:`record` once the outcome is known — ``"ok"``, ``"unknown"`` (the
answer was lost and could not be reconciled) or a failure with its reason. The reason is the
error's message, which orgconn's errors keep free of secret values.
"""

from __future__ import annotations

from collections.abc import Mapping

from orgconn.models import CustomerValues, OrgConnection
from orgconn.secrets import fingerprint
from orgconn.services.access import Actor
from orgconn.store import AuditEntry, ChangedInput, Store, failed_outcome


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


def outcome_of(error: BaseException | None) -> str:
    """The audit outcome for a write that raised ``error`` (None: it succeeded)."""
    if error is None:
        return "ok"
    if error.__class__.__name__ == "OutcomeUnknownError":
        return "unknown"
    return failed_outcome(str(error) or error.__class__.__name__)


def record(
    store: Store,
    *,
    actor: Actor,
    tenant: str,
    action: str,
    stable_key: str,
    customer_external_id: str | None = None,
    changed: tuple[ChangedInput, ...] = (),
    error: BaseException | None = None,
    source: str = "page",
    detail: str = "",
    job_id: int | None = None,
) -> int:
    """Append one audit row for a write by ``actor`` and return its id.

    ``error`` is what the write raised, or None when it succeeded. ``detail`` is a short
    sentence without values (e.g. "redeployed 3 instances").
    """
    entry = AuditEntry(
        actor=actor.name, tenant=tenant, action=action, stable_key=stable_key,
        customer_external_id=customer_external_id, changed_inputs=changed,
        outcome=outcome_of(error), source=source, detail=detail[:500], job_id=job_id,
    )
    return store.append_audit(entry)

"""Writing one customer's values or a connection's test credentials: save and delete, audited.

Each is one `services.audit.audited_write`: the actor's role, a protected tenant's typed name,
the write through the client, then exactly one audit row with the outcome — ``ok``, ``unknown``
(answer lost) or ``failed: <reason>``, refusals included. The row names the changed inputs;
secrets appear only as fingerprints.

`save` re-reads the values first: if they changed since the form was loaded it writes
nothing, records nothing and returns a `form.Conflict` for the user to resolve — `keep_mine`
saves the same submission over the other change (one audit row), taking theirs writes nothing.
(No compare-and-set exists in Prismatic's API, so a change landing between that re-read and
the write itself cannot be detected; the window is one request long.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from orgconn.client import InvalidValuesError, PayloadError, PrismaticClient
from orgconn.errors import AccessDenied, OrgconnError
from orgconn.models import CustomerValues
from orgconn.services.access import Action
from orgconn.services.audit import (
    AuditRow,
    WriteContext,
    audited_write,
    changed_inputs,
    values_lock,
)
from orgconn.services.values.form import (
    Conflict,
    FormInvalid,
    Submission,
    ValuesForm,
    build_form,
    find_conflict,
    read_current,
    same_values,
)
from orgconn.services.values.validation import IssueKind, ValueIssue
from orgconn.store import ChangedInput

__all__ = ["Saved", "ValuesInUseError", "WriteContext", "delete", "keep_mine", "save"]


@dataclass(frozen=True)
class Saved:
    """What a save did (``created``, ``updated``, ``unchanged``), the values now, its audit row.

    ``redeployed`` counts the instances asked to redeploy (0 unless requested and updated).
    """

    action: Literal["created", "updated", "unchanged"]
    values: CustomerValues
    changed: tuple[ChangedInput, ...]
    redeployed: int
    audit_id: int

    def message(self, form: ValuesForm) -> str:
        """One sentence for the user: what was saved, which inputs changed, what redeployed."""
        if self.action == "unchanged":
            return f"Nothing changed in {form.what}; nothing was sent."
        names = ", ".join(str(c) for c in self.changed) or "no input changed"
        text = f"{self.action.capitalize()} {form.what} ({names})."
        if self.redeployed:
            text += f" Redeploying {self.redeployed} instance(s) that use them."
        return text


class ValuesInUseError(OrgconnError):
    """A delete refused because deployed instances use the values; nothing was deleted."""


def _row(form: ValuesForm, action: Action) -> AuditRow:
    return AuditRow(action, form.connection.stable_key,
                    form.customer.external_id if form.customer else None)


def _same_tenant(ctx: WriteContext, form: ValuesForm) -> None:
    if ctx.tenant.name != form.tenant:
        raise AccessDenied(f"these values belong to tenant {form.tenant}, not {ctx.tenant.name}: "
                           "reload the form")


def save(client: PrismaticClient, form: ValuesForm, submission: Submission, ctx: WriteContext,
         *, redeploy: bool = False, note: str = "") -> Saved | Conflict:
    """Create or update the values of ``form`` with ``submission``; one audit row unless a conflict.

    Returns a `Conflict` (nothing written, nothing recorded) when the values changed since
    ``form`` was loaded, or were created meanwhile; a `Conflict` with ``after_save`` (written
    and recorded) when the read-back shows another writer's change right after. ``redeploy``
    redeploys the instances using existing values. Raises `LockTimeoutError` when another
    orgconn holds the values over 30 s (nothing sent), `AccessDenied` or `OrgconnError`
    after recording the failure; ``note`` goes in the row.
    """
    test = form.is_test
    action = Action.SET_TEST_CREDENTIALS if test else (
        Action.UPDATE_CUSTOMER_VALUES if form.current else Action.CREATE_CUSTOMER_VALUES)

    def write(row: AuditRow) -> Saved | Conflict:
        _same_tenant(ctx, form)
        with values_lock(ctx, form.connection.stable_key,
                         form.customer.external_id if form.customer else None):
            now = read_current(client, form.connection, form.customer)
            conflict = find_conflict(form, now, submission, ctx.fingerprint_key)
            if conflict is None:
                return written(row, now)
            row.skip = True
            return conflict

    def written(row: AuditRow, now: CustomerValues | None) -> Saved | Conflict:
        row.changed = changed_inputs(form.connection, now, submission.raw(), ctx.fingerprint_key)
        if not test:
            row.action = (Action.UPDATE_CUSTOMER_VALUES if now else
                          Action.CREATE_CUSTOMER_VALUES)
        redeployed = 0
        if now is None and form.customer is not None:
            try:
                result = client.create_customer_values(form.connection, form.customer,
                                                       submission.values)
            except PayloadError:  # e.g. "already exists": created by someone else meanwhile
                raced = read_current(client, form.connection, form.customer)
                conflict = find_conflict(form, raced, submission, ctx.fingerprint_key)
                if conflict is None:
                    raise
                row.skip = True
                return conflict
        elif now is None:
            result = client.set_test_credentials(form.connection, submission.values).values
        else:
            if redeploy and not test:
                redeployed = client.instances_using(now).total
            result = client.update_customer_values(now, submission.values,
                                                   connection=form.connection,
                                                   redeploy=redeploy and not test)
        kind: Literal["created", "updated", "unchanged"] = (
            "created" if now is None else "unchanged" if result is now else "updated")
        if kind == "unchanged":
            redeployed, row.changed = 0, ()
        details = [note] if note else []
        if kind == "unchanged":
            details.append("nothing changed, so nothing was sent" +
                           (" and nothing redeployed" if redeploy else ""))
        elif redeployed:
            details.append(f"redeployed {redeployed} instance(s)")
        after = result if kind == "unchanged" else read_current(client, form.connection,
                                                                   form.customer)
        if not same_values(after, result):
            details.append("read back: changed by another writer right after this write")
        row.detail = "; ".join(details)
        if not same_values(after, result):
            mine = build_form(form.tenant, form.connection, form.customer, result,
                              ctx.fingerprint_key, form.dependents)
            later = find_conflict(mine, after, submission, ctx.fingerprint_key)
            assert later is not None, "values that differ are a conflict"
            return replace(later, after_save=True)
        return Saved(action=kind, values=result, changed=row.changed, redeployed=redeployed,
                     audit_id=0)

    row = _row(form, action)
    row.detail = note
    saved = audited_write(ctx, row, write)
    if isinstance(saved, Conflict):
        return saved
    assert row.id is not None, "a save is recorded"
    return replace(saved, audit_id=row.id)


def keep_mine(client: PrismaticClient, conflict: Conflict, submission: Submission,
              ctx: WriteContext, *, redeploy: bool = False) -> Saved | Conflict:
    """Save ``submission`` over the other change shown in ``conflict`` (one audit row).

    Secrets left blank keep *their* current value. Returns a new `Conflict` if the values
    changed yet again; raises `FormInvalid` if a kept secret is required but now unset.
    """
    lost = [f for f in conflict.theirs_form.fields if f.key in submission.kept
            and not f.is_set and f.required and not f.default]
    if lost:
        raise FormInvalid([ValueIssue(f.key, IssueKind.REQUIRED,
                                      f"{f.label} is required: the other change left it unset, "
                                      "so enter a value.") for f in lost])
    return save(client, conflict.theirs_form, submission, ctx, redeploy=redeploy,
                note=f"saved over another change ({conflict.summary})")


def _deletion_refused(form: ValuesForm, error: PayloadError) -> OrgconnError:
    reason = "; ".join(m for e in error.errors for m in e.messages)
    if "instance" not in reason.lower():
        return error
    names = ", ".join(i.name for i in form.dependents.instances[:5])
    more = form.dependents.total - min(5, len(form.dependents.instances))
    using = f" Instances using them: {names}" + (f" and {more} more" if more > 0 else "") + "."
    return ValuesInUseError(
        f"Not deleted: Prismatic refuses to delete {form.what} while deployed instances use "
        f"them ({reason}).{using if names else ''} Remove this connection from those "
        "instances (or delete them) first.")


def delete(client: PrismaticClient, form: ValuesForm, ctx: WriteContext) -> int:
    """Delete the values of ``form``; returns the audit row's id (one row, failures included).

    Prismatic refuses while deployed instances use the values: that raises
    `ValuesInUseError` naming them (see ``form.dependents``); nothing is deleted then.
    """
    current = form.current

    def write(row: AuditRow) -> None:
        _same_tenant(ctx, form)
        if current is None:
            raise InvalidValuesError(f"{form.what} do not exist: there is nothing to delete")
        row.changed = changed_inputs(form.connection, current, {
            k: "" for k, v in current.values.items() if v.has_value}, ctx.fingerprint_key)
        try:
            with values_lock(ctx, form.connection.stable_key,
                             form.customer.external_id if form.customer else None):
                client.delete_customer_values(current)
        except PayloadError as refused:
            raise _deletion_refused(form, refused) from None
        row.detail = f"used by {form.dependents.total} instance(s) when loaded"

    row = _row(form, Action.DELETE_CUSTOMER_VALUES)
    audited_write(ctx, row, write)
    assert row.id is not None, "a delete is recorded"
    return row.id

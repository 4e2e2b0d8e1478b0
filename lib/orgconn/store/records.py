"""What the store holds, as frozen pydantic records: audit entries, coverage snapshots, targets.

Secrets never reach the store. Where a write changed inputs, callers pass ``ChangedInput``
records, which hold an input's *name* and, for a secret input, only a fingerprint made by
``orgconn.secrets.fingerprint`` (see ``ChangedInput.secret_input``). No field of any record
takes a secret value: the free-text fields are short and documented as "no secrets". A record
that fails validation never echoes the input it refused (``hide_input_in_errors``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    StringConstraints,
    model_validator,
)

FINGERPRINT_HEX_DIGITS = 12  # the length orgconn.secrets.fingerprint makes

Fingerprint = Annotated[
    str, StringConstraints(pattern=rf"^[0-9a-f]{{{FINGERPRINT_HEX_DIGITS}}}$")
]
"""A secret's keyed fingerprint as made by ``orgconn.secrets.fingerprint``: 12 hex digits."""

InputName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_][\w .\-]*$")
]
"""The name (key) of a connection input, never its value."""

Line = Annotated[str, StringConstraints(max_length=300, pattern=r"^[^\r\n]*$")]
"""A short single-line text: a tenant, an actor, a stable key, an external ID."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\r\n]*$")]
"""A non-empty ``Line``."""

Detail = Annotated[str, StringConstraints(max_length=500)]
"""A short free text for people (no secrets)."""

Source = Literal["page", "cli", "bulk", "notebook"]
CoverageStatus = Literal["complete", "incomplete", "missing", "error"]
COVERAGE_STATUSES: tuple[CoverageStatus, ...] = ("complete", "incomplete", "missing", "error")


class Record(BaseModel):
    """Base of every store record: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class ChangedInput(Record):
    """One input a write changed: its name, and for a secret only whether and to what it is set.

    Build it with ``ChangedInput.plain(name)`` or, for a secret,
    ``ChangedInput.secret_input(name, orgconn.secrets.fingerprint(new_value, key))``.
    """

    name: InputName
    secret: bool = False
    fingerprint: Fingerprint | None = None

    @model_validator(mode="after")
    def _fingerprint_only_for_secrets(self) -> Self:
        if self.fingerprint is not None and not self.secret:
            raise ValueError(f"input {self.name!r}: a fingerprint is only kept for secret inputs")
        return self

    @classmethod
    def plain(cls, name: str) -> ChangedInput:
        """A changed input that is not a secret; only its name is kept."""
        return cls(name=name)

    @classmethod
    def secret_input(cls, name: str, fingerprint: str | None) -> ChangedInput:
        """A changed secret input with the new value's fingerprint (None: the secret was cleared).

        Raises a pydantic ValidationError when ``fingerprint`` is not 12 hex digits, so a value
        passed by mistake is refused, not stored.
        """
        return cls(name=name, secret=True, fingerprint=fingerprint)

    def __str__(self) -> str:
        if not self.secret:
            return self.name
        return f"{self.name} (secret {self.fingerprint or 'cleared'})"


def describe_changed_inputs(changed: tuple[ChangedInput, ...]) -> str:
    """Changed inputs as one line for tables and exports, e.g. ``host, password (sha256:…)``."""
    return ", ".join(str(item) for item in changed)


def changed_inputs_to_json(changed: tuple[ChangedInput, ...]) -> list[dict[str, Any]]:
    """Changed inputs in the JSON form the store keeps."""
    return [{"name": item.name, "secret": item.secret, "fingerprint": item.fingerprint}
            for item in changed]  # = model_dump(), at a fifth of the cost


def changed_inputs_from_json(stored: list[dict[str, Any]]) -> tuple[ChangedInput, ...]:
    """Changed inputs back from the store's JSON form (validated again)."""
    return tuple(ChangedInput.model_validate(item) for item in stored)


def failed_outcome(reason: str) -> str:
    """An audit outcome for a failed write: ``failed: <reason>`` on one line, at most 300 chars.

    The reason must not contain a secret (pass an error's user-facing message, not a request).
    """
    one_line = " ".join(reason.split()) or "no reason given"
    return f"failed: {one_line}"[:300]


class AuditEntry(Record):
    """One write made through orgconn (page, CLI or bulk), as kept in the audit log.

    ``action`` is a value of `orgconn.services.access.Action` (the one vocabulary; the store
    only checks its snake_case shape). ``changed_inputs`` holds input names and secret
    fingerprints only. ``id`` is set by the store when an entry is read back; leave it None
    when appending.
    """

    at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    actor: Name
    tenant: Name
    tenant_identity: Line = ""  # set by a store that knows its tenants (see store.base)
    action: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    stable_key: Name
    customer_external_id: Name | None = None
    changed_inputs: tuple[ChangedInput, ...] = ()
    outcome: Annotated[
        str, StringConstraints(max_length=300, pattern=r"^(ok|unknown|failed: [^\r\n]+)$")
    ]
    source: Source
    detail: Detail = ""
    job_id: int | None = None
    id: int | None = None


class ConnectionCounts(Record):
    """How many customers of one tenant are in each coverage status for one connection, and
    how many of the gaps block instances and how many instances they block (None: unknown —
    the tenant could not say, or the snapshot predates the figure; never read it as 0)."""

    stable_key: Name
    name: Line = ""
    complete: NonNegativeInt = 0
    incomplete: NonNegativeInt = 0
    missing: NonNegativeInt = 0
    error: NonNegativeInt = 0
    blocking_gaps: NonNegativeInt | None = None
    blocked_instances: NonNegativeInt | None = None

    @property
    def total(self) -> int:
        """Customers counted, whatever their status."""
        return self.complete + self.incomplete + self.missing + self.error


class CustomerStatus(Record):
    """One customer's coverage status for one connection at a snapshot, with its segment labels."""

    external_id: Name
    stable_key: Name
    status: CoverageStatus
    labels: tuple[Line, ...] = ()
    customer_name: Line | None = None


class Snapshot(Record):
    """A recorded coverage snapshot of one tenant: when, and the counts per connection."""

    id: int
    tenant: str
    tenant_identity: str = ""
    taken_at: AwareDatetime
    connections: tuple[ConnectionCounts, ...]


class RolloutTarget(Record):
    """A rollout goal for one connection in one tenant: ``target_pct`` % by ``target_date``."""

    tenant: Name
    tenant_identity: Line = ""
    stable_key: Name
    target_pct: Annotated[float, Field(gt=0, le=100)]
    target_date: date
    set_by: Name
    set_at: AwareDatetime

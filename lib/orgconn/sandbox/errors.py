"""Errors the sandbox reports: top-level GraphQL errors and mutation field errors."""

from __future__ import annotations

ALL_FIELDS = "__all__"


class SandboxError(Exception):
    """A request the sandbox refuses as a top-level GraphQL error (its message is shown as is)."""


class FieldErrors(Exception):
    """A mutation refused with ``errors { field messages }`` in its payload (HTTP 200).

    ``errors`` maps the camelCase input field (or ``__all__``) to its messages.
    """

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> FieldErrors:
        """A refusal with a single message on ``field``."""
        return cls({field: [message]})

    def payload(self) -> list[dict[str, object]]:
        """The ``errors`` list of a mutation payload."""
        return [{"field": k, "messages": v} for k, v in self.errors.items()]

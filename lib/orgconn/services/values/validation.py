"""Validate customer values before anything is sent to Prismatic.

One set of validators serves the customer-values form, the test-credentials form, the bulk
upload and the ``orgconn set`` command, so a value refused in one place is refused everywhere.

Prismatic's input types say little (a port is a ``STRING``), so the kind of a value is read from
the input definition: its ``type`` (``BOOLEAN``, ``CODE``/``JSONFORM`` are JSON, ``PASSWORD`` is a
secret) and, for plain strings, its key and label (``port``, ``...Url``/``endpoint``, ``timeout``
and other counts). Messages name the input and say what to type; they never quote a secret value.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlparse


class InputSpec(Protocol):
    """What validation needs to know of a connection input (``models.InputDefinition`` fits)."""

    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def default(self) -> str | None: ...


class ValueKind(StrEnum):
    """The kind of value an input holds, as far as validation is concerned."""

    TEXT = "text"
    SECRET = "secret"  # noqa: S105 - a kind of value, not a password
    BOOLEAN = "boolean"
    JSON = "json"
    PORT = "port"
    NUMBER = "number"
    URL = "url"


class IssueKind(StrEnum):
    """Why a value was refused; bulk upload groups its report by these."""

    REQUIRED = "required value missing"
    BAD_TYPE = "bad type"
    UNKNOWN_INPUT = "unknown input"


@dataclass(frozen=True)
class ValueIssue:
    """One refused value: which input, why, and a sentence that says what to fix."""

    input_key: str
    kind: IssueKind
    message: str


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NUMBER_WORDS = ("timeout", "count", "limit", "size", "retries", "seconds", "number")
_URL_WORDS = ("url", "endpoint", "webhook", "uri")
_SECRET_TYPES = {"PASSWORD"}
_JSON_TYPES = {"CODE", "JSONFORM", "DATA"}


def kind_of(spec: InputSpec) -> ValueKind:
    """The value kind of an input, from its type, then from its key and label."""
    return _kind_of(spec.type, spec.key, spec.label)


@functools.lru_cache(maxsize=1024)  # a bulk file asks it twice for every cell
def _kind_of(type_name: str, key: str, label: str) -> ValueKind:
    type_ = type_name.upper()
    if type_ in _SECRET_TYPES:
        return ValueKind.SECRET
    if type_ == "BOOLEAN":
        return ValueKind.BOOLEAN
    if type_ in _JSON_TYPES:
        return ValueKind.JSON
    words = f"{key} {label}".lower()
    if re.search(r"(^|[^a-z])port($|[^a-z])", words) or key.lower().endswith("port"):
        return ValueKind.PORT
    if any(w in words for w in _URL_WORDS):
        return ValueKind.URL
    if any(w in words for w in _NUMBER_WORDS):
        return ValueKind.NUMBER
    return ValueKind.TEXT


def is_blank(value: str | None) -> bool:
    """True for a value that counts as not given (None, empty or only spaces)."""
    return value is None or value.strip() == ""


def normalize(spec: InputSpec, value: str) -> str:
    """The value as it is sent: booleans as ``true``/``false``, plain text stripped.

    Call only on values that passed :func:`check_value`; secrets are returned untouched.
    """
    kind = kind_of(spec)
    if kind is ValueKind.SECRET:
        return value
    text = value.strip()
    if kind is ValueKind.BOOLEAN:
        return "true" if text.lower() in _TRUE else "false"
    return text


def check_value(spec: InputSpec, value: str | None) -> ValueIssue | None:
    """Check one value against its input definition; None when it is acceptable.

    A blank value is refused only when the input is required and has no default.
    """
    label = spec.label or spec.key
    if is_blank(value):
        if spec.required and is_blank(spec.default):
            return ValueIssue(spec.key, IssueKind.REQUIRED, f"{label} is required: enter a value.")
        return None
    assert value is not None
    kind = kind_of(spec)
    text = value.strip()
    problem: str | None = None
    if kind is ValueKind.BOOLEAN and text.lower() not in _TRUE | _FALSE:
        problem = f"{label} must be true or false (or yes/no, 1/0)."
    elif kind is ValueKind.PORT and not (text.isdigit() and 1 <= int(text) <= 65535):
        problem = f"{label} must be a port number from 1 to 65535."
    elif kind is ValueKind.NUMBER and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        problem = f"{label} must be a number, such as 30."
    elif kind is ValueKind.URL:
        parsed = urlparse(text)
        if parsed.scheme not in {"http", "https", "sftp", "ftp"} or not parsed.netloc:
            problem = f"{label} must be a full URL, such as https://api.example.com."
    elif kind is ValueKind.JSON:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            problem = f"{label} must be valid JSON ({exc.msg} at line {exc.lineno})."
    if problem is None:
        return None
    return ValueIssue(spec.key, IssueKind.BAD_TYPE, problem)


def check_values(
    specs: Iterable[InputSpec],
    values: Mapping[str, str | None],
    *,
    keep_blank: Iterable[str] = (),
) -> list[ValueIssue]:
    """Check a whole set of per-customer values; an empty list means it may be sent.

    ``keep_blank`` names inputs whose blank value means "keep the current value" (a secret
    that is already set and left empty in a form): they are not reported as missing.
    Keys in ``values`` that are not inputs of the connection are reported as unknown.
    """
    spec_list = list(specs)
    known = {s.key for s in spec_list}
    kept = set(keep_blank)
    issues: list[ValueIssue] = []
    for spec in spec_list:
        value = values.get(spec.key)
        if spec.key in kept and is_blank(value):
            continue
        issue = check_value(spec, value)
        if issue is not None:
            issues.append(issue)
    for key in values:
        if key not in known:
            names = ", ".join(sorted(known)) or "none"
            issues.append(
                ValueIssue(
                    key,
                    IssueKind.UNKNOWN_INPUT,
                    f"{key} is not a per-customer input of this connection (inputs: {names}).",
                )
            )
    return issues

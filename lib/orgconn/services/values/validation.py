"""Validate customer values before anything is sent to Prismatic.

One set of validators serves the customer-values form, the test-credentials form, the bulk
upload, the new-connection wizard and the ``orgconn set`` command, so a value refused in one place
is refused everywhere.

orgconn never refuses what Prismatic would accept. Refused (`check_value`, a `ValueIssue`) is
only what cannot be right: a required input left blank without a default, a ``BOOLEAN`` that is
not a boolean, and a ``CODE`` input whose ``language`` is ``json`` holding JSON that does not
parse. Other ``CODE`` languages, ``DATA`` and ``JSONFORM`` are text to us.

Everything else is a guess from the input's name and label (a ``port``, a ``...Url``/``endpoint``,
a ``timeout`` or other count or number): Prismatic's string inputs take any text, so a value that
does not look like its guess is only a `ValueWarning` (`warn_value`), shown beside the value and
never blocking the write. Names are read word by word (``smtpPort`` is a port, ``support`` and
``export`` are not). Messages name the input and say what was expected; they never quote a
secret value.
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
    @property
    def language(self) -> str | None: ...


class ValueKind(StrEnum):
    """The kind of value an input holds, as far as validation is concerned."""

    TEXT = "text"
    SECRET = "secret"  # noqa: S105 - a kind of value, not a password
    BOOLEAN = "boolean"
    JSON = "json"  # a CODE input whose language is JSON: refused unless it parses
    CODE = "code"  # other CODE languages, DATA, JSONFORM: several lines of text
    PORT = "port"  # the three guessed from a name: a value that does not fit only warns
    NUMBER = "number"
    URL = "url"

    @property
    def is_guess(self) -> bool:
        """Whether the kind is guessed from the input's name (its check only warns)."""
        return self in (ValueKind.PORT, ValueKind.NUMBER, ValueKind.URL)


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


@dataclass(frozen=True)
class ValueWarning:
    """A value that does not look like what the input's name suggests; it is sent all the same."""

    input_key: str
    message: str


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NUMBER_WORDS = {"timeout", "count", "limit", "size", "retries", "seconds", "number"}
_URL_WORDS = {"url", "endpoint", "webhook", "uri"}
_SECRET_TYPES = {"PASSWORD"}
_TEXT_BLOCK_TYPES = {"CODE", "JSONFORM", "DATA"}


def kind_of(spec: InputSpec) -> ValueKind:
    """The value kind of an input, from its type (and a CODE input's language), else its name."""
    return _kind_of(spec.type, spec.key, spec.label, spec.language)


def words_of(*names: str) -> set[str]:
    """The lowercase words of names in camelCase, snake_case, kebab-case or plain text."""
    spaced = " ".join(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", n) for n in names)
    return set(re.findall(r"[a-z]+", spaced.lower()))


@functools.lru_cache(maxsize=1024)  # a bulk file asks it twice for every cell
def _kind_of(type_name: str, key: str, label: str, language: str | None) -> ValueKind:
    type_ = type_name.upper()
    if type_ in _SECRET_TYPES:
        return ValueKind.SECRET
    if type_ == "BOOLEAN":
        return ValueKind.BOOLEAN
    if type_ == "CODE" and (language or "").lower() == "json":
        return ValueKind.JSON
    if type_ in _TEXT_BLOCK_TYPES:
        return ValueKind.CODE
    words = words_of(key, label)
    if "port" in words:
        return ValueKind.PORT
    if words & _URL_WORDS:
        return ValueKind.URL
    if words & _NUMBER_WORDS:
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
    """Refuse a value that cannot be right for its input; None when Prismatic would take it.

    A blank value is refused only when the input is required and has no default; otherwise
    only a BOOLEAN that is not a boolean and a JSON CODE input that does not parse. Guesses from
    the input's name are `warn_value`'s, never a refusal.
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
    elif kind is ValueKind.JSON:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            problem = f"{label} must be valid JSON ({exc.msg} at line {exc.lineno})."
    if problem is None:
        return None
    return ValueIssue(spec.key, IssueKind.BAD_TYPE, problem)


def warn_value(spec: InputSpec, value: str | None) -> ValueWarning | None:
    """A warning when a non-blank value does not look like what the input's name suggests.

    Only inputs whose kind is guessed (port, number, URL) warn; the value is sent as typed.
    """
    kind = kind_of(spec)
    if not kind.is_guess or value is None or is_blank(value):
        return None
    label = spec.label or spec.key
    text = value.strip()
    hint: str | None = None
    if kind is ValueKind.PORT and not (text.isdigit() and 1 <= int(text) <= 65535):
        hint = "a port number from 1 to 65535"
    elif kind is ValueKind.NUMBER and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        hint = "a number, such as 30"
    elif kind is ValueKind.URL:
        parsed = urlparse(text)
        if parsed.scheme not in {"http", "https", "sftp", "ftp"} or not parsed.netloc:
            hint = "a full URL, such as https://api.example.com"
    if hint is None:
        return None
    return ValueWarning(spec.key, f"{label} does not look like {hint} (from its name); it is "
                                  "saved as typed: check it.")


def warn_values(specs: Iterable[InputSpec], values: Mapping[str, str | None]
                ) -> list[ValueWarning]:
    """The `warn_value` warnings of the given values, in the inputs' order."""
    found = (warn_value(spec, values.get(spec.key)) for spec in specs)
    return [w for w in found if w is not None]


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

"""The validators shared by the form, bulk upload and `orgconn set`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from orgconn.services.values.validation import (
    IssueKind,
    ValueKind,
    check_value,
    check_values,
    kind_of,
    normalize,
)


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    type: str = "STRING"
    required: bool = False
    default: str | None = None


PORT = Spec("port", "Port", required=True)
URL = Spec("baseUrl", "Base URL")
FLAG = Spec("verifyTls", "Verify TLS", type="BOOLEAN")
JSON_CFG = Spec("options", "Options", type="CODE")
SECRET = Spec("apiKey", "API key", type="PASSWORD", required=True)
TIMEOUT = Spec("timeout", "Timeout (seconds)")
HOST = Spec("host", "Host", required=True, default="sftp.example.com")


@pytest.mark.parametrize(
    ("spec", "kind"),
    [(PORT, ValueKind.PORT), (URL, ValueKind.URL), (FLAG, ValueKind.BOOLEAN),
     (JSON_CFG, ValueKind.JSON), (SECRET, ValueKind.SECRET), (TIMEOUT, ValueKind.NUMBER),
     (HOST, ValueKind.TEXT)],
)
def test_the_kind_of_an_input_is_read_from_its_type_then_its_name(
    spec: Spec, kind: ValueKind
) -> None:
    assert kind_of(spec) is kind


@pytest.mark.parametrize(
    ("spec", "value"),
    [(PORT, "0"), (PORT, "65536"), (PORT, "22a"), (URL, "api.example.com"), (URL, "https://"),
     (FLAG, "maybe"), (JSON_CFG, "{not json"), (TIMEOUT, "ten")],
)
def test_a_value_of_the_wrong_kind_is_refused_with_a_sentence_naming_the_input(
    spec: Spec, value: str
) -> None:
    issue = check_value(spec, value)
    assert issue is not None
    assert issue.kind is IssueKind.BAD_TYPE
    assert spec.label in issue.message


@pytest.mark.parametrize(
    ("spec", "value"),
    [(PORT, "22"), (PORT, " 65535 "), (URL, "https://api.example.com/v1"), (FLAG, "Yes"),
     (JSON_CFG, '{"a": [1, 2]}'), (TIMEOUT, "2.5"), (SECRET, "anything at all")],
)
def test_a_value_of_the_right_kind_passes(spec: Spec, value: str) -> None:
    assert check_value(spec, value) is None


def test_a_required_input_without_a_default_must_have_a_value() -> None:
    issue = check_value(PORT, "   ")
    assert issue is not None and issue.kind is IssueKind.REQUIRED
    assert check_value(HOST, "") is None, "a default fills a blank required input"


def test_a_secret_left_blank_to_keep_its_value_is_not_missing() -> None:
    assert check_values([SECRET], {"apiKey": ""}, keep_blank=["apiKey"]) == []
    issues = check_values([SECRET], {"apiKey": ""})
    assert [i.kind for i in issues] == [IssueKind.REQUIRED]


def test_values_for_inputs_the_connection_does_not_have_are_reported() -> None:
    issues = check_values([PORT], {"port": "22", "colour": "blue"})
    assert [(i.input_key, i.kind) for i in issues] == [("colour", IssueKind.UNKNOWN_INPUT)]
    assert "port" in issues[0].message


def test_messages_never_quote_the_refused_value() -> None:
    issue = check_value(Spec("options", "Options", type="CODE"), "{canary-123")
    assert issue is not None and "canary-123" not in issue.message


def test_normalize_writes_booleans_as_true_or_false_and_leaves_secrets_untouched() -> None:
    assert normalize(FLAG, " YES ") == "true"
    assert normalize(FLAG, "0") == "false"
    assert normalize(SECRET, " pad ") == " pad "
    assert normalize(HOST, " h ") == "h"

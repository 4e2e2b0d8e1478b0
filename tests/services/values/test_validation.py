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
    warn_value,
    warn_values,
)


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    type: str = "STRING"
    required: bool = False
    default: str | None = None
    language: str | None = None


PORT = Spec("port", "Port", required=True)
URL = Spec("baseUrl", "Base URL")
FLAG = Spec("verifyTls", "Verify TLS", type="BOOLEAN")
JSON_CFG = Spec("options", "Options", type="CODE", language="json")
SQL = Spec("query", "Query", type="CODE", language="sql")
UNSAID = Spec("template", "Template", type="CODE")
DATA = Spec("certificate", "Certificate", type="DATA")
SECRET = Spec("apiKey", "API key", type="PASSWORD", required=True)
TIMEOUT = Spec("timeout", "Timeout (seconds)")
ACCOUNT = Spec("accountNumber", "Account number", required=True)
HOST = Spec("host", "Host", required=True, default="sftp.example.com")


@pytest.mark.parametrize(
    ("spec", "kind"),
    [(PORT, ValueKind.PORT), (Spec("smtpPort", "SMTP"), ValueKind.PORT),
     (URL, ValueKind.URL), (FLAG, ValueKind.BOOLEAN), (JSON_CFG, ValueKind.JSON),
     (SQL, ValueKind.CODE), (UNSAID, ValueKind.CODE), (DATA, ValueKind.CODE),
     (SECRET, ValueKind.SECRET), (TIMEOUT, ValueKind.NUMBER), (ACCOUNT, ValueKind.NUMBER),
     (HOST, ValueKind.TEXT)],
)
def test_the_kind_of_an_input_is_read_from_its_type_and_language_then_its_name(
    spec: Spec, kind: ValueKind
) -> None:
    assert kind_of(spec) is kind


@pytest.mark.parametrize("key", ["support", "report", "exportFormat", "passport_holder",
                                 "security", "urlsafe"])
def test_a_name_that_only_contains_port_or_uri_is_plain_text(key: str) -> None:
    assert kind_of(Spec(key, key)) is ValueKind.TEXT


@pytest.mark.parametrize(("spec", "value"), [(FLAG, "maybe"), (JSON_CFG, "{not json")])
def test_only_a_bad_boolean_or_json_that_does_not_parse_is_refused(spec: Spec, value: str
                                                                   ) -> None:
    issue = check_value(spec, value)
    assert issue is not None
    assert issue.kind is IssueKind.BAD_TYPE
    assert spec.label in issue.message


@pytest.mark.parametrize(
    ("spec", "value"),
    [(PORT, "0"), (PORT, "65536"), (PORT, "22a"), (URL, "api.example.com"), (URL, "https://"),
     (TIMEOUT, "ten"), (ACCOUNT, "AC-004211")],
)
def test_a_value_unlike_its_name_is_accepted_with_a_warning_naming_the_input(
    spec: Spec, value: str
) -> None:
    assert check_value(spec, value) is None
    warning = warn_value(spec, value)
    assert warning is not None and warning.input_key == spec.key
    assert spec.label in warning.message and "saved as typed" in warning.message


@pytest.mark.parametrize(("spec", "value"), [(SQL, "select {"), (UNSAID, "{{ not json"),
                                             (DATA, "-----BEGIN")])
def test_code_in_other_languages_and_data_are_text(spec: Spec, value: str) -> None:
    assert check_value(spec, value) is None
    assert warn_value(spec, value) is None


@pytest.mark.parametrize(
    ("spec", "value"),
    [(PORT, "22"), (PORT, " 65535 "), (URL, "https://api.example.com/v1"), (FLAG, "Yes"),
     (JSON_CFG, '{"a": [1, 2]}'), (TIMEOUT, "2.5"), (SECRET, "anything at all")],
)
def test_a_value_of_the_right_kind_passes_without_warning(spec: Spec, value: str) -> None:
    assert check_value(spec, value) is None
    assert warn_value(spec, value) is None


def test_warnings_follow_the_inputs_order_and_skip_blank_values() -> None:
    found = warn_values([PORT, URL, TIMEOUT], {"timeout": "ten", "port": "x", "baseUrl": ""})
    assert [w.input_key for w in found] == ["port", "timeout"]


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
    issue = check_value(JSON_CFG, "{canary-123")
    assert issue is not None and "canary-123" not in issue.message
    warning = warn_value(TIMEOUT, "canary-123")
    assert warning is not None and "canary-123" not in warning.message


def test_normalize_writes_booleans_as_true_or_false_and_leaves_secrets_untouched() -> None:
    assert normalize(FLAG, " YES ") == "true"
    assert normalize(FLAG, "0") == "false"
    assert normalize(SECRET, " pad ") == " pad "
    assert normalize(HOST, " h ") == "h"

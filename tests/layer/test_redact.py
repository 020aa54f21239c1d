"""The privacy setting (BOTANALYTICS_REDACT): what is masked, what must survive, and that it never raises."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botanalytics.redact import CARD_MASK, EMAIL_MASK, FIELD_MASK, PHONE_MASK, Redactor, luhn_ok, redact

ALL = Redactor(fields=("password", "ssn"))


@pytest.mark.parametrize(
    "text",
    [
        "john.doe+pizza@example.co.uk",
        "A@B.IO",
        "first_last@sub.domain.example.com",
    ],
)
def test_given_an_email_when_redacted_then_masked(text):
    assert ALL.redact(f"write to {text} please") == f"write to {EMAIL_MASK} please"


@pytest.mark.parametrize(
    "text",
    [
        "+1 (415) 555-2671",
        "+14155552671",
        "+44 20 7946 0958",
        "+442079460958",
        "+49 30 12345678",
        "(415) 555-2671",
        "415-555-2671",
        "415.555.2671",
        "020 7946 0958",
        "01 23 45 67 89",
        "1-800-555-1234",
    ],
)
def test_given_a_phone_number_when_redacted_then_masked(text):
    assert ALL.redact(f"call {text} now") == f"call {PHONE_MASK} now"


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "378282246310005",
        "5105105105105100",
        "6011000990139424",
        "3530111333300000",
        "4222222222222",
    ],
)
def test_given_a_card_number_when_redacted_then_masked(text):
    assert ALL.redact(f"card {text}.") == f"card {CARD_MASK}."


@pytest.mark.parametrize(
    "text",
    [
        "1704110400000",  # a millisecond timestamp (as a string)
        "1704110400.123",  # Slack ts
        "c0ffee00-0000-4000-8000-000000000001",  # a Lambda request id
        "12345678-1234-4123-8123-123456789012",  # a uuid made of digits
        "2024-01-01T12:00:00.000Z",
        "2024-01-01 12:00:00",
        "01/02/2024",
        "192.168.100.200",
        "10.0.19045.2965",
        "v1.2.3",
        "3.14159",
        "4111111111111112",  # fails Luhn
        "1799999999999",
        "17041104001234",  # ms timestamps that may pass Luhn
        "amzn1.echo-api.request.0000-test",
        "1 2 3 4 5 6 7 8 9",
        "order 12",
        "Root=1-65929a05-1b2c3d4e5f6a7b8c9d0e1f2a",
        "arn:aws:sqs:us-east-1:123456789012:chat-queue",
    ],
)
def test_given_ids_timestamps_and_numbers_when_redacted_then_they_survive(text):
    assert ALL.redact(text) == text


def test_given_ms_timestamps_that_pass_luhn_then_they_are_not_taken_for_cards():
    stamps = [str(ms) for ms in range(1704110400000, 1704110400000 + 2000) if luhn_ok(str(ms))]
    assert len(stamps) > 100
    assert ALL.redact(" ".join(stamps)) == " ".join(stamps)


def test_given_a_nested_body_when_redacted_then_a_new_body_with_fields_masked_at_any_depth():
    # given a body with a listed field deep inside, numbers, and a tuple
    body = {
        "user": {"id": "u1", "Password": "hunter2", "profile": [{"SSN": {"a": 1}}]},
        "message": {"timestamp": 1704110400000, "text": "mail a@b.io"},
        "pair": ("x@y.io", 5),
        "ok": True,
    }
    before = copy.deepcopy(body)
    # when redacted
    out = ALL.redact(body)
    # then the copy is masked and the original untouched
    assert out == {
        "user": {"id": "u1", "Password": FIELD_MASK, "profile": [{"SSN": FIELD_MASK}]},
        "message": {"timestamp": 1704110400000, "text": f"mail {EMAIL_MASK}"},
        "pair": [EMAIL_MASK, 5],
        "ok": True,
    }
    assert body == before and out is not body


def test_given_a_setting_string_when_parsed_then_the_right_kinds_and_fields():
    assert Redactor.from_setting("email,phone,card,field:ssn,field:dob") == Redactor(fields=("ssn", "dob"))
    assert Redactor.from_setting("all") == Redactor()
    assert Redactor.from_setting("email") == Redactor(phones=False, cards=False)
    assert Redactor.from_setting("field:Date-Of-Birth|pin").fields == ("date_of_birth", "pin")
    assert not Redactor.from_setting("").enabled and not Redactor.from_setting("none").enabled
    assert not Redactor.from_setting(None).enabled


def test_given_an_unknown_word_when_parsed_then_warned_without_the_value_and_ignored(caplog):
    redactor = Redactor.from_setting("email,s3cr3t-value")
    assert redactor == Redactor(phones=False, cards=False)
    assert "s3cr3t-value" not in caplog.text and "BOTANALYTICS_REDACT" in caplog.text


def test_given_the_env_setting_when_redact_is_called_then_it_applies(monkeypatch):
    monkeypatch.setenv("BOTANALYTICS_REDACT", "phone")
    assert redact({"t": "call 415-555-2671, mail a@b.io"}) == {"t": f"call {PHONE_MASK}, mail a@b.io"}


def test_given_nothing_enabled_when_redacted_then_the_body_is_returned_as_is():
    body = {"a": "a@b.io"}
    assert Redactor(emails=False, phones=False, cards=False).redact(body) is body


def test_given_nesting_deeper_than_the_limit_when_redacted_then_the_deep_part_is_masked_not_raised():
    deep = "a@b.io"
    for _ in range(5000):
        deep = [deep]
    out = ALL.redact({"x": deep})
    assert EMAIL_MASK not in json.dumps(out)[:10] and "a@b.io" not in json.dumps(out)


def test_given_a_1mb_string_when_redacted_then_it_finishes_quickly():
    import time

    text = ("1234567890 " * 50_000) + "x@y.io " + ("+1 415 555 2671 " * 10_000)
    start = time.perf_counter()
    out = ALL.redact(text)
    assert time.perf_counter() - start < 5
    assert "x@y.io" not in out and "+1 415" not in out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_redaction_never_raises_keeps_the_shape_and_is_idempotent(value):
    out = ALL.redact(value)
    assert ALL.redact(out) == out
    assert type(out) is type(value) or isinstance(value, tuple)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=10**12, max_value=4 * 10**12 - 1), st.uuids())
def test_timestamps_and_request_ids_always_survive(ms, request_id):
    text = f"{ms} {request_id} {ms // 1000}.{ms % 1000:03d}"
    assert ALL.redact(text) == text

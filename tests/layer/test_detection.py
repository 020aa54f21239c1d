"""The registry picks the right platform for every sample event, and nothing at all raises on hostile input."""
from __future__ import annotations

import base64
import copy
import json

import pytest
from botanalytics import envelope, platforms
from botanalytics.platforms import Turn
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.events import all_events, load_event

EXPECTED = {"alexa": "alexa", "lex": "lex", "generic": "generic", "non_bot": None}
ALL = [name for folder in EXPECTED for name, _ in all_events(folder)]
# Events of the other platforms (their own tests check who owns them): only that none of these is
# taken by Alexa, Lex or the generic catch-all.
OTHERS = [name for name, _ in all_events() if name.split("/")[0] not in EXPECTED]


def detect(event):
    return platforms.detect(Turn(event, envelope.read_request(event), "req-1"))


def test_every_folder_has_events():
    folders = {name.split("/")[0] for name in ALL}

    assert folders == set(EXPECTED)
    assert len(ALL) >= 23


@pytest.mark.parametrize("name", ALL)
def test_each_sample_event_is_detected_as_its_platform(name):
    platform = detect(load_event(name)["event"])

    assert (platform.identifier if platform else None) == EXPECTED[name.split("/")[0]]


@pytest.mark.parametrize("name", ALL)
def test_each_sample_file_has_the_documented_keys(name):
    data = load_event(name)

    assert set(data) == {"description", "event", "response"}
    assert isinstance(data["description"], str) and data["description"]
    assert isinstance(data["event"], dict)


@pytest.mark.parametrize("name", [name for name in ALL if not name.startswith("non_bot/")])
def test_each_sample_gives_json_serialisable_records(name):
    data = load_event(name)
    turn = Turn(data["event"], envelope.read_request(data["event"]), "req-1")
    platform = platforms.detect(turn)
    assert platform is not None
    http_response = envelope.read_response(data["response"], turn.http.source) if turn.http else None

    records = platform.incoming(turn) + platform.outgoing(turn, data["response"], http_response)

    assert records
    for record in records:
        assert record.path.startswith("messages/") and record.path.endswith("/")
        json.dumps(record.body)


@pytest.mark.parametrize("name", OTHERS or ["(none)"])
def test_events_of_other_platforms_are_not_taken_by_alexa_lex_or_generic(name):
    if not OTHERS:
        pytest.skip("no other platform's events")
    platform = detect(load_event(name).get("event"))

    assert platform is None or platform.identifier not in EXPECTED.values()


def test_forcing_a_platform_that_does_not_match_gives_none():
    event = load_event("lex/v2_fulfillment")["event"]

    assert platforms.detect(Turn(event, None, "r"), only="alexa") is None
    assert platforms.detect(Turn(event, None, "r"), only="lex").identifier == "lex"
    assert platforms.detect(Turn(event, None, "r"), only="no-such-platform") is None


# -- hostile input ---------------------------------------------------------------------------------------


def nested(depth):
    """A chain ``depth`` objects deep, as a parsed JSON event would be (no shared sub-objects)."""
    value = {"text": "bottom"}
    for level in range(depth):
        value = {"user": value, "message": {"text": f"level {level}"}} if level % 2 else {"request": [value]}
    return value


def nested_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def big_generic():
    event = copy.deepcopy(load_event("generic/webchat_apigw_http")["event"])
    event["body"] = json.dumps({"userId": "u", "text": "x" * 1_000_000})
    return event


def http_with_body(body, b64=False):
    event = copy.deepcopy(load_event("generic/webchat_apigw_http")["event"])
    event["body"] = body
    event["isBase64Encoded"] = b64
    return event


HOSTILE = {
    "none": None,
    "empty list": [],
    "empty string": "",
    "zero": 0,
    "string": "hello bot",
    "bytes": b"\x00\xff",
    "empty dict": {},
    "float nan": float("nan"),
    "nested dict 500": nested(500),
    "nested list 500": nested_list(500),
    "1 MB field": {"user": {"id": "u"}, "message": {"text": "x" * 1_000_000}},
    "1 MB key soup": {"x" * 1_000_000: 1},
    "1 MB http body": big_generic(),
    "invalid base64": http_with_body("%%%not-base64", b64=True),
    "invalid utf-8": http_with_body(base64.b64encode(b'{"userId": "u", "text": "\xff"}').decode(), b64=True),
    "invalid json": http_with_body('{"userId": "u", "text": '),
    "deep json body": http_with_body("[" * 100_000 + "]" * 100_000),
    "lone surrogate body": http_with_body('{"userId": "u", "text": "\ud800"}'),
    "alexa wrong types": {"version": "1.0", "request": {"type": 5}, "context": {"System": []}},
    "lex wrong types": {"messageVersion": "1.0", "bot": [], "currentIntent": "x", "userId": None,
                        "inputTranscript": 5, "sessionState": 1, "interpretations": {}},
    "lex v2 half": {"messageVersion": "1.0", "bot": {"id": 1, "localeId": 2}, "sessionId": "s",
                    "interpretations": [], "sessionState": {"intent": None}},
    "generic wrong types": {"user": {"id": None}, "message": {"text": 5}},
    "http without context": {"httpMethod": "POST", "body": "{}", "requestContext": "x"},
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_events_never_raise(name):
    event = HOSTILE[name]
    turn = Turn(event, envelope.read_request(event), "req-1")

    for identifier in platforms.REGISTRY:
        platform = platforms.get(identifier)
        assert platform is not None
        platform.detect(turn)
        platform.incoming(turn)
        for response in (None, event, {}, "x", {"statusCode": 200, "body": "@@", "isBase64Encoded": True}):
            platform.outgoing(turn, response, envelope.read_response(response))


@pytest.mark.parametrize("name", ["none", "empty list", "empty string", "zero", "string", "empty dict",
                                  "nested list 500", "invalid base64", "invalid utf-8", "invalid json",
                                  "deep json body", "alexa wrong types", "lex wrong types", "http without context"])
def test_hostile_events_are_not_claimed(name):
    assert detect(HOSTILE[name]) is None


def test_a_1mb_message_is_still_a_message():
    platform = detect(HOSTILE["1 MB http body"])

    assert platform is not None and platform.identifier == "generic"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["version", "request", "type", "context", "System", "session", "messageVersion", "bot",
                         "currentIntent", "userId", "inputTranscript", "sessionState", "sessionId", "id",
                         "localeId", "interpretations", "user", "message", "text", "name", "timestamp",
                         "nlu_payload", "requestContext", "http", "body", "dialogAction", "messages",
                         "responseCard", "intent", "state"]),
        children, max_size=6),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, JSON_VALUES)
def test_arbitrary_events_and_responses_never_raise(event, response):
    turn = Turn(event, envelope.read_request(event), "req-1")
    for identifier in platforms.REGISTRY:
        platform = platforms.get(identifier)
        if platform.detect(turn):
            for record in platform.incoming(turn) + platform.outgoing(turn, response, None):
                json.dumps(record.body)

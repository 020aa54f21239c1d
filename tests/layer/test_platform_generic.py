"""Generic JSON chat: the user's message before the handler, the bot's replies after it; nlu_payload."""
from __future__ import annotations

import copy
import json

import pytest
from botanalytics import envelope
from botanalytics.platforms import Turn, nlu
from botanalytics.platforms.generic import PLATFORM, to_ms
from botanalytics.record import now_ms
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.events import all_events, load_event

GENERIC = [name for name, _ in all_events("generic")]


def turn_for(event, request_id="req-1"):
    return Turn(event, envelope.read_request(event), request_id)


def http_event(body, content_type="application/json"):
    event = copy.deepcopy(load_event("generic/webchat_apigw_http")["event"])
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    event["headers"]["content-type"] = content_type
    return event


def run(event, response):
    turn = turn_for(event)
    http = turn.http
    http_response = envelope.read_response(response, http.source) if http else None
    return PLATFORM.incoming(turn), PLATFORM.outgoing(turn, response, http_response)


def assert_wire_shape(body, is_sender_bot):
    assert list(body)[:3] == ["is_sender_bot", "user", "message"]
    assert body["is_sender_bot"] is is_sender_bot
    assert list(body["user"]) == ["id", "name"]
    assert all(isinstance(v, str) and v for v in body["user"].values())
    assert list(body["message"]) == ["timestamp", "text"]
    assert type(body["message"]["timestamp"]) is int
    assert isinstance(body["message"]["text"], str)


@pytest.mark.parametrize("name", GENERIC)
def test_each_sample_gives_the_users_message_then_the_bots_reply(name):
    data = load_event(name)
    before = now_ms()

    incoming, outgoing = run(data["event"], data["response"])

    assert [r.path for r in incoming + outgoing] == ["messages/generic/"] * 2
    assert_wire_shape(incoming[0].body, False)
    assert_wire_shape(outgoing[0].body, True)
    assert incoming[0].body["user"] == outgoing[0].body["user"]
    assert outgoing[0].body["message"]["text"] == json.loads(data["response"]["body"])["text"]
    assert outgoing[0].body["message"]["timestamp"] >= before
    assert incoming[0].request_id == outgoing[0].request_id == "req-1"


def test_reference_shape_is_sent_as_the_official_sdk_sends_it():
    data = load_event("generic/webchat_apigw_rest")

    [record], _ = run(data["event"], data["response"])

    assert json.dumps(record.body) == (
        '{"is_sender_bot": false, "user": {"id": "web-7f3a91", "name": "Ada"}, '
        '"message": {"timestamp": 1704110400000, "text": "Hello!"}}'
    )


@pytest.mark.parametrize(
    "name,user,stamp",
    [
        ("generic/webchat_apigw_http", {"id": "web-1c9e44", "name": "web-1c9e44"}, None),
        ("generic/webchat_alb", {"id": "web-9d2b77", "name": "Linus"}, 1704110405250),
        ("generic/webchat_base64", {"id": "web-3e8f12", "name": "Barbara"}, None),
        ("generic/webchat_form", {"id": "form-0042", "name": "Edsger D"}, None),
        ("generic/sms_apigw_http", {"id": "+15555550123", "name": "+15555550123"}, 1704110420000),
    ],
)
def test_user_and_timestamp_from_each_shape(name, user, stamp):
    data = load_event(name)
    before = now_ms()

    [record], _ = run(data["event"], data["response"])

    assert record.body["user"] == user
    if stamp is None:
        assert record.body["message"]["timestamp"] >= before
    else:
        assert record.body["message"]["timestamp"] == stamp


def test_nlu_payload_from_the_request_is_attached_to_the_users_message():
    data = load_event("generic/webchat_function_url")

    [record], [reply] = run(data["event"], data["response"])

    assert record.body["nlu_payload"]["type"] == "rasa"
    assert record.body["nlu_payload"]["intent"] == {"name": "greet", "confidence": 0.97}
    assert list(record.body) == ["is_sender_bot", "user", "message", "nlu_payload"]
    assert "nlu_payload" not in reply.body


def test_nlu_payload_of_unknown_type_is_dropped():
    event = http_event({"userId": "u", "text": "hi", "nlu_payload": {"type": "dialogflow", "x": 1}})

    [record], _ = run(event, {"text": "yo"})

    assert "nlu_payload" not in record.body


def test_direct_invocation_in_the_reference_shape():
    event = {"user": {"id": 42}, "message": {"text": "hello", "timestamp": 1704110400}}

    [record], replies = run(event, {"text": "hi!", "timestamp": 1704110401500})

    assert record.body["user"] == {"id": "42", "name": "42"}
    assert record.body["message"] == {"timestamp": 1704110400000, "text": "hello"}
    assert [r.body["message"] for r in replies] == [{"timestamp": 1704110401500, "text": "hi!"}]
    assert replies[0].body["is_sender_bot"] is True


def test_direct_invocation_does_not_accept_the_simple_shapes():
    assert not PLATFORM.detect(Turn({"userId": "u", "text": "hi"}, None, "r"))


@pytest.mark.parametrize(
    "reply,texts",
    [
        ({"reply": "a"}, ["a"]),
        ({"message": "a"}, ["a"]),
        ("plain", ["plain"]),
        (["a", {"text": "b"}, 5, {"nothing": 1}], ["a", "b"]),
        ({"messages": [{"text": "a"}, {"text": "b"}]}, ["a", "b"]),
        ({"is_sender_bot": True, "user": {"id": "x"}, "message": {"text": "ref", "timestamp": 1}}, ["ref"]),
        ({"text": ""}, []),
        ({"statusCode": 204, "body": ""}, []),
        ({"statusCode": 500, "body": "{\"text\": \"boom\"}"}, []),
        ({"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "plain"}, ["plain"]),
        (None, []),
    ],
)
def test_bot_reply_shapes(reply, texts):
    _, outgoing = run(http_event({"userId": "u", "text": "hi"}), reply)

    assert [r.body["message"]["text"] for r in outgoing] == texts
    assert all(r.body["user"] == {"id": "u", "name": "u"} for r in outgoing)


def test_replies_are_capped():
    _, outgoing = run(http_event({"userId": "u", "text": "hi"}), {"messages": ["x"] * 1000})

    assert len(outgoing) == 50


@pytest.mark.parametrize(
    "body",
    [
        {"userId": "u"},
        {"text": "no user"},
        {"userId": "u", "text": "   "},
        {"userId": True, "text": "bool id"},
        {"userId": {"id": "u"}, "text": "dict id"},
        {"object": "page", "entry": [{"messaging": [{"message": {"text": "hi"}}]}]},
        {"update_id": 1, "message": {"text": "hi", "from": {"id": 1}}},
        {"type": "message", "text": "hi", "from": {"id": "u1"}},
        [{"userId": "u", "text": "hi"}],
        "just text",
    ],
)
def test_http_bodies_that_are_not_a_chat_message_are_not_claimed(body):
    assert not PLATFORM.detect(turn_for(http_event(body)))


def test_form_body_without_a_form_content_type_is_not_read_as_a_form():
    assert not PLATFORM.detect(turn_for(http_event("userId=u&text=hi", "text/plain")))


@pytest.mark.parametrize("name", [n for n, _ in all_events("non_bot")] + [n for n, _ in all_events("lex")]
                         + [n for n, _ in all_events("alexa")])
def test_other_events_are_not_claimed(name):
    data = load_event(name)
    turn = turn_for(data["event"])

    assert not PLATFORM.detect(turn)
    assert PLATFORM.incoming(turn) == []
    assert PLATFORM.outgoing(turn, data["response"], None) == []


# -- timestamps ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (1704110400000, 1704110400000),
        (1704110400, 1704110400000),
        (1704110400.123, 1704110400123),
        ("1704110400", 1704110400000),
        ("1704110400.123", 1704110400123),
        ("1704110400000", 1704110400000),
        ("2024-01-01T12:00:00Z", 1704110400000),
        ("2024-01-01T12:00:00.5Z", 1704110400500),
        ("2024-01-01T12:00:00.123456789+00:00", 1704110400123),
        ("2024-01-01T14:00:00+02:00", 1704110400000),
        ("2024-01-01 12:00:00", 1704110400000),
        (True, None), (None, None), ("soon", None), ("nan", None), ("inf", None), (-5, None), (0, None),
        ([], None), ("x" * 100, None), (10 ** 30, None),
    ],
)
def test_to_ms(value, expected):
    assert to_ms(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40)))
def test_to_ms_never_raises_and_gives_an_int(value):
    result = to_ms(value)

    assert result is None or type(result) is int


# -- nlu -------------------------------------------------------------------------------------------------

LUIS = {"query": "I am looking for Mexican food", "topScoringIntent": {"intent": "FindFood", "score": 0.93},
        "intents": [{"intent": "FindFood", "score": 0.93}], "entities": []}
RASA = {"text": "hi", "intent": {"name": "greet", "confidence": 0.97}, "entities": []}
WATSON_V1 = {"input": {"text": "hi"}, "intents": [{"intent": "greet", "confidence": 1}], "entities": [],
             "output": {"text": ["Hello"]}, "context": {}}
WATSON_V2 = {"output": {"generic": [{"response_type": "text", "text": "Hello"}], "intents": [], "entities": []},
             "context": {}}


@pytest.mark.parametrize("result,kind", [(LUIS, "luis"), (RASA, "rasa"), (WATSON_V1, "watson_assistant"),
                                         (WATSON_V2, "watson_assistant"), ({"a": 1}, None), (None, None)])
def test_nlu_detects_the_service_from_the_shape(result, kind):
    assert nlu.detect_type(result) == kind


def test_nlu_build_puts_type_first_and_keeps_the_result():
    payload = nlu.luis(LUIS)

    assert payload is not None
    assert next(iter(payload)) == "type" and payload["type"] == "luis"
    assert {k: v for k, v in payload.items() if k != "type"} == LUIS
    assert nlu.rasa(RASA)["type"] == "rasa"
    assert nlu.watson_assistant(WATSON_V2)["type"] == "watson_assistant"
    assert nlu.build("dialogflow", RASA) is None
    assert nlu.build("rasa", "not a dict") is None


@pytest.mark.parametrize(
    "payload,kind",
    [
        (dict(RASA, type="rasa"), "rasa"),
        (dict(RASA, type="RASA"), "rasa"),
        (dict(WATSON_V2, type="watson"), "watson_assistant"),
        (RASA, "rasa"),
        (dict(RASA, type="dialogflow"), None),
        ({"type": None}, None),
        ([], None),
    ],
)
def test_nlu_normalize(payload, kind):
    result = nlu.normalize(payload)

    assert (result["type"] if result else None) == kind
    if result:
        assert next(iter(result)) == "type"

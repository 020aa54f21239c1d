"""The collector enforces the Botanalytics v1 contract: known paths and methods, required fields and
their JSON types, well-formed JSON objects; it stores what it accepts and drops duplicate record ids."""
from __future__ import annotations

import copy
import gzip
import json
import time

import pytest

from devtools.collector import RECORD_ID_HEADER
from devtools.collector.contract import ENDPOINTS

ALEXA_PAIR = {
    "request": {
        "version": "1.0",
        "session": {"new": True, "sessionId": "s", "user": {"userId": "amzn1.ask.account.TESTUSER"}},
        "context": {"System": {"user": {"userId": "amzn1.ask.account.TESTUSER"}}},
        "request": {"type": "IntentRequest", "requestId": "r", "timestamp": "2024-01-01T12:00:00Z"},
    },
    "response": {"version": "1.0", "response": {"shouldEndSession": False}},
}
LEX_FLAT = {
    "user_id": "lex-user-42",
    "user_content": "I want roses",
    "bot_content": "Your roses are ordered.",
    "user_request_type": "text",
    "bot_response_type": "text",
    "request": {"id": "c0ffee00", "attributes": {}, "state": "Fulfilled", "bot_name": "OrderFlowers",
                "intent_resolved_name": "OrderFlowers", "intent_applied_name": "",
                "intent_confirmation_status": "None"},
}
GENERIC = {
    "is_sender_bot": False,
    "user": {"id": "user-42", "name": "Test User"},
    "message": {"timestamp": 1704110400000, "text": "hello bot"},
}
GOOGLE_PAIR = {"request": {"user": {"userId": "g"}, "conversation": {"conversationId": "c"}, "inputs": []},
               "response": {"expectUserResponse": False, "finalResponse": {}}}

#: One acceptable body per endpoint (from the reference and WIRE-FORMAT.md captures). Keep in step with
#: devtools/collector/contract.py: a test below fails when a path has no example.
VALID = {
    ("POST", "messages/amazon-alexa/"): ALEXA_PAIR,
    ("POST", "messages/amazon-lex/"): LEX_FLAT,
    ("POST", "messages/generic/"): GENERIC,
    ("POST", "platform/users/"): {"id": "u1", "email": "a@example.com"},
    ("POST", "messages/facebook-messenger/"): {"recipient": None, "timestamp": 1704110400000,
                                              "message": {"object": "page", "entry": []}},
    ("POST", "facebook-messenger/users/"): {"user_id": "PSID1", "first_name": "Test"},
    ("PATCH", "bots/me"): {"platform_token": "pt", "webhook_url": "https://bot.example/pause"},
    ("PATCH", "bots/me/"): {"platform_token": "pt", "webhook_url": "https://bot.example/pause"},
    ("POST", "bots/slack/initialize/"): {"self": {}, "team": {}, "users": [], "channels": [], "groups": [],
                                         "mpims": [], "ims": [], "bots": []},
    ("POST", "messages/slack/"): {"type": "message", "is_bot": False, "text": "hi", "ts": "1704110400.123"},
    ("POST", "messages/slack/event/"): {"type": "event_callback", "event": {"type": "message"}},
    ("POST", "messages/slack/interactive/"): {"type": "interactive_message", "actions": []},
    ("POST", "messages/google-assistant/"): GOOGLE_PAIR,
    ("POST", "messages/google-assistant/dialogflow/"): {
        "request": {"originalDetectIntentRequest": {"payload": {}}, "queryResult": {"queryText": "hi"}},
        "response": {"payload": {"google": {"expectUserResponse": True}}}},
    ("POST", "messages/rbm/"): {"senderPhoneNumber": "+15550100", "text": "hi"},
    ("POST", "microsoft-bot-framework/messages/"): {"type": "message", "text": "hi", "from": {"id": "u1"}},
    ("POST", "twilio/sms/messages/"): {"is_sender_bot": True, "message": {"Body": "hi"}},
    ("POST", "messages/line/"): {"events": [{"type": "message"}]},
    ("POST", "line/users/"): {"userId": "U4af4980629", "displayName": "LINE taro"},
    ("POST", "messages/viber/"): {"message": {"text": "hi"}},
    ("POST", "viber/users/"): {"id": "v1", "name": "Viber User"},
    ("POST", "messages/kik/"): {"messages": [{"type": "text", "body": "hi"}]},
    ("POST", "kik/users/"): {"username": "kikuser"},
    ("POST", "messages/wechat/"): {"is_sender_bot": False, "message": {"Content": "hi"}},
    ("POST", "wechat/users/"): {"openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "sex": 1},
    ("POST", "watson-assistant/messages/"): {"input": {"text": "hi"}, "output": {}, "timestamp": 1},
    ("POST", "rasa/messages/"): {"event": "user", "sender_id": "s1", "text": "hi",
                                 "timestamp": 1704110400.123},
}


def test_every_endpoint_of_the_contract_has_a_valid_example_here():
    table = {(m, e.path) for e in ENDPOINTS for m in e.methods}
    covered = set(VALID) | {("PATCH", "watson-assistant/messages/")}
    assert table == covered


@pytest.mark.parametrize("method, path", sorted(VALID), ids=lambda v: v)
def test_given_a_valid_body_when_sent_to_its_path_then_201_and_it_is_stored(method, path, api, collector):
    reply = api.request(method, path, VALID[(method, path)], headers={RECORD_ID_HEADER: "rid-1"})

    assert (reply.status, reply.json()) == (201, {"ok": True})
    [stored] = collector.records(path)
    assert (stored.path, stored.method, stored.body) == (path, method, VALID[(method, path)])


def test_given_an_accepted_record_then_its_row_has_path_headers_id_and_arrival_time(api, collector):
    before = int(time.time() * 1000)
    api.post("messages/generic/", GENERIC, headers={RECORD_ID_HEADER: "rid-7", "X-Custom": "yes"})

    [stored] = collector.records()
    assert stored.path == "messages/generic/" and stored.method == "POST"
    assert stored.record_id == "rid-7"
    assert stored.headers["x-custom"] == "yes"
    assert stored.headers["authorization"] == "Token " + collector.token
    assert all(name == name.lower() for name in stored.headers)
    assert before <= stored.received_ms <= int(time.time() * 1000)
    assert collector.records("/v1/messages/generic/") == collector.records("messages/generic/") == [stored]
    assert collector.records("messages/amazon-alexa/") == []
    assert collector.stats()["accepted"] == 1


# -- 404 and 405 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/v1/messages/unknown/", "/v1/messages/generic", "/v2/messages/generic/", "/messages/generic/", "/",
     "/v1/"],
    ids=["unknown-platform", "no-trailing-slash", "other-version", "no-version", "root", "base"],
)
def test_given_an_unknown_path_when_posting_then_404_with_a_json_error(target, api, collector):
    reply = api.post(target, GENERIC)

    assert reply.status == 404
    assert "error_message" in reply.json()
    assert collector.records() == []


def test_given_an_unknown_path_and_no_token_then_404_comes_first(api):
    assert api.post("nowhere/", GENERIC, token=None).status == 404


@pytest.mark.parametrize("method, path", [("GET", "messages/generic/"), ("POST", "bots/me/"),
                                          ("DELETE", "platform/users/")])
def test_given_a_known_path_and_the_wrong_method_then_405_with_allow(method, path, api):
    reply = api.request(method, path, {} if method != "GET" else None)

    assert reply.status == 405
    assert reply.headers["allow"]
    assert "error_message" in reply.json()


# -- 400 ------------------------------------------------------------------------------------------


def _without(body, dotted):
    body = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    target = body
    for key in parents:
        target = target[key]
    del target[last]
    return body


def _with(body, dotted, value):
    body = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    target = body
    for key in parents:
        target = target[key]
    target[last] = value
    return body


MISSING = [
    ("messages/amazon-alexa/", ALEXA_PAIR, "request"),
    ("messages/amazon-alexa/", ALEXA_PAIR, "response"),
    ("messages/amazon-lex/", LEX_FLAT, "user_content"),
    ("messages/amazon-lex/", LEX_FLAT, "bot_content"),
    ("messages/amazon-lex/", LEX_FLAT, "request"),
    ("messages/amazon-lex/", LEX_FLAT, "request.id"),
    ("messages/generic/", GENERIC, "is_sender_bot"),
    ("messages/generic/", GENERIC, "user"),
    ("messages/generic/", GENERIC, "user.id"),
    ("messages/generic/", GENERIC, "message"),
    ("messages/generic/", GENERIC, "message.timestamp"),
    ("messages/facebook-messenger/", VALID[("POST", "messages/facebook-messenger/")], "recipient"),
    ("messages/facebook-messenger/", VALID[("POST", "messages/facebook-messenger/")], "timestamp"),
    ("facebook-messenger/users/", VALID[("POST", "facebook-messenger/users/")], "user_id"),
    ("messages/kik/", VALID[("POST", "messages/kik/")], "messages"),
    ("wechat/users/", VALID[("POST", "wechat/users/")], "openid"),
    ("viber/users/", VALID[("POST", "viber/users/")], "id"),
    ("rasa/messages/", VALID[("POST", "rasa/messages/")], "event"),
    ("twilio/sms/messages/", VALID[("POST", "twilio/sms/messages/")], "is_sender_bot"),
]


@pytest.mark.parametrize("path, body, field", MISSING, ids=["%s-%s" % (p, f) for p, _, f in MISSING])
def test_given_a_required_field_is_missing_then_400_naming_it(path, body, field, api, collector):
    reply = api.post(path, _without(body, field))

    assert reply.status == 400
    assert reply.json() == {"error_message": "missing required field '%s'" % field}
    assert collector.records() == []


WRONG_TYPE = [
    ("messages/generic/", GENERIC, "message.timestamp", 1704110400000.0, "integer"),  # float ms
    ("messages/generic/", GENERIC, "message.timestamp", "1704110400000", "integer"),
    ("messages/generic/", GENERIC, "message.timestamp", True, "integer"),  # a bool is not an integer
    ("messages/generic/", GENERIC, "is_sender_bot", "false", "boolean"),
    ("messages/generic/", GENERIC, "is_sender_bot", 0, "boolean"),
    ("messages/generic/", GENERIC, "user", "user-42", "object"),
    ("messages/generic/", GENERIC, "user.id", 42, "string"),
    ("messages/amazon-alexa/", ALEXA_PAIR, "request", [], "object"),
    ("messages/amazon-lex/", LEX_FLAT, "user_id", 42, "string or null"),
    ("messages/facebook-messenger/", VALID[("POST", "messages/facebook-messenger/")], "recipient", 7,
     "string or null"),
    ("messages/line/", VALID[("POST", "messages/line/")], "events", {}, None),
]


@pytest.mark.parametrize("path, body, field, value, kind", WRONG_TYPE,
                         ids=["%s-%s-%r" % (p, f, v) for p, _, f, v, _k in WRONG_TYPE])
def test_given_a_field_of_the_wrong_json_type_then_400(path, body, field, value, kind, api, collector):
    reply = api.post(path, _with(body, field, value))

    assert reply.status == 400
    if kind is not None:
        assert reply.json()["error_message"].startswith("field '%s' must be %s, got " % (field, kind))
    assert collector.records() == []


@pytest.mark.parametrize("field, value", [("user_request_type", "Text"), ("bot_response_type", "PlainText")])
def test_given_a_lex_type_outside_the_wire_formats_values_then_400(field, value, api):
    reply = api.post("messages/amazon-lex/", _with(LEX_FLAT, field, value))

    assert reply.status == 400 and "must be one of" in reply.json()["error_message"]


@pytest.mark.parametrize("raw, why", [
    (b'{"is_sender_bot": false,', "truncated"),
    (b"not json", "not-json"),
    (b"", "empty"),
    (b'{"a": NaN}', "nan"),
    (b'\xff\xfe{"a": 1}', "not-utf8"),
    (b"[" * 100000 + b"]" * 100000, "deeply-nested"),
])
def test_given_malformed_json_then_400_malformed(raw, why, api, collector):
    reply = api.post("messages/generic/", raw=raw)

    assert reply.status == 400
    assert reply.json()["error_message"].startswith("malformed JSON")
    assert collector.records() == []


@pytest.mark.parametrize("body", [[GENERIC], "text", 42, None, True], ids=["array", "string", "number",
                                                                             "null", "bool"])
def test_given_a_json_body_that_is_not_an_object_then_400(body, api):
    reply = api.post("messages/generic/", raw=json.dumps(body).encode())

    assert reply.status == 400
    assert reply.json()["error_message"].startswith("the body must be a JSON object")


# -- optional parts and alternatives ------------------------------------------------------------------


@pytest.mark.parametrize("nlu_type", ["luis", "rasa", "watson_assistant"])
def test_given_an_nlu_payload_of_a_supported_type_then_201(nlu_type, api):
    body = dict(GENERIC, nlu_payload={"type": nlu_type, "query": "I am looking for Mexican food"})

    assert api.post("messages/generic/", body).status == 201


@pytest.mark.parametrize("nlu_payload, message", [
    ({"query": "x"}, "missing required field 'nlu_payload.type'"),
    ({"type": "dialogflow"}, "field 'nlu_payload.type' must be one of 'luis', 'rasa', 'watson_assistant'"),
    ("luis", "field 'nlu_payload' must be object, got string"),
])
def test_given_an_invalid_nlu_payload_on_any_platform_then_400(nlu_payload, message, api):
    for path, body in [("messages/generic/", GENERIC), ("messages/amazon-alexa/", ALEXA_PAIR)]:
        reply = api.post(path, dict(body, nlu_payload=nlu_payload))

        assert (reply.status, reply.json()["error_message"]) == (400, message)


def test_given_either_shape_of_a_line_message_then_201_and_neither_then_400(api):
    outgoing = {"to": "U1", "timestamp": 1704110400000, "messages": [{"type": "text", "text": "hi"}]}

    assert api.post("messages/line/", {"events": []}).status == 201
    assert api.post("messages/line/", outgoing).status == 201
    reply = api.post("messages/line/", {"to": "U1", "messages": []})
    assert reply.status == 400
    assert "{events} or {to, timestamp, messages}" in reply.json()["error_message"]


def test_given_a_user_profile_with_id_or_user_id_then_201_and_neither_then_400(api):
    assert api.post("platform/users/", {"id": "u1"}).status == 201
    assert api.post("platform/users/", {"user_id": "u1"}).status == 201
    assert api.post("platform/users/", {"email": "a@example.com"}).status == 400


def test_given_a_messenger_turn_with_a_string_recipient_then_201(api):
    body = {"recipient": "PSID1", "timestamp": 1704110400000, "message": {"text": "hi"}, "fb_token": None}

    assert api.post("messages/facebook-messenger/", body).status == 201


def test_given_a_gzip_body_then_it_is_decoded(api, collector):
    reply = api.post("messages/generic/", raw=gzip.compress(json.dumps(GENERIC).encode()),
                     headers={"Content-Encoding": "gzip"})

    assert reply.status == 201 and collector.records()[0].body == GENERIC


# -- duplicates -------------------------------------------------------------------------------------


def test_given_a_record_id_already_stored_when_sent_again_then_200_and_not_stored_twice(api, collector):
    first = api.post("messages/generic/", GENERIC, headers={RECORD_ID_HEADER: "same-id"})
    again = api.post("messages/generic/", GENERIC, headers={RECORD_ID_HEADER: "same-id"})
    other = api.post("messages/generic/", GENERIC, headers={RECORD_ID_HEADER: "other-id"})

    assert (first.status, again.status, other.status) == (201, 200, 201)
    assert again.json() == {"ok": True, "duplicate": True}
    assert [r.record_id for r in collector.records()] == ["same-id", "other-id"]
    assert collector.stats()["duplicates"] == 1 and collector.stats()["accepted"] == 2


def test_given_requests_without_a_record_id_then_each_is_stored(api, collector):
    for _ in range(3):
        assert api.post("messages/generic/", GENERIC).status == 201

    assert [r.record_id for r in collector.records()] == [None, None, None]


def test_given_an_invalid_body_with_a_record_id_then_the_id_is_not_consumed(api, collector):
    assert api.post("messages/generic/", {"x": 1}, headers={RECORD_ID_HEADER: "id-1"}).status == 400
    assert api.post("messages/generic/", GENERIC, headers={RECORD_ID_HEADER: "id-1"}).status == 201


# -- what every answer looks like -----------------------------------------------------------------------


def test_every_error_is_a_json_body_with_content_length_and_is_listed_in_rejections(api, collector):
    replies = [
        api.post("messages/generic/", GENERIC, token=None),
        api.post("nowhere/", GENERIC),
        api.request("GET", "messages/generic/"),
        api.post("messages/generic/", raw=b"{"),
        api.post("messages/generic/", {"user": {}}),
    ]

    assert [r.status for r in replies] == [401, 404, 405, 400, 400]
    for reply in replies:
        assert reply.headers["content-type"] == "application/json"
        assert int(reply.headers["content-length"]) == len(reply.text.encode())
        assert set(reply.json()) == {"error_message"}
    rejections = collector.rejections()
    assert [(r.path, r.status) for r in rejections] == [
        ("messages/generic/", 401), ("nowhere/", 404), ("messages/generic/", 405),
        ("messages/generic/", 400), ("messages/generic/", 400)]
    assert rejections[3].body_text == "{" and rejections[3].error_message.startswith("malformed JSON")
    assert rejections[4].headers["content-type"] == "application/json"
    assert collector.stats()["rejected"] == 5


def test_given_an_unsupported_http_method_then_a_json_501(api):
    reply = api.request("BREW", "messages/generic/")

    assert reply.status == 501 and "error_message" in reply.json()

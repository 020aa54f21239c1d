"""Alexa: the request/response pair, sent as the official SDKs send it."""
from __future__ import annotations

import copy
import json

import pytest
from botanalytics import envelope
from botanalytics.platforms import Turn
from botanalytics.platforms.alexa import PLATFORM

from tests.events import all_events, load_event

# WIRE-FORMAT.md: the body Node 2.5.3 and Python 0.2.9 send for this request and response.
CAPTURED_REQUEST = {
    "version": "1.0",
    "session": {"new": True, "sessionId": "amzn1.echo-api.session.0000-test",
                "application": {"applicationId": "amzn1.ask.skill.0000-test"},
                "user": {"userId": "amzn1.ask.account.TESTUSER"}},
    "context": {"System": {"application": {"applicationId": "amzn1.ask.skill.0000-test"},
                           "user": {"userId": "amzn1.ask.account.TESTUSER"},
                           "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}},
                           "apiEndpoint": "https://api.amazonalexa.com"}},
    "request": {"type": "IntentRequest", "requestId": "amzn1.echo-api.request.0000-test",
                "timestamp": "2024-01-01T12:00:00Z", "locale": "en-US",
                "intent": {"name": "HelloIntent", "confirmationStatus": "NONE", "slots": {}}},
}
CAPTURED_RESPONSE = {"version": "1.0", "sessionAttributes": {},
                     "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Hello there</speak>"},
                                  "shouldEndSession": False}}
NODE_BODY = (
    '{"request":{"version":"1.0","session":{"new":true,"sessionId":"amzn1.echo-api.session.0000-test",'
    '"application":{"applicationId":"amzn1.ask.skill.0000-test"},"user":{"userId":"amzn1.ask.account.TESTUSER"}},'
    '"context":{"System":{"application":{"applicationId":"amzn1.ask.skill.0000-test"},"user":{"userId":'
    '"amzn1.ask.account.TESTUSER"},"device":{"deviceId":"amzn1.ask.device.TEST","supportedInterfaces":{}},'
    '"apiEndpoint":"https://api.amazonalexa.com"}},"request":{"type":"IntentRequest","requestId":'
    '"amzn1.echo-api.request.0000-test","timestamp":"2024-01-01T12:00:00Z","locale":"en-US","intent":{"name":'
    '"HelloIntent","confirmationStatus":"NONE","slots":{}}}},"response":{"version":"1.0","sessionAttributes":{},'
    '"response":{"outputSpeech":{"type":"SSML","ssml":"<speak>Hello there</speak>"},"shouldEndSession":false}}}'
)


def test_body_is_byte_for_byte_what_the_official_sdks_send():
    turn = Turn(CAPTURED_REQUEST, None, "req-1")

    assert PLATFORM.detect(turn)
    [record] = PLATFORM.outgoing(turn, CAPTURED_RESPONSE, None)

    assert record.path == "messages/amazon-alexa/"
    assert json.dumps(record.body, separators=(",", ":")) == NODE_BODY


@pytest.mark.parametrize("name", [n for n, _ in all_events("alexa")])
def test_each_sample_is_one_pair_after_the_handler(name):
    data = load_event(name)
    turn = Turn(data["event"], None, "req-1")

    assert PLATFORM.detect(turn)
    assert PLATFORM.incoming(turn) == []
    [record] = PLATFORM.outgoing(turn, data["response"], None)
    assert record.body == {"request": data["event"], "response": data["response"]}
    assert list(record.body) == ["request", "response"]
    assert record.request_id == "req-1"


@pytest.mark.parametrize("response", [None, "speech", [], {}, {"response": "x"}, {"version": "1.0"}])
def test_no_record_without_a_response_envelope(response):
    data = load_event("alexa/intent")

    assert PLATFORM.outgoing(Turn(data["event"], None, "r"), response, None) == []


@pytest.mark.parametrize(
    "mutate",
    [lambda e: e.pop("version"), lambda e: e["request"].pop("type"), lambda e: e.update(request="x"),
     lambda e: (e.pop("context"), e.pop("session")), lambda e: e.update(version=1)],
)
def test_not_an_alexa_envelope(mutate):
    given_event = copy.deepcopy(load_event("alexa/intent")["event"])
    mutate(given_event)

    assert not PLATFORM.detect(Turn(given_event, None, "r"))


def test_context_without_session_is_enough():
    given_event = copy.deepcopy(load_event("alexa/intent")["event"])
    given_event.pop("session")

    assert PLATFORM.detect(Turn(given_event, None, "r"))


def test_skill_hosted_behind_a_function_url():
    alexa = load_event("alexa/intent")
    http_event = copy.deepcopy(load_event("generic/webchat_function_url")["event"])
    http_event["body"] = json.dumps(alexa["event"])
    handler_response = {"statusCode": 200, "body": json.dumps(alexa["response"])}
    turn = Turn(http_event, envelope.read_request(http_event), "r")

    assert PLATFORM.detect(turn)
    [record] = PLATFORM.outgoing(turn, handler_response, envelope.read_response(handler_response))
    assert record.body == {"request": alexa["event"], "response": alexa["response"]}

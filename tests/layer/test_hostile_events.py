"""Hostile or broken events never raise out of the layer and never change the bot's answer."""
from __future__ import annotations

import base64
import json

import pytest

import botanalytics


def nested(depth: int):
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def http_event(body: str, is_base64: bool = False) -> dict:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": "/"}, "domainName": "abc.lambda-url.us-east-1.on.aws"},
        "body": body,
        "isBase64Encoded": is_base64,
    }


HOSTILE = [
    pytest.param(None, id="none"),
    pytest.param([], id="empty-list"),
    pytest.param([1, 2, {"a": None}], id="list"),
    pytest.param("", id="empty-string"),
    pytest.param("just a string", id="string"),
    pytest.param(0, id="zero"),
    pytest.param({}, id="empty-dict"),
    pytest.param(nested(500), id="nesting-depth-500"),
    pytest.param({"request": {"type": "IntentRequest", "intent": {"name": "x" * 1_000_000}}, "version": "1.0"},
                 id="1MB-field"),
    pytest.param(http_event("%%% not base64 %%%", is_base64=True), id="invalid-base64"),
    pytest.param(http_event(base64.b64encode(b"\xff\xfe\xfa").decode(), is_base64=True), id="invalid-utf8"),
    pytest.param(http_event("{not json"), id="invalid-json"),
    pytest.param(http_event(json.dumps(nested(500))), id="deep-json-body"),
    pytest.param(http_event(json.dumps({"user": None, "message": {"text": None}})), id="nulls"),
    pytest.param({"version": "1.0", "session": None, "request": "nope", "context": 5}, id="alexa-shaped-junk"),
    pytest.param({"messageVersion": "1.0", "currentIntent": [], "bot": "x", "sessionState": 7}, id="lex-shaped-junk"),
]


@pytest.mark.parametrize("event", HOSTILE)
def test_a_hostile_event_never_raises_and_the_answer_is_unchanged(event, tracked, context):
    sentinel = {"statusCode": 200, "body": "fine"}
    assert tracked(lambda e, c: sentinel)(event, context) is sentinel


@pytest.mark.parametrize("response", [None, "text", 7, [], {"statusCode": "x", "body": 5}, nested(500)])
def test_a_strange_handler_response_never_raises(response, tracked, context):
    from tests.events import load_event

    for name in ("alexa/intent", "lex/v2_fulfillment", "generic/webchat_function_url"):
        assert tracked(lambda e, c: response)(load_event(name)["event"], context) is response
    botanalytics.flush(2.0)


def test_a_context_object_that_raises_is_tolerated(tracked):
    class BrokenContext:
        @property
        def aws_request_id(self):
            raise RuntimeError("broken")

        def get_remaining_time_in_millis(self):
            raise RuntimeError("broken")

    from tests.events import load_event

    case = load_event("alexa/intent")
    assert tracked(lambda e, c: case["response"])(case["event"], BrokenContext()) is case["response"]

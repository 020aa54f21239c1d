"""Hostile and mutated input never raises out of, and is never swallowed inside, the webhook platforms
(the autouse fixture fails a test when a guarded hook raised), and non-bot events are never claimed."""
from __future__ import annotations

import base64
import copy
import json
import os
from typing import Any, List
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botanalytics import envelope
from botanalytics.platforms import kik, line, messenger, slack, twilio, viber, wechat
from botanalytics.webhook import HttpResponse
from tests.events import all_events, load_event
from tests.platforms.support import turn_of

#: Examples per property test; a long run outside the default suite sets e.g. PROPERTY_EXAMPLES=100000.
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "400"))

PLATFORMS = [messenger.PLATFORM, slack.PLATFORM, twilio.PLATFORM, line.PLATFORM, viber.PLATFORM, kik.PLATFORM,
             wechat.PLATFORM]
OURS = ("messenger", "slack", "twilio", "line", "viber", "kik", "wechat")
SAMPLES = [name for name, _ in all_events() if name.split("/")[0] in OURS]
HOSTS = [h for p in PLATFORMS for h in p.send_hosts]

DEEP = "[" * 500 + "]" * 500
HOSTILE_BODIES: List[Any] = [
    "", "null", "[]", '"x"', "1", "true", DEEP, '{"a":' * 500 + "1" + "}" * 500, "{not json", "\udcff",
    json.dumps({"object": "page", "entry": "x"}),
    json.dumps({"object": "page", "entry": [None, 1, {"messaging": [None, 1, {"sender": []}, {"sender": {"id": 5}}]}]}),
    json.dumps({"object": "page", "entry": [{"id": "p", "messaging": {"x": 1}}]}),
    json.dumps({"type": "event_callback"}),
    json.dumps({"type": "event_callback", "team_id": ["x"], "authorizations": "x", "event": None}),
    json.dumps({"type": "url_verification", "challenge": {"x": 1}, "token": "t"}),
    json.dumps({"destination": "U1", "events": [None, "x", {"replyToken": [], "source": "x"}]}),
    json.dumps({"destination": 5, "events": "x"}),
    json.dumps({"event": "message", "timestamp": "now", "message_token": 1}),
    json.dumps({"event": "conversation_started", "timestamp": 1, "message_token": 1, "user": "x"}),
    json.dumps({"event": "message", "timestamp": 1, "message_token": 1, "message": "x", "sender": None}),
    json.dumps({"messages": [None, {"chatId": ["x"], "type": {}, "from": 1}]}),
    json.dumps({"messages": "x"}),
    json.dumps({"x": "a" * 1_000_000}),
    urlencode({"payload": "{not json"}),
    urlencode({"payload": json.dumps({"type": ["block_actions"]})}),
    urlencode({"payload": json.dumps([1, 2])}),
    urlencode({"MessageSid": "SMx", "AccountSid": "ACx"}),
    urlencode({"MessageSid": ["SM1"], "AccountSid": "AC1", "From": "", "To": "", "Body": "\x00"}),
    "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>",
    "<xml><ToUserName><x/></ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType></xml>",
    '<!DOCTYPE xml [<!ENTITY a "a">]><xml/>',
    "<xml>" + "<a>" * 3000 + "</a>" * 3000 + "</xml>",
]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/xml", "", "application/octet-stream"]


def _envelope(body: str, content_type: str, b64: bool = False, method: str = "POST") -> dict:
    event = copy.deepcopy(load_event("messenger/text_message_function_url")["event"])
    event["requestContext"]["http"]["method"] = method
    event["headers"]["content-type"] = content_type
    event["headers"]["x-slack-retry-num"] = "1" if "retry" in body else event["headers"].get("x-slack-retry-num", "")
    if b64:
        event["body"] = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    else:
        event["body"] = body
    event["isBase64Encoded"] = b64
    return event


def _exercise(event: Any, response: Any = None) -> None:
    turn = turn_of(event)
    http_response = envelope.read_response(response)
    for platform in PLATFORMS:
        detected = platform.detect(turn)
        assert isinstance(detected, bool)
        for record in platform.incoming(turn) + platform.outgoing(turn, response, http_response):
            json.dumps(record.body)


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("index", range(len(HOSTILE_BODIES)))
def test_given_a_hostile_body_in_any_envelope_when_processed_then_nothing_raises(index, content_type):
    body = HOSTILE_BODIES[index]
    _exercise(_envelope(body, content_type))
    _exercise(_envelope(body, content_type, b64=True), response={"statusCode": 200, "body": body})


@pytest.mark.parametrize("event", [None, [], "x", 0, {}, {"body": DEEP}, {"headers": [], "body": 1, "httpMethod": "POST"},
                                   {"requestContext": {"http": "x"}, "version": "2.0", "body": "x"}])
def test_given_a_non_http_event_when_processed_then_nothing_raises_and_nothing_is_detected(event):
    turn = turn_of(event)
    assert not any(p.detect(turn) for p in PLATFORMS)
    _exercise(event, response=event)


@pytest.mark.parametrize("name", [n for n, _ in all_events() if n.split("/")[0] not in OURS])
def test_given_another_platforms_or_a_non_bot_event_when_detected_then_no_webhook_platform_claims_it(name):
    turn = turn_of(load_event(name)["event"])
    assert [p.identifier for p in PLATFORMS if p.detect(turn)] == []


@pytest.mark.parametrize("host", HOSTS + ["example.com", "", "::1"])
@pytest.mark.parametrize("body", [b"", b"null", DEEP.encode(), b"\xff\xfe", b"a=1&b", b'{"messages": [null, 1]}',
                                  b'{"recipient": [], "message": []}', b'{"to": 1, "messages": [1]}', b"<xml/>"])
def test_given_a_hostile_outgoing_call_when_sent_then_nothing_raises(host, body):
    for platform in PLATFORMS:
        for path in ("/", "/v19.0/me/messages", "/api/chat.postMessage", "/v2/bot/message/reply", "/pa/send_message",
                     "/v1/message", "/cgi-bin/message/custom/send?access_token=x",
                     "/2010-04-01/Accounts/AC1/Messages.json", "http://[bad", None):
            for headers in ({}, {"Content-Type": "application/json"}, [("a", "b")], None, {b"x": b"y"}):
                assert isinstance(platform.sent(host, path, body, headers), list)
        assert platform.sent(host, "/", None, {}) == [] and platform.sent(None, None, None, None) == []


# ------------------------------------------------------------------------------------- property tests

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _mutate(value: Any, data: st.DataObject, depth: int = 0) -> Any:
    """Replace one randomly chosen sub-value of ``value`` with random JSON (or drop a key)."""
    if depth > 8 or not isinstance(value, (dict, list)) or not value or data.draw(st.integers(0, 3)) == 0:
        return data.draw(json_values)
    if isinstance(value, dict):
        key = data.draw(st.sampled_from(sorted(value)))
        if data.draw(st.booleans()) and depth > 0:
            return {k: v for k, v in value.items() if k != key}
        return dict(value, **{key: _mutate(value[key], data, depth + 1)})
    index = data.draw(st.integers(0, len(value) - 1))
    return value[:index] + [_mutate(value[index], data, depth + 1)] + value[index + 1:]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(SAMPLES), data=st.data())
def test_given_a_mutated_sample_when_processed_then_nothing_raises(name, data):
    sample = load_event(name)
    event = copy.deepcopy(sample["event"])
    request = envelope.read_request(event)
    if request is not None and request.json() is not None and data.draw(st.booleans()):
        event["body"] = json.dumps(_mutate(request.json(), data))
        event["isBase64Encoded"] = False
    else:
        event = _mutate(event, data)
    _exercise(event, response=_mutate(sample["response"], data) if data.draw(st.booleans()) else sample["response"])
    for call in sample.get("sent", []):
        try:
            body = json.dumps(_mutate(json.loads(call["body"]), data)).encode()
        except ValueError:
            body = data.draw(st.binary(max_size=200))
        for platform in PLATFORMS:
            assert isinstance(platform.sent(call["host"], call["path"], body, call["headers"]), list)


@settings(max_examples=EXAMPLES, deadline=None)
@given(body=st.binary(max_size=300), content_type=st.sampled_from(CONTENT_TYPES), b64=st.booleans())
def test_given_random_bytes_as_a_webhook_body_when_processed_then_nothing_raises(body, content_type, b64):
    event = _envelope("", content_type, b64=True)
    event["body"] = base64.b64encode(body).decode() if b64 else body.decode("latin-1")
    event["isBase64Encoded"] = b64
    _exercise(event, response={"statusCode": 200, "body": body.decode("latin-1")})


def test_given_hostile_xml_in_a_twiml_reply_when_outgoing_then_nothing_raises():
    turn = turn_of(load_event("twilio/sms_twiml_reply_function_url")["event"])
    for body in HOSTILE_BODIES:
        reply = HttpResponse(headers={}, body=body.encode("utf-8", "surrogatepass"), status=200)
        assert isinstance(twilio.PLATFORM.outgoing(turn, None, reply), list)
        assert isinstance(wechat.PLATFORM.outgoing(turn_of(load_event("wechat/text_passive_reply_function_url")["event"]),
                                                   body, None), list)

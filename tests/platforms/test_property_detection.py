"""Detection and record building never raise, never change the event or the handler's result, and never
claim a non-bot event — for generated and mutated events (hypothesis).

The default run makes a few thousand cases (< 30 s). ``HYPOTHESIS_PROFILE=soak`` (``make soak``) makes
more than 100,000. The autouse fixture in ``conftest.py`` also fails a test when a platform hook swallowed
an exception, so "never raises" is checked inside the guards too.
"""

from __future__ import annotations

import base64
import copy
import json
import os
from typing import Any, Dict, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botanalytics import envelope, platforms
from botanalytics.platforms.base import Turn
from tests.events import all_events

SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"
#: examples per test: default ≈ 2,700 in all; soak ≥ 100,000 in all
BUDGET = {
    "mutated": 50_000 if SOAK else 1_000,
    "random_json": 15_000 if SOAK else 400,
    "envelopes": 25_000 if SOAK else 600,
    "non_bot": 10_000 if SOAK else 400,
    "sent": 10_000 if SOAK else 300,
}
COMMON = dict(
    deadline=None,
    derandomize=not SOAK,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

SAMPLES = [(name, data) for name, data in all_events()]
BOT_SAMPLES = [(n, d) for n, d in SAMPLES if not n.startswith("non_bot/")]
NON_BOT = [(n, d) for n, d in SAMPLES if n.startswith("non_bot/")]
PLATFORMS = [p for p in (platforms.get(i) for i in platforms.REGISTRY) if p is not None]

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_value = st.recursive(
    json_leaf,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=5),
    max_leaves=25,
)
# keys platforms look at, so that random objects hit the interesting branches
HOT_KEYS = [
    "type",
    "event",
    "sender_id",
    "timestamp",
    "message",
    "text",
    "update_id",
    "channelId",
    "serviceUrl",
    "from",
    "conversation",
    "recipient",
    "user",
    "inputs",
    "queryResult",
    "session",
    "responseId",
    "originalDetectIntentRequest",
    "output",
    "context",
    "input",
    "intents",
    "entities",
    "payload",
    "Records",
    "records",
    "eventSource",
    "body",
    "data",
    "senderPhoneNumber",
    "messageId",
    "agentId",
    "callback_query",
    "msisdn",
    "to",
    "headers",
    "httpMethod",
    "requestContext",
    "version",
    "rawPath",
    "isBase64Encoded",
    "object",
    "entry",
    "events",
    "request",
    "session",
    "generic",
    "global",
]
hot_object = st.recursive(
    st.dictionaries(st.sampled_from(HOT_KEYS), json_leaf, max_size=6),
    lambda c: st.dictionaries(
        st.sampled_from(HOT_KEYS) | st.text(max_size=6), c | json_leaf | st.lists(c, max_size=3), max_size=6
    ),
    max_leaves=30,
)


def _paths(value: Any, prefix=()) -> List[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, prefix + (index,))
    return out


@st.composite
def mutated(draw, samples=BOT_SAMPLES) -> Dict[str, Any]:
    """A sample event with 1-4 mutations: a value replaced (any type), a key deleted or added, the HTTP
    body (itself mutated as JSON, or replaced by random text / bytes / bad base64)."""
    name, data = draw(st.sampled_from(samples))
    event = copy.deepcopy(data["event"])
    response = copy.deepcopy(data["response"])
    for _ in range(draw(st.integers(1, 4))):
        target = event
        if isinstance(event, dict) and isinstance(event.get("body"), str) and draw(st.booleans()):
            body = event["body"]
            raw = body
            if event.get("isBase64Encoded"):
                try:
                    raw = base64.b64decode(body).decode("utf-8")
                except Exception:
                    raw = body
            try:
                inner = json.loads(raw)
            except ValueError:
                inner = None
            choice = draw(st.integers(0, 3))
            if inner is not None and choice < 2:
                inner = _mutate(draw, inner)
                text = json.dumps(inner)
            elif choice == 2:
                text = draw(st.text(max_size=200))
            else:
                text = draw(st.binary(max_size=200)).decode("latin-1")
            event["body"] = (
                base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
                if event.get("isBase64Encoded")
                else text
            )
            continue
        event = _mutate(draw, target)
    if draw(st.integers(0, 4)) == 0:
        response = draw(
            json_value
            | st.fixed_dictionaries({"statusCode": st.integers(100, 599), "body": st.text(max_size=50)})
        )
    return {"name": name, "event": event, "response": response}


def _mutate(draw, value: Any) -> Any:
    paths = _paths(value)
    path = draw(st.sampled_from(paths))
    if not path:
        return draw(json_value | hot_object)
    parent = value
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    action = draw(st.integers(0, 3))
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1 and isinstance(parent, dict):
        parent[draw(st.sampled_from(HOT_KEYS) | st.text(max_size=8))] = draw(json_value | hot_object)
    else:
        parent[key] = draw(json_value | hot_object)
    return value


@st.composite
def random_envelope(draw) -> Dict[str, Any]:
    """An AWS HTTP envelope of a random kind, with random headers and a random body."""
    body_kind = draw(st.integers(0, 3))
    if body_kind == 0:
        body = json.dumps(draw(hot_object | json_value))
    elif body_kind == 1:
        body = draw(st.text(max_size=300))
    elif body_kind == 2:
        body = base64.b64encode(draw(st.binary(max_size=300))).decode()
    else:
        body = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz=&%+0123456789", max_size=200))
    headers = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "content-type",
                    "Content-Type",
                    "x-telegram-bot-api-secret-token",
                    "authorization",
                    "x-slack-retry-num",
                    "host",
                    "X-Hub-Signature",
                ]
            )
            | st.text(max_size=10),
            st.text(max_size=40),
            max_size=5,
        )
    )
    if draw(st.booleans()):
        headers["content-type"] = draw(
            st.sampled_from(
                [
                    "application/json",
                    "application/x-www-form-urlencoded",
                    "text/xml",
                    "multipart/form-data; boundary=x",
                ]
            )
        )
    kind = draw(st.integers(0, 3))
    b64 = draw(st.booleans())
    if kind == 0:
        return {
            "httpMethod": draw(st.sampled_from(["POST", "GET", "PUT"])),
            "path": "/",
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()} if draw(st.booleans()) else None,
            "requestContext": {"requestId": "r", "stage": "prod"},
            "body": body,
            "isBase64Encoded": b64,
            "queryStringParameters": draw(
                st.none() | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
            ),
        }
    if kind in (1, 2):
        domain = "x.lambda-url.us-east-1.on.aws" if kind == 2 else "x.execute-api.us-east-1.amazonaws.com"
        return {
            "version": "2.0",
            "rawPath": "/",
            "rawQueryString": draw(st.text(max_size=30)),
            "headers": headers,
            "requestContext": {"domainName": domain, "http": {"method": "POST", "path": "/"}},
            "body": body,
            "isBase64Encoded": b64,
            "cookies": draw(st.lists(st.text(max_size=10), max_size=2)),
        }
    return {
        "requestContext": {"elb": {"targetGroupArn": "arn"}},
        "httpMethod": "POST",
        "path": "/",
        "headers": headers,
        "body": body,
        "isBase64Encoded": b64,
    }


def exercise(event: Any, response: Any) -> Any:
    """The wrapper's whole path for one invocation; returns the platform that claimed it (or None).
    Asserts that neither the event nor the handler's result was modified."""
    event_before = copy.deepcopy(event)
    response_before = copy.deepcopy(response)
    request = envelope.read_request(event)
    turn = Turn(event, request, "req-prop", None)
    platform = platforms.detect(turn)
    if platform is not None:
        platform.incoming(turn)
        platform.outgoing(turn, response, envelope.read_response(response))
        platform.outgoing(turn, None, None)
    for other in PLATFORMS:  # every platform must survive every input, not only the winner
        other.detect(turn)
    assert event == event_before or _nan_in(event_before)
    assert response == response_before or _nan_in(response_before)
    return platform


def _nan_in(value: Any) -> bool:
    return "NaN" in json.dumps(value, default=str)


@settings(max_examples=BUDGET["mutated"], **COMMON)
@given(mutated())
def test_mutated_sample_events_never_raise_nor_change_the_result(case):
    exercise(case["event"], case["response"])


@settings(max_examples=BUDGET["random_json"], **COMMON)
@given(json_value | hot_object | st.lists(hot_object, max_size=3), json_value)
def test_random_json_events_never_raise(event, response):
    exercise(event, response)


@settings(max_examples=BUDGET["envelopes"], **COMMON)
@given(
    random_envelope(),
    json_value
    | st.fixed_dictionaries(
        {"statusCode": st.integers(100, 599), "body": st.text(max_size=80), "isBase64Encoded": st.booleans()}
    ),
)
def test_random_envelopes_with_random_bodies_never_raise(event, response):
    exercise(event, response)


def _leaf_mutations(draw, value: Any) -> Any:
    """Change leaf values only (strings, numbers), keeping the event's structure: still the same AWS
    event type, still not bot traffic."""
    if isinstance(value, dict):
        return {k: _leaf_mutations(draw, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_leaf_mutations(draw, v) for v in value]
    if isinstance(value, str) and draw(st.integers(0, 2)) == 0:
        return draw(st.text(max_size=40))
    if isinstance(value, int) and not isinstance(value, bool) and draw(st.integers(0, 2)) == 0:
        return draw(st.integers())
    return value


@st.composite
def non_bot_event(draw):
    _name, data = draw(st.sampled_from(NON_BOT))
    return _leaf_mutations(draw, copy.deepcopy(data["event"]))


@pytest.mark.parametrize("name,data", NON_BOT, ids=[n for n, _ in NON_BOT])
def test_the_non_bot_samples_are_never_claimed(name, data):
    assert exercise(data["event"], data["response"]) is None


@settings(max_examples=BUDGET["non_bot"], **COMMON)
@given(non_bot_event())
def test_non_bot_events_with_any_values_are_never_claimed(event):
    assert exercise(event, None) is None


SENDERS = [p for p in PLATFORMS if hasattr(p, "sent")]
SEND_HOSTS = sorted({h.lstrip(".") for p in SENDERS for h in getattr(p, "send_hosts", ())})


@settings(max_examples=BUDGET["sent"], **COMMON)
@given(
    st.sampled_from(SEND_HOSTS) | st.text(max_size=20),
    st.sampled_from(
        [
            "/bot1:x/sendMessage",
            "/v3/conversations/c/activities",
            "/v1/phones/+1/agentMessages",
            "/v2/me/messages",
            "/me/messages",
            "/v2/bot/message/reply",
            "/sms/json",
        ]
    )
    | st.text(max_size=40),
    st.binary(max_size=300)
    | json_value.map(lambda v: json.dumps(v).encode())
    | hot_object.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from([":method", "content-type", "authorization", "x-amz-target"]),
        st.text(max_size=40),
        max_size=4,
    ),
)
def test_sent_never_raises_for_any_call(host, path, body, headers):
    for platform in SENDERS:
        records = platform.sent(host, path, body, headers)
        assert isinstance(records, list)

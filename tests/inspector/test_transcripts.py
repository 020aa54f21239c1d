"""Chat turns derived from what the layer sends, per platform (``devtools.collector.transcripts``): every
sample event's records read as turns with the right direction, and no input makes the reader raise."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.collector import transcripts
from tests.events import event_names
from tests.platforms.support import run

MESSAGE_PATHS = set(transcripts.EXTRACTORS)


def _records(prefix: str = "") -> List[Tuple[str, str, Any]]:
    out = []
    for name in event_names(prefix or None):
        if name.startswith("non_bot/"):
            continue
        for record in run(name).records:
            out.append((name, record.path, json.loads(json.dumps(record.body))))
    return out


@pytest.fixture(scope="module")
def all_records() -> List[Tuple[str, str, Any]]:
    return _records()


def _turns(name: str) -> List[Tuple[str, str, str]]:
    records = _records(name)
    ctx = transcripts.prepare((path, body) for _, path, body in records)
    return [
        (t.direction, t.user_id, t.text or "[" + (t.kind or "") + "]")
        for _, path, body in records
        for t in transcripts.turns_of(path, body, ctx)
    ]


def test_given_every_sample_event_then_each_message_record_gives_turns(all_records):
    assert len(all_records) > 50
    unread = [
        (name, path)
        for name, path, body in all_records
        if path in MESSAGE_PATHS and not transcripts.turns_of(path, body, {})
    ]
    assert unread == []
    assert {path for _, path, _ in all_records} - MESSAGE_PATHS <= {"viber/users/"}  # profiles: shown raw


EXPECTED: Dict[str, List[Tuple[str, str, str]]] = {
    "alexa/intent": [
        ("user", "amzn1.ask.account.AGF7EXAMPLEUSERID3XQ5N2L4K", "[IntentRequest]"),
        (
            "bot",
            "amzn1.ask.account.AGF7EXAMPLEUSERID3XQ5N2L4K",
            "Your roses are ordered. You can pick them up tomorrow.",
        ),
    ],
    "lex/v2_fulfillment": [
        ("user", "us-east-1:4c3b2a19-8d7e-4f6a-b5c4-d3e2f1a0b9c8", "I want roses"),
        ("bot", "us-east-1:4c3b2a19-8d7e-4f6a-b5c4-d3e2f1a0b9c8", "Your roses are ordered."),
    ],
    "messenger/text_message_function_url": [
        ("user", "6523419876543210", "Hi, what are your opening hours?"),
        ("bot", "6523419876543210", "We are open 9am-6pm, Monday to Saturday."),
    ],
    "botframework/teams_message_apigw_http": [
        ("user", "29:1EXAMPLEuserTeams", "what's my order status?"),
        ("bot", "29:1EXAMPLEuserTeams", "[typing]"),
        ("bot", "29:1EXAMPLEuserTeams", "Your pizza left the oven 5 minutes ago."),
    ],
    "rasa/http_api": [
        ("user", "rasa-user-9", "mushroom please"),
        ("bot", "rasa-user-9", "One mushroom pizza coming up!"),
    ],
    "twilio/sms_twiml_reply_function_url": [
        ("user", "+14155550123", "What time do you close?"),
        ("bot", "+14155550123", "We close at 6pm today."),
    ],
    "wechat/text_passive_reply_function_url": [
        ("user", "oLVPpjqs9BhvzwPj5A-vTYAX3GLc", "你好, opening hours?"),
        ("bot", "oLVPpjqs9BhvzwPj5A-vTYAX3GLc", "9:00-18:00"),
    ],
    "google/dialogflow_assistant_apigw_http": [
        ("user", "ABwppHE-EXAMPLE-session-1", "I want a pepperoni pizza"),
        ("bot", "ABwppHE-EXAMPLE-session-1", "Pepperoni it is. What size?"),
    ],
    "slack/event_callback_message_http_api": [
        ("user", "D0789IJKL", "deploy status?"),
        ("bot", "D0789IJKL", "All green: last deploy 12:00 UTC."),
    ],
    "kik/text_and_picture_function_url": [
        ("user", "laura", "omg r u real?"),
        ("user", "laura", "[picture]"),
        ("bot", "laura", "Yes, I'm a bot!"),
    ],
    "line/text_message_function_url": [
        ("user", "U4af4980629a0b1c2d3e4f5a6b7c8d9e0", "menu"),
        ("bot", "U4af4980629a0b1c2d3e4f5a6b7c8d9e0", "Here is the menu."),
        ("bot", "U4af4980629a0b1c2d3e4f5a6b7c8d9e0", "[sticker]"),
    ],
    "viber/text_message_function_url": [
        ("user", "01234567890A=", "a message to the service"),
        ("bot", "01234567890A=", "Hello world!"),
    ],
    "watson/v1_message_direct": [
        ("user", "watson-user-42", "I'd like pepperoni"),
        ("bot", "watson-user-42", "Great, pepperoni. What size?"),
    ],
    "rbm/user_text_pubsub_function_url": [
        ("user", "+15555550123", "Do you deliver to 94107?"),
        ("bot", "+15555550123", "Yes, we deliver to 94107!"),
        ("bot", "+15555550123", "[image]"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_a_platform_sample_then_turns_have_the_right_direction_user_and_text(name):
    assert _turns(name) == EXPECTED[name]


def test_given_nlu_data_then_intent_confidence_and_entities_are_read():
    rasa = transcripts.turns_of("rasa/messages/", _records("rasa/http_api")[0][2])[0]
    assert (rasa.intent, rasa.confidence) == ("order_pizza", 0.96)
    assert ("entity", "topping=mushroom") in rasa.details
    luis = transcripts.turns_of(
        "messages/generic/",
        {
            "is_sender_bot": False,
            "user": {"id": "u"},
            "message": {"timestamp": 1, "text": "tacos"},
            "nlu_payload": {
                "type": "luis",
                "query": "tacos",
                "topScoringIntent": {"intent": "Food", "score": 0.8},
                "entities": [{"entity": "tacos", "type": "dish"}],
            },
        },
    )[0]
    assert (luis.intent, luis.confidence, luis.details) == (
        "Food",
        0.8,
        [("nlu", "luis"), ("entity", "dish=tacos")],
    )


KEYS = [
    "request",
    "response",
    "user",
    "message",
    "text",
    "timestamp",
    "event",
    "entry",
    "messaging",
    "is_sender_bot",
    "recipient",
    "from",
    "events",
    "messages",
    "output",
    "session",
    "sender",
    "type",
    "intent",
    "slots",
    "name",
    "id",
    "nlu_payload",
    "user_id",
    "user_content",
    "parse_data",
    "Body",
    "outputSpeech",
    "generic",
    "contentMessage",
    "data_decoded",
    "queryResult",
    "inputs",
    "rawInputs",
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(sorted(MESSAGE_PATHS)), body=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6)
)
def test_given_any_json_object_on_any_path_then_the_reader_itself_never_raises(path, body):
    # the extractor directly, not turns_of (which would hide an exception behind "no turns")
    for turn in transcripts.EXTRACTORS[path](body, transcripts.prepare([(path, body)])):
        assert turn.direction in ("user", "bot")
        assert turn.text is None or isinstance(turn.text, str)
        assert isinstance(turn.user_id, str)

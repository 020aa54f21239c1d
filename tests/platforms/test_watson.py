"""Watson Assistant V1/V2 message payloads with a timestamp and user_id inserted."""

from __future__ import annotations

import json

import pytest

from botanalytics.platforms import watson
from tests.events import load_event
from tests.platforms.support import contract_error, names, post_all, run, turn_of

EVENTS = names("watson")


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_watson_sample_when_detected_then_watson_owns_it_and_records_one_message(name):
    result = run(name)
    assert result.platform is watson.PLATFORM
    [record] = result.incoming
    assert result.outgoing == []
    assert record.path == "watson-assistant/messages/"
    assert isinstance(record.body["timestamp"], int) and not isinstance(record.body["timestamp"], bool)


def test_given_a_v1_response_when_recorded_then_the_payload_plus_timestamp_and_metadata_user_id():
    payload = load_event("watson/v1_message_direct")["event"]
    [record] = run("watson/v1_message_direct").incoming
    assert {k: v for k, v in record.body.items() if k not in ("timestamp", "user_id")} == payload
    assert record.body["user_id"] == "watson-user-42"
    assert "timestamp" not in payload  # the caller's payload is not modified


def test_given_the_post_message_webhook_when_recorded_then_the_inner_v2_payload_is_sent():
    payload = json.loads(load_event("watson/v2_post_message_webhook_function_url")["event"]["body"])[
        "payload"
    ]
    [record] = run("watson/v2_post_message_webhook_function_url").incoming
    assert record.body["output"] == payload["output"] and record.body["user_id"] == "watson-user-43"


def test_given_a_payload_with_an_integer_timestamp_when_recorded_then_it_is_kept():
    payload = dict(load_event("watson/v2_message_direct")["event"], timestamp=1704110400000)
    [record] = watson.PLATFORM.incoming(turn_of(payload))
    assert record.body["timestamp"] == 1704110400000


def test_given_v2_user_id_only_in_context_when_recorded_then_it_is_lifted():
    payload = load_event("watson/v2_message_direct")["event"]
    payload = {k: v for k, v in payload.items() if k != "user_id"}
    [record] = watson.PLATFORM.incoming(turn_of(payload))
    assert record.body["user_id"] == "watson-user-43"


@pytest.mark.parametrize(
    "body",
    [
        {"input": {"text": "hi"}, "context": {"conversation_id": "c"}},  # pre-message: a request
        {"output": {"text": ["x"]}, "context": {}},  # too little
        {"type": "luis", "query": "q", "intents": [], "entities": []},  # an NLU payload
        {"payload": {"input": {"text": "hi"}}},
    ],
)
def test_given_lookalikes_when_detected_then_not_watson(body):
    assert not watson.PLATFORM.detect(turn_of(body))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_watson_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_watson_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), statuses

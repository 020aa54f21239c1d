"""Kik: messages in (one record each), /v1/message out, user profiles."""
from __future__ import annotations

import json

import pytest

from botanalytics.platforms import kik
from tests.platforms.support import assert_no_secrets, contract_error, names, post_all, run

EVENTS = names("kik")


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_kik_sample_when_detected_then_kik_owns_it(name):
    assert run(name).platform is kik.PLATFORM


def test_given_two_messages_when_incoming_then_one_record_per_message_wrapped_in_messages():
    result = run("kik/text_and_picture_function_url")
    sent_messages = json.loads(result.data["event"]["body"])["messages"]
    assert [r.path for r in result.incoming] == ["messages/kik/", "messages/kik/"]
    assert [r.body for r in result.incoming] == [{"messages": [m]} for m in sent_messages]


def test_given_a_reply_through_the_api_when_sent_then_the_message_with_timestamp_and_bot_username():
    [record] = run("kik/text_and_picture_function_url").sent
    [message] = record.body["messages"]
    assert message["body"] == "Yes, I'm a bot!" and message["to"] == "laura"
    assert message["from"] == "acmebot"
    assert isinstance(message["timestamp"], int)


def test_given_start_chatting_when_incoming_then_it_is_recorded():
    [record] = run("kik/start_chatting_http_api").incoming
    assert record.body["messages"][0]["type"] == "start-chatting"


@pytest.mark.parametrize(
    "path, body",
    [("/v1/config", {"webhook": "https://x"}), ("/v1/message", {"messages": [{"body": "no type"}]}),
     ("/v1/message", {"messages": "x"})],
)
def test_given_other_kik_calls_when_sent_then_nothing_is_recorded(path, body):
    assert kik.PLATFORM.sent("api.kik.com", path, json.dumps(body).encode(), {}) == []


def test_given_a_json_body_with_messages_that_are_not_kik_messages_when_detected_then_not_kik():
    from tests.platforms.support import turn_of
    from tests.events import load_event

    event = dict(load_event("kik/start_chatting_http_api")["event"])
    event["headers"] = {"content-type": "application/json"}
    event["body"] = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    assert kik.PLATFORM.detect(turn_of(event)) is False


def test_given_a_profile_when_profile_record_then_kik_users():
    record = kik.profile_record({"username": "laura", "firstName": "Laura", "lastName": "P", "profilePicUrl": "https://x"})
    assert record is not None and record.path == "kik/users/" and contract_error(record) is None
    assert kik.profile_record({"firstName": "no username"}) is None


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_kik_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_kik_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_kik_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records] + [kik.profile_record({"username": "laura"})]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records()) == len(records)

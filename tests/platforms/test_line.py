"""LINE: webhook events in, reply/push/multicast out, user profiles."""
from __future__ import annotations

import json

import pytest

from botanalytics.platforms import line
from tests.platforms.support import assert_no_secrets, contract_error, names, post_all, run

EVENTS = names("line")
USER = "U4af4980629a0b1c2d3e4f5a6b7c8d9e0"


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_line_sample_when_detected_then_line_owns_it(name):
    assert run(name).platform is line.PLATFORM


def test_given_a_text_message_when_incoming_then_the_events_array_is_recorded():
    result = run("line/text_message_function_url")
    [record] = result.incoming
    assert record.path == "messages/line/"
    assert record.body == {"events": json.loads(result.data["event"]["body"])["events"]}


def test_given_a_reply_within_the_same_invocation_when_sent_then_to_is_the_user_of_the_reply_token():
    reply, push = run("line/text_message_function_url").sent
    assert reply.body["to"] == USER
    assert reply.body["messages"] == [{"type": "text", "text": "Here is the menu."}]
    assert isinstance(reply.body["timestamp"], int)
    assert push.body["to"] == USER and push.body["messages"][0]["type"] == "sticker"


def test_given_two_events_when_incoming_then_one_record_and_the_follow_reply_goes_to_its_user():
    result = run("line/follow_and_postback_http_api")
    [record] = result.incoming
    assert [e["type"] for e in record.body["events"]] == ["follow", "postback"]
    [reply] = result.sent
    assert reply.body["to"] == USER


def test_given_an_unknown_reply_token_when_sent_then_to_is_the_reply_token():
    body = json.dumps({"replyToken": "never-seen-token", "messages": [{"type": "text", "text": "hi"}]}).encode()
    [record] = line.PLATFORM.sent("api.line.me", "/v2/bot/message/reply", body, {"authorization": "Bearer secret"})
    assert record.body["to"] == "never-seen-token"


def test_given_a_multicast_when_sent_then_one_record_per_recipient():
    body = json.dumps({"to": ["U1", "U2", 3], "messages": [{"type": "text", "text": "news"}]}).encode()
    records = line.PLATFORM.sent("api.line.me", "/v2/bot/message/multicast", body, {})
    assert [r.body["to"] for r in records] == ["U1", "U2"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/v2/bot/message/broadcast", {"messages": [{"type": "text", "text": "x"}]}),
        ("/v2/bot/message/push", {"to": "U1", "messages": []}),
        ("/v2/bot/message/push", {"messages": [{"type": "text", "text": "x"}]}),
        ("/v2/bot/profile/U1", {}),
    ],
)
def test_given_other_line_calls_when_sent_then_nothing_is_recorded(path, body):
    assert line.PLATFORM.sent("api.line.me", path, json.dumps(body).encode(), {}) == []


def test_given_the_console_verify_call_when_incoming_then_nothing_is_recorded():
    assert run("line/verify_empty_events_rest").records == []


def test_given_a_profile_when_profile_record_then_line_users():
    record = line.profile_record({"userId": USER, "displayName": "LINE taro", "pictureUrl": "https://x", "statusMessage": "Hi"})
    assert record is not None and record.path == "line/users/" and record.body["userId"] == USER
    assert contract_error(record) is None
    assert line.profile_record({"displayName": "no id"}) is None
    assert line.profile_record(None) is None


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_line_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_line_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_line_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records] + [line.profile_record({"userId": USER})]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records()) == len(records)

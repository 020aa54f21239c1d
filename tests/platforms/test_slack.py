"""Slack: Events API, interactive payloads, chat.postMessage out, RTM and initialize builders."""
from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qsl

import pytest

from botanalytics.platforms import slack
from tests.events import load_event
from tests.platforms.support import assert_no_secrets, contract_error, names, post_all, run

EVENTS = names("slack")
BOT_TOKEN = "xoxb-1111111111-2222222222222-FakeSlackBotTokenAbCd"


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_slack_sample_when_detected_then_slack_owns_it(name):
    assert run(name).platform is slack.PLATFORM


def test_given_an_event_callback_when_incoming_then_the_payload_is_recorded_without_the_verification_token():
    result = run("slack/event_callback_message_http_api")
    [record] = result.incoming
    sent_payload = json.loads(result.data["event"]["body"])
    assert record.path == "messages/slack/event/"
    expected = dict(sent_payload)
    del expected["token"]
    assert record.body == expected


def test_given_a_slack_retry_when_incoming_then_it_is_not_recorded_again():
    assert run("slack/event_callback_retry_function_url").records == []


def test_given_url_verification_when_incoming_then_nothing_is_recorded_and_the_helper_answers_the_challenge():
    data = load_event("slack/url_verification_function_url")
    assert run("slack/url_verification_function_url").records == []
    answer = slack.challenge_response(data["event"])
    assert answer is not None and answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"challenge": json.loads(data["event"]["body"])["challenge"]}


@pytest.mark.parametrize("event", [None, {}, [], "x", load_event("slack/event_callback_message_http_api")["event"]])
def test_given_something_else_when_challenge_response_then_none(event):
    assert slack.challenge_response(event) is None


@pytest.mark.parametrize(
    "name, kind", [("slack/block_actions_function_url", "block_actions"), ("slack/interactive_message_rest", "interactive_message")]
)
def test_given_an_interactive_payload_when_incoming_then_the_parsed_payload_is_recorded(name, kind):
    result = run(name)
    [record] = result.incoming
    event = result.data["event"]
    raw = base64.b64decode(event["body"]).decode() if event["isBase64Encoded"] else event["body"]
    payload = json.loads(dict(parse_qsl(raw))["payload"])
    del payload["token"]
    assert record.path == "messages/slack/interactive/"
    assert record.body["type"] == kind
    assert record.body == payload


def test_given_a_json_post_message_when_sent_then_it_is_recorded_as_a_bot_message_event_callback():
    result = run("slack/event_callback_message_http_api")
    [record] = result.sent
    assert record.path == "messages/slack/event/"
    body = record.body
    assert body["type"] == "event_callback"
    assert body["team_id"] == "T0123ABCD" and body["api_app_id"] == "A0456EFGH"
    event = body["event"]
    assert event["type"] == "message" and event["subtype"] == "bot_message"
    assert event["channel"] == "D0789IJKL"
    assert event["text"] == "All green: last deploy 12:00 UTC."
    assert event["thread_ts"].endswith(".000100")
    assert event["user"] == "U0BOT0001"
    assert re.fullmatch(r"\d{10}\.\d{3}", event["ts"])


def test_given_a_form_post_message_with_token_field_when_sent_then_blocks_are_parsed_and_token_dropped():
    result = run("slack/event_callback_app_mention_rest")
    [record] = result.sent
    assert record.body["event"]["blocks"][0]["type"] == "section"
    assert BOT_TOKEN not in json.dumps(record.body)


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_slack_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)


@pytest.mark.parametrize(
    "host, path, body",
    [
        ("slack.com", "/api/chat.update", b'{"channel":"C1","text":"x"}'),
        ("slack.com", "/api/chat.postMessage", b'{"text":"no channel"}'),
        ("slack.com", "/api/chat.postMessage", b'{"channel":"C1"}'),
        ("hooks.slack.com", "/api/chat.postMessage", b'{"channel":"C1","text":"x"}'),
        ("slack.com", "/api/chat.postMessage", b"\x00\x01"),
    ],
)
def test_given_other_slack_calls_when_sent_then_nothing_is_recorded(host, path, body):
    assert slack.PLATFORM.sent(host, path, body, {"Authorization": f"Bearer {BOT_TOKEN}"}) == []


def test_given_an_rtm_message_when_rtm_message_record_then_the_flat_shape_with_seconds_ts():
    record = slack.rtm_message_record(
        {"type": "message", "text": "hi", "channel": "C1", "user": "U1", "team": "T1", "ts": 1704110400.123}, is_bot=False
    )
    assert record is not None and record.path == "messages/slack/"
    assert record.body == {"type": "message", "text": "hi", "channel": "C1", "user": "U1", "team": "T1",
                           "is_bot": False, "ts": "1704110400.123"}
    assert contract_error(record) is None


def test_given_a_bot_rtm_message_without_ts_when_rtm_message_record_then_ts_is_now_as_a_string():
    record = slack.rtm_message_record({"text": "done"}, is_bot=True, team="T1", user="B1", channel="C1")
    assert record is not None
    assert record.body["type"] == "message" and record.body["is_bot"] is True
    assert re.fullmatch(r"\d{10}\.\d{3}", record.body["ts"])


def test_given_an_rtm_start_result_when_initialize_record_then_the_eight_fields_and_not_the_socket_url():
    rtm = {"ok": True, "url": "wss://cerberus-xxxx.lb.slack-msgs.com/websocket/secretsession",
           "self": {"id": "U0BOT0001", "name": "bot"}, "team": {"id": "T0123ABCD"},
           "users": [{"id": "U0111MNOP"}], "channels": [], "groups": [], "ims": [{"id": "D0789IJKL"}], "bots": []}
    record = slack.initialize_record(rtm)
    assert record is not None and record.path == "bots/slack/initialize/"
    assert set(record.body) == {"self", "team", "users", "channels", "groups", "mpims", "ims", "bots"}
    assert record.body["mpims"] == [] and "secretsession" not in json.dumps(record.body)
    assert contract_error(record) is None


@pytest.mark.parametrize("bad", [None, [], "x", 3])
def test_given_a_non_dict_when_builders_then_none(bad):
    assert slack.rtm_message_record(bad) is None
    assert slack.initialize_record(bad) is None


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_slack_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_slack_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    records.append(slack.rtm_message_record({"type": "message", "text": "hi"}, team="T1", user="U1", channel="C1"))
    records.append(slack.initialize_record({"self": {}, "team": {}}))
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records()) == len(records)

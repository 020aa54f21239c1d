"""Facebook Messenger: webhook in, Send API out, profiles and livechat settings."""
from __future__ import annotations

import json

import pytest

from botanalytics.platforms import messenger
from botanalytics.record import now_ms
from tests.events import load_event
from tests.platforms.support import assert_no_secrets, call_sent, contract_error, names, post_all, run

EVENTS = names("messenger")
PSID = "6523419876543210"


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_messenger_sample_when_detected_then_messenger_owns_it(name):
    assert run(name).platform is messenger.PLATFORM


def test_given_a_text_message_when_incoming_then_the_whole_webhook_body_is_recorded_with_null_recipient():
    before = now_ms()
    result = run("messenger/text_message_function_url")
    [record] = result.incoming
    body_sent = json.loads(load_event("messenger/text_message_function_url")["event"]["body"])
    assert record.path == "messages/facebook-messenger/"
    assert record.method == "POST"
    assert record.body["recipient"] is None
    assert record.body["message"] == body_sent
    assert isinstance(record.body["timestamp"], int) and before <= record.body["timestamp"] <= now_ms()
    assert record.request_id == "req-0001"
    assert result.outgoing == []  # the reply is not in the HTTP response on Messenger


def test_given_the_send_api_calls_of_a_turn_when_sent_then_only_the_message_is_recorded_without_token():
    result = run("messenger/text_message_function_url")
    [record] = result.sent  # the typing indicator is not a message
    assert record.path == "messages/facebook-messenger/"
    assert record.body["recipient"] == PSID
    assert record.body["message"] == {"text": "We are open 9am-6pm, Monday to Saturday."}
    assert isinstance(record.body["timestamp"], int)
    assert "fb_token" not in record.body
    assert set(record.body) == {"recipient", "timestamp", "message"}


def test_given_a_form_encoded_send_call_with_the_token_in_the_body_when_sent_then_the_token_is_not_recorded():
    result = run("messenger/postback_http_api")
    [record] = result.sent
    assert record.body["recipient"] == PSID
    assert record.body["message"]["quick_replies"][0]["payload"] == "HOURS"
    assert_no_secrets(result.data, result.records)


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_messenger_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)


def test_given_a_batched_webhook_when_incoming_then_one_record_and_the_senders_exclude_the_page_echo():
    result = run("messenger/batched_users_rest")
    assert len(result.incoming) == 1
    body = json.loads(result.data["event"]["body"])
    assert messenger.sender_ids(body) == [PSID, "7788990011223344"]


@pytest.mark.parametrize("name", ["messenger/verify_subscription_function_url", "messenger/page_feed_change_rest"])
def test_given_a_subscription_check_or_feed_change_when_incoming_then_nothing_is_recorded(name):
    assert run(name).records == []


@pytest.mark.parametrize(
    "host, path, method, body",
    [
        ("graph.facebook.com", "/v19.0/me/messages", "GET", b'{"recipient":{"id":"1"},"message":{"text":"x"}}'),
        ("graph.facebook.com", "/v19.0/me/photos", "POST", b'{"recipient":{"id":"1"},"message":{"text":"x"}}'),
        ("graph.facebook.com.evil.example", "/v19.0/me/messages", "POST", b'{"recipient":{"id":"1"},"message":{}}'),
        ("example.com", "/v19.0/me/messages", "POST", b'{"recipient":{"id":"1"},"message":{"text":"x"}}'),
        ("graph.facebook.com", "/v19.0/me/messages", "POST", b'{"recipient":{"id":"1"},"sender_action":"mark_seen"}'),
        ("graph.facebook.com", "/v19.0/me/messages", "POST", b"not json"),
        ("graph.facebook.com", "/v19.0/me/messages", "POST", b"\xff\xfe"),
    ],
)
def test_given_a_call_that_is_not_a_send_api_message_when_sent_then_nothing_is_recorded(host, path, method, body):
    assert messenger.PLATFORM.sent(host, path, body, {":method": method}) == []


def test_given_a_send_call_by_page_id_with_port_in_host_when_sent_then_it_is_recognised():
    call = {"host": "graph.facebook.com:443", "path": "/v19.0/106512345678901/messages?access_token=EAAsecret123",
            "body": json.dumps({"recipient": {"id": PSID}, "message": {"attachment": {"type": "image"}}})}
    [record] = call_sent(messenger.PLATFORM, call)
    assert record.body["recipient"] == PSID and "EAAsecret123" not in json.dumps(record.body)


def test_given_a_graph_profile_when_profile_record_then_id_becomes_user_id_and_tokens_are_dropped():
    record = messenger.profile_record({"id": PSID, "first_name": "Ana", "access_token": "EAAsecret"})
    assert record is not None
    assert record.path == "facebook-messenger/users/"
    assert record.body == {"user_id": PSID, "first_name": "Ana"}
    assert contract_error(record) is None


@pytest.mark.parametrize("bad", [None, [], "x", {}, {"first_name": "no id"}, {"user_id": ""}])
def test_given_a_profile_without_psid_when_profile_record_then_none_and_no_exception(bad):
    assert messenger.profile_record(bad) is None


def test_given_a_page_token_and_pause_url_when_livechat_settings_then_a_patch_on_bots_me():
    record = messenger.livechat_settings_record("EAApagetoken", "https://abc.lambda-url.eu-west-1.on.aws/?secret=s")
    assert record is not None
    assert (record.method, record.path) == ("PATCH", "bots/me/")
    assert record.body == {"platform_token": "EAApagetoken", "webhook_url": "https://abc.lambda-url.eu-west-1.on.aws/?secret=s"}
    assert contract_error(record) is None


@pytest.mark.parametrize("token, url", [("", "https://x"), ("t", ""), (None, "https://x"), ("t", "ftp://x"), ("t", 5)])
def test_given_missing_livechat_values_when_livechat_settings_then_none(token, url):
    assert messenger.livechat_settings_record(token, url) is None


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_messenger_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_messenger_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    records.append(messenger.profile_record({"user_id": PSID, "first_name": "Ana"}))
    records.append(messenger.livechat_settings_record("EAApagetoken", "https://example.com/pause"))
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records("messages/facebook-messenger/")) == len(records) - 2

"""Viber: callbacks in, send_message and the welcome message out, user profiles."""
from __future__ import annotations

import json

import pytest

from botanalytics.platforms import viber
from tests.platforms.support import assert_no_secrets, contract_error, names, post_all, run

EVENTS = names("viber")
USER = "01234567890A="


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_viber_sample_when_detected_then_viber_owns_it(name):
    assert run(name).platform is viber.PLATFORM


def test_given_a_message_callback_when_incoming_then_the_callback_is_recorded_under_message():
    result = run("viber/text_message_function_url")
    [record] = result.incoming
    assert record.path == "messages/viber/"
    assert record.body == {"message": json.loads(result.data["event"]["body"])}


def test_given_send_message_when_sent_then_receiver_object_timestamp_and_no_auth_token():
    result = run("viber/text_message_function_url")
    [record] = result.sent
    message = record.body["message"]
    assert message["receiver"] == {"id": USER}
    assert message["type"] == "text" and message["text"] == "Hello world!"
    assert isinstance(message["timestamp"], int)
    assert "auth_token" not in message


def test_given_send_message_with_auth_token_in_body_when_sent_then_it_is_dropped():
    body = json.dumps({"auth_token": "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9", "receiver": USER,
                       "type": "text", "text": "hi"}).encode()
    [record] = viber.PLATFORM.sent("chatapi.viber.com", "/pa/send_message", body, {"X-Viber-Auth-Token": "x"})
    assert "445da6az1s345z78" not in json.dumps(record.body)


def test_given_conversation_started_with_a_welcome_when_recorded_then_profile_in_and_welcome_out():
    result = run("viber/conversation_started_welcome_http_api")
    [profile] = result.incoming
    assert profile.path == "viber/users/" and profile.body["id"] == USER
    [welcome] = result.outgoing
    assert welcome.path == "messages/viber/"
    assert welcome.body["message"]["receiver"] == {"id": USER, "name": "John McClane"}
    assert welcome.body["message"]["text"].startswith("Welcome!")


def test_given_a_subscription_when_incoming_then_the_user_profile_is_recorded():
    [record] = run("viber/subscribed_rest").incoming
    assert record.path == "viber/users/" and record.body["id"] == USER


@pytest.mark.parametrize("name", ["viber/delivered_receipt_function_url", "viber/webhook_setup_function_url"])
def test_given_receipts_and_the_webhook_check_when_incoming_then_nothing_is_recorded(name):
    assert run(name).records == []


@pytest.mark.parametrize(
    "path, body",
    [("/pa/broadcast_message", {"broadcast_list": [USER], "type": "text", "text": "x"}),
     ("/pa/send_message", {"type": "text", "text": "no receiver"}),
     ("/pa/get_user_details", {"id": USER})],
)
def test_given_other_viber_calls_when_sent_then_nothing_is_recorded(path, body):
    assert viber.PLATFORM.sent("chatapi.viber.com", path, json.dumps(body).encode(), {}) == []


def test_given_a_profile_when_profile_record_then_viber_users_with_id_required():
    record = viber.profile_record({"id": USER, "name": "John", "primary_device_os": "Android 7.1"})
    assert record is not None and record.path == "viber/users/" and contract_error(record) is None
    assert viber.profile_record({"name": "no id"}) is None


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_viber_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_viber_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_viber_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records()) == len(records)

"""Telegram Bot API webhooks straight to Lambda, recorded as generic messages (docs/telegram.md)."""

from __future__ import annotations

import json

import pytest

from botanalytics.platforms import telegram
from tests.platforms.support import call_sent, contract_error, names, post_all, run, turn_of

EVENTS = names("telegram")
TOKEN = "6000000001:AAH-EXAMPLE-telegram-bot-token-0123456789"


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_telegram_sample_when_detected_then_telegram_owns_it(name):
    assert run(name).platform is telegram.PLATFORM


def test_given_a_text_update_when_incoming_then_a_generic_user_message_with_the_update_time():
    [record] = run("telegram/text_message_function_url").incoming
    assert record.path == "messages/generic/"
    assert record.body == {
        "is_sender_bot": False,
        "user": {"id": "555000111", "name": "Alan Turing"},
        "message": {"timestamp": 1704110400000, "text": "Do you have vegan pizza?"},
    }


def test_given_a_webhook_reply_when_outgoing_then_the_bot_message_goes_to_the_same_user():
    [record] = run("telegram/text_message_function_url").outgoing
    assert record.body["is_sender_bot"] is True
    assert record.body["user"] == {"id": "555000111", "name": "Alan Turing"}
    assert record.body["message"]["text"] == "Yes! Our vegan margherita has cashew cheese."


def test_given_a_callback_query_and_bot_api_calls_when_recorded_then_button_data_in_and_send_calls_out():
    result = run("telegram/callback_query_apigw_http")
    [pressed] = result.incoming
    assert pressed.body["message"]["text"] == "size:large"
    # answerCallbackQuery is not a message; sendMessage (JSON) and sendPhoto (form) are
    assert [r.body["message"]["text"] for r in result.sent] == ["Large it is. Anything else?", "[photo]"]
    assert all(r.body["is_sender_bot"] for r in result.sent)


def test_given_bot_api_calls_when_recorded_then_the_token_in_the_path_is_never_in_a_record():
    for name in EVENTS:
        result = run(name)
        text = json.dumps([r.to_dict() for r in result.records])
        assert TOKEN not in text and "AAH-EXAMPLE" not in text
        assert "EXAMPLE-secret-token" not in text  # the webhook secret header either


def test_given_a_multipart_send_when_sent_then_the_text_fields_are_read():
    [record] = run("telegram/photo_caption_apigw_rest").sent
    assert record.body["message"]["text"] == "Nice choice, Grace!"
    assert record.body["user"] == {"id": "555000112", "name": "Grace"}


def test_given_a_photo_with_caption_when_incoming_then_the_caption_is_the_text():
    [record] = run("telegram/photo_caption_apigw_rest").incoming
    assert record.body["message"]["text"] == "this one please"


def test_given_an_edit_when_recorded_then_nothing():
    assert run("telegram/edited_message_function_url").records == []


def test_given_a_query_string_send_when_sent_then_recorded():
    call = {"host": "api.telegram.org", "path": f"/bot{TOKEN}/sendMessage?chat_id=42&text=hello", "body": ""}
    [record] = call_sent(telegram.PLATFORM, call)
    assert record.body["user"]["id"] == "42" and record.body["message"]["text"] == "hello"


@pytest.mark.parametrize(
    "host,path",
    [
        ("api.telegram.org", f"/bot{TOKEN}/getUpdates"),
        ("api.telegram.org", f"/file/bot{TOKEN}/photos/a.jpg"),
        ("evil.example", f"/bot{TOKEN}/sendMessage"),
    ],
)
def test_given_other_calls_when_sent_then_nothing(host, path):
    assert (
        call_sent(telegram.PLATFORM, {"host": host, "path": path, "body": '{"chat_id": 1, "text": "x"}'})
        == []
    )


def test_given_lookalikes_when_detected_then_not_telegram():
    for body in ({"update_id": "1", "message": {}}, {"update_id": True, "message": {}}, {"update_id": 1}):
        assert not telegram.PLATFORM.detect(turn_of(body))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_telegram_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_telegram_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), statuses

"""Twilio SMS: form webhook in, TwiML reply and REST API messages out."""
from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlencode

import pytest

from botanalytics.platforms import twilio
from botanalytics.webhook import HttpResponse
from tests.platforms.support import assert_no_secrets, contract_error, names, post_all, run, turn_of
from tests.events import load_event

EVENTS = names("twilio")
USER, BOT = "+14155550123", "+14155550100"


def _form(name):
    event = load_event(name)["event"]
    raw = base64.b64decode(event["body"]).decode() if event["isBase64Encoded"] else event["body"]
    return dict(parse_qsl(raw, keep_blank_values=True))


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_twilio_sample_when_detected_then_twilio_owns_it(name):
    assert run(name).platform is twilio.PLATFORM


def test_given_an_inbound_sms_when_incoming_then_every_form_field_is_recorded_as_from_the_user():
    result = run("twilio/sms_twiml_reply_function_url")
    [record] = result.incoming
    assert record.path == "twilio/sms/messages/"
    assert record.body == {"is_sender_bot": False, "message": _form("twilio/sms_twiml_reply_function_url")}


def test_given_a_twiml_reply_when_outgoing_then_the_bot_message_is_recorded_to_the_user():
    [record] = run("twilio/sms_twiml_reply_function_url").outgoing
    assert record.body == {"is_sender_bot": True, "message": {
        "Body": "We close at 6pm today.", "To": USER, "From": BOT, "AccountSid": "AC0123456789abcdef0123456789abcdef"}}


def test_given_two_twiml_messages_with_media_and_to_attribute_when_outgoing_then_two_records():
    first, second = run("twilio/mms_two_replies_http_api").outgoing
    assert first.body["message"]["Body"] == "Yes, 3 left in blue."
    assert first.body["message"]["MediaUrl0"] == "https://example.com/blue.jpg"
    assert first.body["message"]["NumMedia"] == "1"
    assert first.body["message"]["To"] == USER
    assert second.body["message"]["To"] == "+14155550999"


def test_given_an_empty_twiml_and_a_rest_send_when_recorded_then_only_the_rest_message_is_the_reply():
    result = run("twilio/sms_no_reply_rest")
    assert result.outgoing == []
    [record] = result.sent
    assert record.body == {"is_sender_bot": True, "message": {
        "Body": "You are unsubscribed.", "To": USER, "From": BOT, "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "NumMedia": "1", "MediaUrl0": "https://example.com/bye.png"}}


def test_given_a_status_callback_when_incoming_then_nothing_is_recorded():
    assert run("twilio/status_callback_function_url").records == []


@pytest.mark.parametrize("missing", ["MessageSid", "From", "To", "Body", "AccountSid"])
def test_given_a_webhook_missing_a_required_field_when_incoming_then_nothing_is_recorded(missing):
    data = load_event("twilio/sms_no_reply_rest")
    form = _form("twilio/sms_no_reply_rest")
    del form[missing]
    if missing == "MessageSid":
        del form["SmsSid"]
    event = dict(data["event"], body=urlencode(form))
    turn = turn_of(event)
    assert twilio.PLATFORM.incoming(turn) == []


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Response><Message>&b;</Message></Response>',
        b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><Response><Message>x</Message></Response>',
        b"<Response><Message>" + b"x" * 70000 + b"</Message></Response>",
        b"<Response><Message>unclosed",
        b"<Other><Message>x</Message></Other>",
        b"",
        b"\xff\xfe<Response/>",
    ],
)
def test_given_a_hostile_or_foreign_response_document_when_outgoing_then_nothing_and_no_exception(document):
    turn = turn_of(load_event("twilio/sms_twiml_reply_function_url")["event"])
    response = HttpResponse(headers={"content-type": "text/xml"}, body=document, status=200)
    assert twilio.PLATFORM.outgoing(turn, {"statusCode": 200}, response) == []


@pytest.mark.parametrize(
    "host, path, body",
    [
        ("api.twilio.com", "/2010-04-01/Accounts/AC1/Calls.json", b"To=%2B1&From=%2B2&Url=x"),
        ("api.twilio.com", "/2010-04-01/Accounts/AC1/Messages.json", b"From=%2B2&Body=no+to"),
        ("api.twilio.com", "/2010-04-01/Accounts/AC1/Messages.json", b"To=%2B1&From=%2B2"),
        ("evil.example", "/2010-04-01/Accounts/AC1/Messages.json", b"To=%2B1&From=%2B2&Body=x"),
    ],
)
def test_given_other_calls_when_sent_then_nothing_is_recorded(host, path, body):
    assert twilio.PLATFORM.sent(host, path, body, {"authorization": "Basic secret"}) == []


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_twilio_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_twilio_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_twilio_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records("twilio/sms/messages/")) == len(records)

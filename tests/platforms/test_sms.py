"""SMS bots (other than Twilio) through the generic endpoint."""

from __future__ import annotations

import json

import pytest

from botanalytics.platforms import sms
from tests.events import load_event
from tests.platforms.support import (
    assert_no_secrets,
    call_sent,
    contract_error,
    names,
    post_all,
    run,
    turn_of,
)

EVENTS = names("sms")
EXPECTED_IN = {
    "sms/pinpoint_two_way_sns": ("+15555550123", "Is my pizza ready?"),
    "sms/vonage_inbound_function_url": ("15555550124", "menu"),
    "sms/telnyx_inbound_apigw_http": ("+15555550125", "cancel my order"),
    "sms/sinch_inbound_function_url": ("15555550126", "hours?"),
}


@pytest.mark.parametrize("name", EVENTS)
def test_given_an_sms_sample_when_incoming_then_one_generic_user_message(name):
    result = run(name)
    assert result.platform is sms.PLATFORM
    [record] = result.incoming
    number, text = EXPECTED_IN[name]
    assert record.path == "messages/generic/"
    assert record.body["is_sender_bot"] is False
    assert record.body["user"] == {"id": number, "name": number}
    assert record.body["message"]["text"] == text


def test_given_a_pinpoint_reply_via_boto3_when_sent_then_recorded_without_the_signature():
    result = run("sms/pinpoint_two_way_sns")
    [reply] = result.sent
    assert reply.body["is_sender_bot"] is True and reply.body["user"]["id"] == "+15555550123"
    assert_no_secrets(load_event("sms/pinpoint_two_way_sns"), result.records)
    assert "AKIAEXAMPLE" not in json.dumps(reply.to_dict())


def test_given_a_vonage_send_when_sent_then_the_api_secret_is_not_recorded():
    [reply] = run("sms/vonage_inbound_function_url").sent
    assert reply.body["message"]["text"] == "Menu: margherita, pepperoni"
    assert "EXAMPLEsecret" not in json.dumps(reply.to_dict()) and "EXAMPLEKEY" not in json.dumps(
        reply.to_dict()
    )
    [incoming] = run("sms/vonage_inbound_function_url").incoming
    assert "EXAMPLEKEY" not in json.dumps(incoming.to_dict())


@pytest.mark.parametrize(
    "call,expected",
    [
        (
            {
                "host": "pinpoint.eu-west-1.amazonaws.com",
                "path": "/v1/apps/abc/messages",
                "body": json.dumps(
                    {
                        "MessageRequest": {
                            "Addresses": {"+15555550123": {"ChannelType": "SMS"}},
                            "MessageConfiguration": {"SMSMessage": {"Body": "hi"}},
                        }
                    }
                ),
            },
            [("+15555550123", "hi")],
        ),
        (
            {
                "host": "sns.eu-west-1.amazonaws.com",
                "path": "/",
                "body": "Action=Publish&PhoneNumber=%2B15555550123&Message=yo",
            },
            [("+15555550123", "yo")],
        ),
        (
            {
                "host": "sns.eu-west-1.amazonaws.com",
                "path": "/",
                "body": "Action=Publish&TopicArn=arn&Message=yo",
            },
            [],
        ),
        (
            {
                "host": "api.telnyx.com",
                "path": "/v2/messages",
                "body": json.dumps({"to": "+15555550123", "text": "t"}),
            },
            [("+15555550123", "t")],
        ),
        (
            {
                "host": "us.sms.api.sinch.com",
                "path": "/xms/v1/plan1/batches",
                "body": json.dumps({"to": ["15555550123"], "body": "b"}),
            },
            [("15555550123", "b")],
        ),
        ({"host": "dynamodb.eu-west-1.amazonaws.com", "path": "/", "body": "{}"}, []),
    ],
)
def test_given_send_api_calls_when_sent_then_bot_messages(call, expected):
    records = call_sent(sms.PLATFORM, call)
    assert [(r.body["user"]["id"], r.body["message"]["text"]) for r in records] == expected


def test_given_an_ordinary_sns_notification_or_the_generic_sms_sample_then_not_claimed():
    assert not sms.PLATFORM.detect(turn_of(load_event("non_bot/sns")["event"]))
    assert not sms.PLATFORM.detect(turn_of(load_event("generic/sms_apigw_http")["event"]))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_sms_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_sms_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), statuses

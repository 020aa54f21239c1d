"""Google RBM: the agent webhook in, agentMessages out, in the Java SDK's body shapes."""

from __future__ import annotations

import base64
import json

import pytest

from botanalytics.platforms import rbm
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

EVENTS = names("rbm")
HOST = "rcsbusinessmessaging.googleapis.com"


@pytest.mark.parametrize("name", EVENTS)
def test_given_an_rbm_sample_when_detected_then_rbm_owns_it(name):
    assert run(name).platform is rbm.PLATFORM


def test_given_a_pubsub_push_when_incoming_then_the_root_with_data_decoded_as_the_java_sdk():
    name = "rbm/user_text_pubsub_function_url"
    root = json.loads(load_event(name)["event"]["body"])
    [record] = run(name).incoming
    assert record.path == "messages/rbm/"
    assert record.body["subscription"] == root["subscription"]
    assert record.body["message"]["data"] == root["message"]["data"]
    assert record.body["message"]["data_decoded"]["text"] == "Do you deliver to 94107?"
    assert record.body["message"]["data_decoded"]["senderPhoneNumber"] == "+15555550123"


def test_given_a_decoded_message_posted_directly_when_incoming_then_the_same_shape_is_built():
    [record] = run("rbm/suggestion_direct_alb").incoming
    decoded = record.body["message"]["data_decoded"]
    assert decoded["suggestionResponse"]["postbackData"] == "order_margherita"
    assert json.loads(base64.b64decode(record.body["message"]["data"])) == decoded


def test_given_an_event_when_incoming_then_nothing_is_recorded():
    assert run("rbm/read_event_function_url").records == []


def test_given_agent_messages_when_sent_then_text_and_file_messages_are_recorded_and_events_are_not():
    result = run("rbm/user_text_pubsub_function_url")
    text, image = result.sent
    assert text.body["name"] == "phones/+15555550123/agentMessages/4b7a1c2e-EXAMPLE-0001"
    assert text.body["contentMessage"]["text"] == "Yes, we deliver to 94107!"
    assert "type" not in text.body["contentMessage"]
    assert image.body["contentMessage"]["type"] == "image"
    assert image.body["contentMessage"]["fileUrl"] == "https://cdn.example.com/menu/margherita.jpg"
    assert text.body["sendTime"].endswith("Z")
    assert_no_secrets(load_event("rbm/user_text_pubsub_function_url"), result.records)


@pytest.mark.parametrize(
    "url,mime,kind",
    [
        ("https://x/a.MP4", None, "video"),
        ("https://x/a.mp3?sig=1", None, "audio"),
        ("https://x/a.pdf", None, "file"),
        ("https://x/download", "video/mp4", "video"),
        ("https://x/download", None, "file"),
        ("https://x/p.png", None, "image"),
    ],
)
def test_media_type_from_extension_or_mime(url, mime, kind):
    assert rbm.media_type(url, mime) == kind


def test_given_an_uploaded_rbm_file_when_sent_then_type_file_without_url():
    call = {
        "host": HOST,
        "path": "/v1/phones/+15555550123/agentMessages?messageId=m1",
        "body": json.dumps({"contentMessage": {"uploadedRbmFile": {"fileName": "files/abc"}}}),
    }
    [record] = call_sent(rbm.PLATFORM, call)
    assert record.body["contentMessage"]["type"] == "file" and "fileUrl" not in record.body["contentMessage"]


def test_given_the_webhook_verification_when_recorded_then_nothing_and_the_secret_never_leaves():
    event = dict(
        load_event("rbm/user_text_pubsub_function_url")["event"],
        body=json.dumps({"clientToken": "EXAMPLEclienttoken", "secret": "EXAMPLEsecret"}),
    )
    assert rbm.PLATFORM.detect(turn_of(event))
    assert rbm.PLATFORM.incoming(turn_of(event)) == []


def test_given_a_pubsub_push_that_is_not_rbm_when_detected_then_not_claimed():
    data = base64.b64encode(json.dumps({"orderId": 7}).encode()).decode()
    event = dict(
        load_event("rbm/user_text_pubsub_function_url")["event"],
        body=json.dumps({"message": {"data": data, "messageId": "1"}, "subscription": "s"}),
    )
    assert not rbm.PLATFORM.detect(turn_of(event))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_rbm_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_rbm_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), statuses

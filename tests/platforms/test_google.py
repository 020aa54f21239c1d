"""Google Assistant: Actions SDK and Dialogflow fulfillment pairs."""

from __future__ import annotations

import json

import pytest

from botanalytics.platforms import google
from botanalytics.webhook import HttpResponse
from tests.events import load_event
from tests.platforms.support import contract_error, names, post_all, run, turn_of

EVENTS = names("google")


def _body(name):
    return json.loads(load_event(name)["event"]["body"])


def _reply(name):
    return json.loads(load_event(name)["response"]["body"])


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_google_sample_when_detected_then_google_owns_it_and_records_only_after_the_handler(name):
    result = run(name)
    assert result.platform is google.PLATFORM
    assert result.incoming == []
    assert result.outgoing


@pytest.mark.parametrize(
    "name", ["google/actions_sdk_main_function_url", "google/actions_sdk_text_apigw_rest"]
)
def test_given_an_actions_sdk_turn_when_recorded_then_request_and_response_pair_as_the_sdks_send_it(name):
    [record] = run(name).outgoing
    assert record.path == "messages/google-assistant/"
    assert record.body == {"request": _body(name), "response": _reply(name)}
    assert record.request_id == "req-0001"


def test_given_a_dialogflow_assistant_turn_when_recorded_then_it_goes_to_the_dialogflow_path():
    name = "google/dialogflow_assistant_apigw_http"
    [record] = run(name).outgoing
    assert record.path == "messages/google-assistant/dialogflow/"
    assert record.body == {"request": _body(name), "response": _reply(name)}


def test_given_dialogflow_without_payload_google_when_recorded_then_two_generic_messages():
    user, bot = run("google/dialogflow_web_function_url").outgoing
    assert user.path == bot.path == "messages/generic/"
    assert user.body["is_sender_bot"] is False and bot.body["is_sender_bot"] is True
    assert user.body["user"]["id"] == bot.body["user"]["id"] == "web-7f3a9c"
    assert user.body["message"]["text"] == "what are your opening hours?"
    assert bot.body["message"]["text"] == "We are open 11am to 11pm every day."
    assert isinstance(user.body["message"]["timestamp"], int)


def test_given_dialogflow_with_payload_google_but_another_source_then_still_the_dialogflow_path():
    event = load_event("google/dialogflow_web_function_url")["event"]
    turn = turn_of(event)
    reply = HttpResponse(body=json.dumps({"payload": {"google": {"expectUserResponse": False}}}).encode())
    [record] = google.PLATFORM.outgoing(turn, None, reply)
    assert record.path == "messages/google-assistant/dialogflow/"


def test_given_a_handler_response_that_is_not_json_when_recorded_then_nothing_is_sent():
    turn = turn_of(load_event("google/actions_sdk_main_function_url")["event"])
    assert google.PLATFORM.outgoing(turn, None, HttpResponse(body=b"<html>oops</html>", status=500)) == []
    assert google.PLATFORM.outgoing(turn, None, None) == []


def test_given_a_non_proxy_integration_when_the_event_is_the_request_then_the_return_value_is_the_response():
    request = _body("google/actions_sdk_main_function_url")
    turn = turn_of(request)
    assert google.PLATFORM.detect(turn)
    [record] = google.PLATFORM.outgoing(turn, {"expectUserResponse": False, "finalResponse": {}}, None)
    assert record.body["request"] is request


def test_given_lookalikes_when_detected_then_not_google():
    for body in (
        {"user": {}, "conversation": {}},
        {"queryResult": {}},
        {"queryResult": "x", "session": "s", "responseId": "r"},
    ):
        assert not google.PLATFORM.detect(turn_of(body))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_google_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_google_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), statuses

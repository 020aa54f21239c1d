"""Microsoft Bot Framework: activities in, Bot Connector replies out, LUIS results attached on request."""

from __future__ import annotations

import json

import pytest

from botanalytics import outgoing
from botanalytics.platforms import botframework
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

EVENTS = names("botframework")
CHANNELS = {"msteams", "skype", "telegram", "groupme", "webchat", "bing"}


def _activity(name):
    return json.loads(load_event(name)["event"]["body"])


@pytest.fixture(autouse=True)
def no_luis():
    botframework.use_luis(False)
    yield
    botframework.use_luis(False)
    outgoing.uninstall()


@pytest.mark.parametrize("name", EVENTS)
def test_given_an_activity_sample_when_detected_then_botframework_owns_it_and_records_the_raw_activity(name):
    result = run(name)
    assert result.platform is botframework.PLATFORM
    [record] = result.incoming
    assert record.path == "microsoft-bot-framework/messages/"
    assert record.body == _activity(name)


def test_the_samples_cover_the_channels_the_reference_lists():
    assert {_activity(n)["channelId"] for n in EVENTS} >= CHANNELS


def test_given_teams_replies_via_the_connector_when_sent_then_posted_activities_are_recorded_without_tokens():
    result = run("botframework/teams_message_apigw_http")
    # typing and the reply are POSTs (recorded as sent, like the Node middleware); the PUT (an edit) is not
    assert [r.body["type"] for r in result.sent] == ["typing", "message"]
    assert result.sent[1].body["text"] == "Your pizza left the oven 5 minutes ago."
    assert_no_secrets(load_event("botframework/teams_message_apigw_http"), result.records)


def test_given_an_incoming_activity_when_seen_then_its_service_url_host_is_watched_for_replies():
    outgoing.install(lambda *a: None, hosts=[])
    event = load_event("botframework/skype_message_function_url")["event"]
    body = json.loads(event["body"])
    body["serviceUrl"] = "https://bf-proxy.example.net/botconnector/"
    event = dict(event, body=json.dumps(body))
    botframework.PLATFORM.incoming(turn_of(event))
    assert outgoing.watched("bf-proxy.example.net")
    call = {
        "host": "bf-proxy.example.net",
        "path": "/botconnector/v3/conversations/c1/activities",
        "body": json.dumps({"type": "message", "text": "hi"}),
    }
    assert [r.body["text"] for r in call_sent(botframework.PLATFORM, call)] == ["hi"]


@pytest.mark.parametrize(
    "host,path",
    [
        ("api.telegram.org", "/v3/conversations/c1/activities"),
        ("smba.trafficmanager.net", "/amer/v3/conversations"),
        ("smba.trafficmanager.net", "/amer/v3/conversations/c1/activities/history"),
        ("smba.trafficmanager.net", "/amer/v3/conversations/c1/attachments"),
        ("botframework.com.evil.example", "/v3/conversations/c1/activities"),
    ],
)
def test_given_calls_that_are_not_activity_sends_when_sent_then_nothing(host, path):
    assert call_sent(botframework.PLATFORM, {"host": host, "path": path, "body": '{"type": "message"}'}) == []


def test_given_expect_replies_when_outgoing_then_the_replies_in_the_response_are_recorded():
    [reply] = run("botframework/bing_expect_replies_function_url").outgoing
    assert reply.body["text"] == "Your pizza is in the oven."


def test_given_use_luis_when_the_handler_attaches_a_result_then_the_user_activity_carries_it_afterwards():
    # given LUIS attachment switched on at init
    botframework.use_luis()
    name = "botframework/teams_message_apigw_http"
    turn = turn_of(load_event(name)["event"])
    # when the turn starts, nothing is sent yet
    assert botframework.PLATFORM.incoming(turn) == []
    # and the handler attaches a LUIS v2 result
    botframework.attach_luis(
        {
            "query": "what's my order status?",
            "topScoringIntent": {"intent": "OrderStatus", "score": 0.93},
            "intents": [{"intent": "OrderStatus", "score": 0.93}],
            "entities": [],
        }
    )
    # then after the handler the user's activity is sent with nlu_payload
    [record] = botframework.PLATFORM.outgoing(turn, {"statusCode": 200}, None)
    assert record.body["nlu_payload"]["type"] == "luis"
    assert record.body["nlu_payload"]["topScoringIntent"]["intent"] == "OrderStatus"
    assert {k: v for k, v in record.body.items() if k != "nlu_payload"} == _activity(name)
    assert contract_error(record) is None


def test_given_a_recognizer_result_object_when_attached_then_its_luis_result_is_used():
    class RecognizerResult:
        properties = {"luisResult": {"query": "q", "topScoringIntent": {"intent": "X", "score": 1.0}}}

    assert botframework.luis_payload(RecognizerResult())["topScoringIntent"]["intent"] == "X"
    assert botframework.luis_payload({"properties": {"luisResult": {"query": "q"}}}) == {
        "type": "luis",
        "query": "q",
    }
    assert botframework.luis_payload(object()) is None


def test_given_use_luis_without_an_attached_result_then_the_activity_is_still_sent_once():
    botframework.use_luis()
    turn = turn_of(load_event("botframework/skype_message_function_url")["event"])
    assert botframework.PLATFORM.incoming(turn) == []
    [record] = botframework.PLATFORM.outgoing(turn, None, None)
    assert "nlu_payload" not in record.body


def test_given_lookalikes_when_detected_then_not_botframework():
    for body in (
        {"type": "message", "channelId": "x"},
        {"type": "message", "channelId": "x", "serviceUrl": "ftp://x", "conversation": {}, "from": {}},
    ):
        assert not botframework.PLATFORM.detect(turn_of(body))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_botframework_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_botframework_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), statuses

"""Lex V1 (the Node SDK's flat shape, byte for byte) and Lex V2 (the same fields, mapped by meaning)."""
from __future__ import annotations

import copy
import json

import pytest
from botanalytics.platforms import Turn
from botanalytics.platforms.lex import PLATFORM, version_of

from tests.events import load_event

REQUEST_ID = "c0ffee00-0000-4000-8000-000000000001"

# WIRE-FORMAT.md: Node 2.5.3 AmazonLex(token).log(lexV1Event, {awsRequestId}, lexV1Response), body verbatim.
NODE_V1_BODY = (
    '{"user_id":"lex-user-42","user_content":"I want roses","bot_content":"Your roses are ordered.",'
    '"user_request_type":"text","bot_response_type":"text","request":{"id":"c0ffee00-0000-4000-8000-000000000001",'
    '"attributes":{"x-amz-lex:channel-type":"Facebook"},"state":"Fulfilled","bot_name":"OrderFlowers",'
    '"intent_resolved_name":"OrderFlowers","intent_applied_name":"","intent_confirmation_status":"None"}}'
)


def records_for(name, request_id=REQUEST_ID, response=None):
    data = copy.deepcopy(load_event(name))
    turn = Turn(data["event"], None, request_id)
    assert PLATFORM.detect(turn)
    return PLATFORM.incoming(turn), PLATFORM.outgoing(turn, response or data["response"], None)


def node_json(body):
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def test_v1_body_is_byte_for_byte_the_node_sdk_body():
    incoming, outgoing = records_for("lex/v1_fulfillment")

    assert incoming == []
    assert len(outgoing) == 1
    assert outgoing[0].path == "messages/amazon-lex/"
    assert outgoing[0].request_id == REQUEST_ID
    assert node_json(outgoing[0].body) == NODE_V1_BODY


def test_v1_response_card_without_message_gives_card_titles_instead_of_crashing():
    _, [record] = records_for("lex/v1_dialog_code_hook")

    assert record.body["bot_content"] == "Flower type"
    assert record.body["bot_response_type"] == "card"
    assert record.body["user_request_type"] == "voice"
    assert record.body["request"]["attributes"] == {}  # requestAttributes: null
    assert record.body["request"]["state"] == ""  # no fulfillmentState in an ElicitSlot, as Node
    assert record.body["request"]["intent_applied_name"] == "OrderFlowers"


def test_v1_ssml_message():
    data = load_event("lex/v1_fulfillment")
    response = {"dialogAction": {"type": "Close", "fulfillmentState": "Failed",
                                 "message": {"contentType": "SSML", "content": "<speak>No</speak>"}}}

    _, [record] = records_for("lex/v1_fulfillment", response=response)

    assert data["event"]["outputDialogMode"] == "Text"
    assert (record.body["bot_content"], record.body["bot_response_type"]) == ("<speak>No</speak>", "SSML")
    assert record.body["request"]["state"] == "Failed"


def test_v2_is_mapped_to_the_same_fields_by_meaning():
    _, [record] = records_for("lex/v2_fulfillment")

    assert record.path == "messages/amazon-lex/"
    assert record.body == {
        "user_id": "us-east-1:4c3b2a19-8d7e-4f6a-b5c4-d3e2f1a0b9c8",
        "user_content": "I want roses",
        "bot_content": "Your roses are ordered.",
        "user_request_type": "voice",
        "bot_response_type": "text",
        "request": {
            "id": REQUEST_ID,
            "attributes": {},
            "state": "Fulfilled",
            "bot_name": "OrderFlowers",
            "intent_resolved_name": "OrderFlowers",
            "intent_applied_name": "OrderFlowers",
            "intent_confirmation_status": "Confirmed",
        },
    }
    assert list(record.body) == ["user_id", "user_content", "bot_content", "user_request_type",
                                 "bot_response_type", "request"]


def test_v2_dialog_hook_with_message_and_card():
    _, [record] = records_for("lex/v2_dialog_code_hook")

    assert record.body["user_id"] == "U04ABCDEF12:T01ABCDEF:D05ABCDEF"
    assert record.body["user_request_type"] == "text"
    assert record.body["bot_content"] == "What type of flowers would you like to order?\nFlower type"
    assert record.body["bot_response_type"] == "card"
    assert record.body["request"]["state"] == "InProgress"
    assert record.body["request"]["attributes"] == {"x-amz-lex:channel-type": "Slack"}
    assert record.body["request"]["intent_confirmation_status"] == "None"


def test_v2_state_falls_back_to_the_dialog_action_type():
    response = {"sessionState": {"dialogAction": {"type": "ElicitIntent"}},
                "messages": [{"contentType": "SSML", "content": "<speak>What else?</speak>"}]}

    _, [record] = records_for("lex/v2_dialog_code_hook", response=response)

    assert record.body["request"]["state"] == "ElicitIntent"
    assert record.body["request"]["intent_applied_name"] == ""
    assert record.body["bot_response_type"] == "SSML"


@pytest.mark.parametrize("mode,expected", [("Text", "text"), ("Speech", "voice"), ("DTMF", "voice")])
def test_v2_input_mode(mode, expected):
    data = copy.deepcopy(load_event("lex/v2_fulfillment"))
    data["event"]["inputMode"] = mode

    [record] = PLATFORM.outgoing(Turn(data["event"], None, "r"), data["response"], None)

    assert record.body["user_request_type"] == expected


def test_missing_request_id_falls_back_to_the_context_then_empty():
    class Context:
        aws_request_id = "from-context"

    data = load_event("lex/v1_fulfillment")

    [with_context] = PLATFORM.outgoing(Turn(data["event"], None, None, Context()), data["response"], None)
    [without] = PLATFORM.outgoing(Turn(data["event"], None, None), data["response"], None)

    assert with_context.body["request"]["id"] == "from-context"
    assert without.body["request"]["id"] == ""


@pytest.mark.parametrize("response", [None, "text", [], 5])
def test_no_record_without_a_response_object(response):
    data = load_event("lex/v2_fulfillment")

    assert PLATFORM.outgoing(Turn(data["event"], None, "r"), response, None) == []


@pytest.mark.parametrize(
    "response",
    [{"dialogAction": "x"}, {"dialogAction": {"message": "str", "responseCard": "str"}},
     {"dialogAction": {"responseCard": {"genericAttachments": "x"}}},
     {"dialogAction": {"responseCard": {"genericAttachments": [None, 1, {"title": 5}]}}},
     {"messages": "x", "sessionState": []}, {"messages": [None, {"contentType": "ImageResponseCard"}]}],
)
@pytest.mark.parametrize("name", ["lex/v1_fulfillment", "lex/v2_fulfillment"])
def test_malformed_responses_never_raise(name, response):
    data = load_event(name)
    records = PLATFORM.outgoing(Turn(data["event"], None, "r"), response, None)

    assert len(records) == 1
    json.dumps(records[0].body)


def test_versions():
    assert version_of(load_event("lex/v1_fulfillment")["event"]) == "v1"
    assert version_of(load_event("lex/v2_fulfillment")["event"]) == "v2"
    assert version_of({"messageVersion": "2.0", "bot": {}}) is None
    assert version_of({"messageVersion": "1.0", "bot": {}, "currentIntent": {}}) is None


def test_not_claimed_inside_an_http_envelope():
    from botanalytics import envelope

    data = load_event("generic/webchat_apigw_http")
    assert not PLATFORM.detect(Turn(data["event"], envelope.read_request(data["event"]), "r"))

"""WeChat: XML in, passive XML reply and customer-service messages out, user profiles."""
from __future__ import annotations

import json

import pytest

from botanalytics.platforms import wechat
from botanalytics.webhook import HttpResponse
from tests.events import load_event
from tests.platforms.support import assert_no_secrets, contract_error, names, post_all, run, turn_of

EVENTS = names("wechat")
OPENID = "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_wechat_sample_when_detected_then_wechat_owns_it(name):
    assert run(name).platform is wechat.PLATFORM


def test_given_a_text_message_when_incoming_then_the_xml_fields_are_recorded_from_the_user():
    [record] = run("wechat/text_passive_reply_function_url").incoming
    assert record.path == "messages/wechat/"
    assert record.body == {"is_sender_bot": False, "message": {
        "ToUserName": "gh_3ad31c0ef3b5", "FromUserName": OPENID, "CreateTime": "1767268800",
        "MsgType": "text", "Content": "你好, opening hours?", "MsgId": "24602345678901234"}}


def test_given_a_passive_reply_when_outgoing_then_it_is_recorded_from_the_bot():
    [record] = run("wechat/text_passive_reply_function_url").outgoing
    assert record.body["is_sender_bot"] is True
    assert record.body["message"]["ToUserName"] == OPENID
    assert record.body["message"]["Content"] == "9:00-18:00"


def test_given_a_subscribe_event_answered_success_and_a_custom_message_when_recorded_then_event_in_and_custom_out():
    result = run("wechat/subscribe_event_customer_message_http_api")
    [incoming] = result.incoming
    assert incoming.body["message"]["Event"] == "subscribe"
    assert result.outgoing == []
    [sent] = result.sent
    assert sent.body["is_sender_bot"] is True
    assert sent.body["message"]["touser"] == OPENID and sent.body["message"]["text"] == {"content": "欢迎 / Welcome!"}
    assert isinstance(sent.body["message"]["CreateTime"], int)


@pytest.mark.parametrize("name", ["wechat/server_check_get_rest", "wechat/encrypted_message_function_url"])
def test_given_the_server_check_or_an_encrypted_message_when_incoming_then_nothing_is_recorded(name):
    assert run(name).records == []


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<xml><ToUserName>a</ToUserName><FromUserName>&lol2;</FromUserName><MsgType>text</MsgType></xml>",
        b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><ToUserName>&x;</ToUserName>'
        b"<FromUserName>b</FromUserName><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>"
        + b"x" * 70000 + b"</Content></xml>",
        b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>",
        b"<xml><ToUserName>a</ToUserName>",
        b"\xff\xfe\x00<",
    ],
)
def test_given_hostile_xml_when_detected_or_incoming_then_nothing_and_no_exception(body):
    event = dict(load_event("wechat/text_passive_reply_function_url")["event"])
    event["body"] = body.decode("latin-1")
    turn = turn_of(event)
    assert wechat.PLATFORM.incoming(turn) == []
    reply = HttpResponse(headers={}, body=body, status=200)
    assert wechat.PLATFORM.outgoing(turn_of(load_event("wechat/text_passive_reply_function_url")["event"]), {}, reply) == []


def test_given_other_wechat_calls_when_sent_then_nothing_is_recorded():
    body = json.dumps({"touser": OPENID, "msgtype": "text", "text": {"content": "x"}}).encode()
    assert wechat.PLATFORM.sent("api.weixin.qq.com", "/cgi-bin/message/mass/send?access_token=t", body, {}) == []
    assert wechat.PLATFORM.sent("api.weixin.qq.com", "/cgi-bin/message/custom/send", b'{"touser": "x"}', {}) == []


def test_given_a_profile_when_profile_record_then_wechat_users_with_openid_required():
    record = wechat.profile_record({"openid": OPENID, "nickname": "Band", "sex": 1, "subscribe_time": 1382694957})
    assert record is not None and record.path == "wechat/users/" and contract_error(record) is None
    assert wechat.profile_record({"nickname": "no openid"}) is None


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_wechat_sample_when_recorded_then_no_token_or_signature_is_in_a_record(name):
    result = run(name)
    assert_no_secrets(result.data, result.records)
    assert "FAKE_WECHAT_ACCESS_TOKEN" not in json.dumps([r.body for r in result.records])


@pytest.mark.parametrize("name", EVENTS)
def test_given_any_wechat_sample_when_recorded_then_the_contract_accepts_every_record(name):
    for record in run(name).records:
        assert contract_error(record) is None, record.to_dict()


def test_given_every_wechat_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records] + [wechat.profile_record({"openid": OPENID})]
    statuses = post_all(collector, records)
    assert all(status in (200, 201) for status in statuses), (statuses, collector.rejections())
    assert len(collector.records()) == len(records)

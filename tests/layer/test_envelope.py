"""envelope.read_request / read_response: every AWS HTTP envelope, and everything that is not one."""
from __future__ import annotations

import base64
import copy
import json

import pytest
from botanalytics import envelope
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.events import all_events, load_event


def event(name):
    return copy.deepcopy(load_event(name)["event"])


# -- each envelope ---------------------------------------------------------------------------------------


def test_rest_api_event_is_read_from_the_v1_envelope():
    request = envelope.read_request(event("generic/webchat_apigw_rest"))

    assert request is not None
    assert request.source == "apigw-rest"
    assert request.method == "POST"
    assert request.path == "/chat"
    assert request.content_type == "application/json"
    assert request.headers["x-forwarded-proto"] == "https"
    assert request.json()["user"] == {"id": "web-7f3a91", "name": "Ada"}


def test_http_api_event_reads_cookies_and_raw_query_string():
    request = envelope.read_request(event("generic/webchat_apigw_http"))

    assert request is not None
    assert request.source == "apigw-http"
    assert request.path == "/chat"
    assert request.query == {"lang": "en", "widget": "1"}
    assert request.headers["cookie"] == "session=6f1d2c; Path=/; theme=dark"
    assert request.json() == {"userId": "web-1c9e44", "text": "When are you open?"}


def test_function_url_is_told_apart_from_http_api_by_its_domain():
    request = envelope.read_request(event("generic/webchat_function_url"))

    assert request is not None
    assert request.source == "function-url"
    assert request.path == "/"


def test_alb_multi_value_headers_are_joined_and_query_decoded():
    request = envelope.read_request(event("generic/webchat_alb"))

    assert request is not None
    assert request.source == "alb"
    assert request.headers["cookie"] == "session=6f1d2c, theme=dark"
    assert request.headers["content-type"] == "application/json"
    assert request.query == {"channel": "web chat"}


def test_alb_single_value_headers():
    given_event = {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:tg"}},
        "httpMethod": "post",
        "path": "/hook",
        "queryStringParameters": {"a%20b": "c+d"},
        "headers": {"Content-Type": "application/json", "X-Num": 5},
        "body": "{}",
        "isBase64Encoded": False,
    }

    request = envelope.read_request(given_event)

    assert request is not None
    assert (request.source, request.method, request.path) == ("alb", "POST", "/hook")
    assert request.headers == {"content-type": "application/json", "x-num": "5"}
    assert request.query == {"a b": "c d"}


def test_rest_api_prefers_multi_value_headers_and_last_query_value_wins():
    given_event = event("generic/webchat_apigw_rest")
    given_event["multiValueHeaders"]["Accept"] = ["text/html", "application/json"]
    given_event["multiValueQueryStringParameters"] = {"q": ["1", "2"]}
    given_event["queryStringParameters"] = {"q": "2"}

    request = envelope.read_request(given_event)

    assert request is not None
    assert request.headers["accept"] == "text/html, application/json"
    assert request.query == {"q": "2"}


def test_http_api_payload_format_1_0_is_an_http_api():
    given_event = event("generic/webchat_apigw_rest")
    given_event["version"] = "1.0"

    request = envelope.read_request(given_event)

    assert request is not None and request.source == "apigw-http"


# -- bodies ----------------------------------------------------------------------------------------------


def test_base64_body_is_decoded():
    request = envelope.read_request(event("generic/webchat_base64"))

    assert request is not None
    assert request.json() == {"user_id": "web-3e8f12", "user_name": "Barbara", "message": "hello"}


def test_form_body_stays_bytes_and_parses_as_a_form():
    request = envelope.read_request(event("generic/webchat_form"))

    assert request is not None
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.body == b"user_id=form-0042&name=Edsger+D&text=What+are+your+opening+hours%3F"
    assert request.form() == {"user_id": "form-0042", "name": "Edsger D", "text": "What are your opening hours?"}
    assert request.json() is None


@pytest.mark.parametrize("bad", ["not base64!!", "abc", "\u00e9\u00e9\u00e9\u00e9", "YWJj\nZA=="])
def test_invalid_base64_gives_none(bad):
    given_event = event("generic/webchat_base64")
    given_event["body"] = bad

    assert envelope.read_request(given_event) is None


def test_invalid_utf8_body_is_kept_as_bytes_and_reads_as_no_text():
    given_event = event("generic/webchat_base64")
    given_event["body"] = base64.b64encode(b"\xff\xfe{\x80}").decode()

    request = envelope.read_request(given_event)

    assert request is not None
    assert request.body == b"\xff\xfe{\x80}"
    assert request.text() is None and request.json() is None and request.form() == {}


@pytest.mark.parametrize("body", ["{not json", "", "\ud800", "[" * 5000])
def test_invalid_json_body_reads_as_none(body):
    given_event = event("generic/webchat_apigw_http")
    given_event["body"] = body

    request = envelope.read_request(given_event)

    assert request is not None
    assert request.json() is None


def test_missing_body_is_empty():
    request = envelope.read_request(event("non_bot/apigw_http_health_check"))

    assert request is not None
    assert (request.method, request.body, request.json()) == ("GET", b"", None)


def test_a_dict_body_from_a_hand_written_event_is_read_as_json():
    given_event = event("generic/webchat_apigw_http")
    given_event["body"] = {"userId": "u", "text": "hi"}

    request = envelope.read_request(given_event)

    assert request is not None and request.json() == {"userId": "u", "text": "hi"}


@pytest.mark.parametrize("body", [5, True, 1.5, object()])
def test_a_body_of_another_type_is_not_readable(body):
    given_event = event("generic/webchat_apigw_http")
    given_event["body"] = body

    assert envelope.read_request(given_event) is None


# -- what is not an HTTP envelope ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, _ in all_events("non_bot") if n != "non_bot/apigw_http_health_check"])
def test_non_http_events_give_none(name):
    assert envelope.read_request(load_event(name)["event"]) is None


@pytest.mark.parametrize("name", [n for n, _ in all_events("alexa")] + [n for n, _ in all_events("lex")])
def test_bot_platform_events_are_not_http(name):
    assert envelope.read_request(load_event(name)["event"]) is None


@pytest.mark.parametrize(
    "hostile",
    [None, [], "", 0, "a string", b"bytes", {}, {"requestContext": None}, {"requestContext": {"elb": {}}},
     {"version": "2.0", "requestContext": {"http": "GET"}}, {"httpMethod": 5, "requestContext": {}, "path": "/"},
     {"version": "2.0", "requestContext": {"http": {}}, "headers": {1: "x", "a": None}, "cookies": [1, None]}],
)
def test_hostile_events_never_raise(hostile):
    result = envelope.read_request(hostile)

    assert result is None or result.source in envelope.SOURCES


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["version", "requestContext", "http", "elb", "httpMethod", "body", "isBase64Encoded",
                         "headers", "multiValueHeaders", "cookies", "rawQueryString", "path", "rawPath",
                         "queryStringParameters", "multiValueQueryStringParameters", "domainName", "method"]),
        children, max_size=6),
    max_leaves=30,
))
def test_read_request_never_raises_on_arbitrary_json(value):
    envelope.read_request(value)
    envelope.read_response(value)


# -- responses -------------------------------------------------------------------------------------------


def test_proxy_response_is_read():
    response = envelope.read_response(load_event("generic/webchat_apigw_rest")["response"])

    assert response is not None
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.json() == {"text": "Hi Ada! How can I help you today?"}


def test_alb_multi_value_response_headers():
    response = envelope.read_response(load_event("generic/webchat_alb")["response"], "alb")

    assert response is not None and response.headers == {"content-type": "application/json"}


def test_multi_value_headers_win_over_headers_and_cookies_become_set_cookie():
    given_response = {
        "statusCode": "201",
        "headers": {"X-A": "1", "X-B": "single"},
        "multiValueHeaders": {"X-B": ["m1", "m2"]},
        "cookies": ["a=1", "b=2"],
        "body": base64.b64encode(b'{"ok": true}').decode(),
        "isBase64Encoded": True,
    }

    response = envelope.read_response(given_response)

    assert response is not None
    assert response.status == 201
    assert response.headers == {"x-a": "1", "x-b": "m1, m2", "set-cookie": "a=1, b=2"}
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("source", [None, "apigw-http", "function-url"])
def test_plain_dict_from_http_api_handler_is_a_json_200(source):
    response = envelope.read_response({"text": "hi"}, source)

    assert response is not None
    assert (response.status, response.content_type, response.json()) == (200, "application/json", {"text": "hi"})


def test_plain_string_from_http_api_handler_is_the_body():
    response = envelope.read_response("Hello from Lambda!")

    assert response is not None and response.text() == "Hello from Lambda!"


@pytest.mark.parametrize("source", ["apigw-rest", "alb"])
def test_rest_and_alb_do_not_accept_a_plain_dict(source):
    assert envelope.read_response({"text": "hi"}, source) is None


@pytest.mark.parametrize(
    "bad",
    [None, {"statusCode": "x"}, {"statusCode": True}, {"statusCode": 200, "body": "@@", "isBase64Encoded": True},
     {"statusCode": 200, "body": 7}, {1, 2}],
)
def test_unreadable_responses_give_none(bad):
    assert envelope.read_response(bad) is None


def test_response_body_dict_is_json_encoded():
    response = envelope.read_response({"statusCode": 200, "body": {"text": "x"}})

    assert response is not None and json.loads(response.body) == {"text": "x"}

"""``@botanalytics.track`` end to end: a wrapped handler reports each turn to the local collector
(real HTTPS on loopback) while the bot itself is never affected."""
from __future__ import annotations

import logging
import time

import pytest

import botanalytics
from tests.events import all_events, load_event

ALEXA = "messages/amazon-alexa/"
LEX = "messages/amazon-lex/"
GENERIC = "messages/generic/"


def replying(response):
    """A handler that returns ``response`` whatever the event (as a bot would for that event)."""
    return lambda event, context: response


# -- the bot is never affected -----------------------------------------------------------------
def test_the_handler_result_comes_back_as_the_same_object(tracked, context):
    case = load_event("alexa/intent")
    result = {"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "hi"}}}
    handler = tracked(replying(result))
    assert handler(case["event"], context) is result


def test_the_handler_exception_propagates_unchanged(tracked, context):
    error = ValueError("the bot's own bug")

    def broken(event, context):
        raise error

    with pytest.raises(ValueError) as raised:
        tracked(broken)(load_event("alexa/intent")["event"], context)
    assert raised.value is error


def test_the_wrapper_keeps_the_handler_name_and_docstring(tracked):
    def lambda_handler(event, context):
        """Answers Alexa."""

    wrapped = tracked(lambda_handler)
    assert wrapped.__name__ == "lambda_handler" and wrapped.__doc__ == "Answers Alexa."
    assert wrapped.__wrapped__ is lambda_handler


def test_wrapping_twice_is_a_no_op(tracked):
    once = tracked(replying(None))
    assert tracked(once) is once


def test_the_bare_decorator_reads_the_environment(collector, tmp_path, monkeypatch, context):
    monkeypatch.setenv("BOTANALYTICS_TOKEN", collector.token)
    monkeypatch.setenv("BOTANALYTICS_API_URL", collector.url)
    monkeypatch.setenv("BOTANALYTICS_CA_BUNDLE", str(collector.ca_file))
    monkeypatch.setenv("BOTANALYTICS_SPOOL_DIR", str(tmp_path))
    case = load_event("alexa/launch")

    @botanalytics.track
    def lambda_handler(event, context):
        return case["response"]

    assert lambda_handler(case["event"], context) == case["response"]
    assert collector.wait_for(1, path=ALEXA)


def test_a_plain_call_without_a_context_works_the_same(collector, tracked):
    case = load_event("alexa/intent")
    handler = tracked(replying(case["response"]))
    assert handler(case["event"]) == case["response"]
    assert collector.wait_for(1, path=ALEXA)


def test_without_a_token_the_bot_runs_and_one_warning_is_logged(caplog, context):
    caplog.set_level(logging.WARNING, logger="botanalytics")
    handler = botanalytics.track(replying("ok"))
    assert handler(load_event("alexa/intent")["event"], context) == "ok"
    assert handler(load_event("alexa/intent")["event"], context) == "ok"
    warnings = [r for r in caplog.records if "no token" in r.getMessage()]
    assert len(warnings) == 1


def test_disabled_sends_nothing(collector, tracked, context):
    handler = tracked(replying(load_event("alexa/intent")["response"]), enabled=False)
    handler(load_event("alexa/intent")["event"], context)
    assert botanalytics.flush(1.0) and collector.records() == []


def test_sampling_rate_zero_sends_nothing(collector, tracked, context):
    handler = tracked(replying(load_event("alexa/intent")["response"]), sample_rate=0.0)
    handler(load_event("alexa/intent")["event"], context)
    botanalytics.flush(1.0)
    assert collector.records() == [] and botanalytics.stats()["sampled_out"] == 1


# -- what is sent, per platform ----------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n, _ in all_events("alexa")])
def test_alexa_request_and_response_go_as_one_pair(name, collector, tracked, context):
    case = load_event(name)
    tracked(replying(case["response"]))(case["event"], context)
    assert collector.wait_for(1, path=ALEXA)
    [stored] = collector.records(ALEXA)
    assert stored.body == {"request": case["event"], "response": case["response"]}


@pytest.mark.parametrize("name", [n for n, _ in all_events("lex")])
def test_lex_turns_go_in_the_flat_shape(name, collector, tracked, context):
    case = load_event(name)
    tracked(replying(case["response"]))(case["event"], context)
    assert collector.wait_for(1, path=LEX)
    [stored] = collector.records(LEX)
    assert stored.body["request"]["id"] == context.aws_request_id
    assert stored.body["user_content"] == case["event"]["inputTranscript"]
    assert stored.body["user_id"]  # V1 userId or V2 sessionId, never lost


@pytest.mark.parametrize("name", [n for n, _ in all_events("generic")])
def test_generic_web_chat_sends_the_user_turn_and_the_bot_turn(name, collector, tracked, context):
    case = load_event(name)
    tracked(replying(case["response"]))(case["event"], context)
    assert collector.wait_for(2, path=GENERIC)
    turns = collector.records(GENERIC)
    assert [t.body["is_sender_bot"] for t in turns] == [False, True]
    assert all(isinstance(t.body["message"]["timestamp"], int) for t in turns)
    assert turns[0].body["user"]["id"] == turns[1].body["user"]["id"]


@pytest.mark.parametrize("name", [n for n, _ in all_events("non_bot")])
def test_events_that_are_not_bot_traffic_pass_through_and_send_nothing(name, collector, tracked, context):
    case = load_event(name)
    sentinel = object()
    assert tracked(replying(sentinel))(case["event"], context) is sentinel
    botanalytics.flush(1.0)
    assert collector.records() == []


def test_the_users_message_is_sent_while_the_handler_still_runs(collector, tracked, context):
    case = load_event("generic/webchat_function_url")
    seen_during_handler = []

    def slow_bot(event, context):
        seen_during_handler.append(collector.wait_for(1, path=GENERIC, timeout=2.0))
        return case["response"]

    tracked(slow_bot)(case["event"], context)
    assert seen_during_handler == [True]


def test_each_record_carries_a_unique_record_id(collector, tracked, context):
    case = load_event("generic/webchat_apigw_http")
    handler = tracked(replying(case["response"]))
    for _ in range(3):
        handler(case["event"], context)
    assert collector.wait_for(6, path=GENERIC)
    ids = [r.record_id for r in collector.records()]
    assert len(set(ids)) == 6 and all(ids)


def test_healthy_delivery_finishes_inside_the_invocation(collector, tracked, context):
    case = load_event("alexa/intent")
    handler = tracked(replying(case["response"]))
    handler(case["event"], context)  # no flush: the wrapper itself waited for delivery
    assert len(collector.records(ALEXA)) == 1
    assert botanalytics.stats()["delivered"] == 1


def test_the_headers_identify_the_client_and_carry_the_token(collector, tracked, context):
    case = load_event("alexa/intent")
    tracked(replying(case["response"]))(case["event"], context)
    [stored] = collector.records(ALEXA)
    assert stored.headers["authorization"] == f"Token {collector.token}"
    assert stored.headers["content-type"] == "application/json"
    assert stored.headers["user-agent"].startswith("botanalytics-lambda/")


# -- the client object and flush ---------------------------------------------------------------
def test_the_client_logs_generic_messages_and_fills_what_the_api_requires(collector, layer_options):
    client = botanalytics.Botanalytics(**layer_options)
    assert client.log({"is_sender_bot": True, "user": {"id": 42}, "message": {"text": "Hi!"}})
    assert client.flush(3.0)
    [stored] = collector.records(GENERIC)
    assert stored.body["user"] == {"id": "42", "name": "42"}
    assert isinstance(stored.body["message"]["timestamp"], int)


def test_the_client_refuses_a_message_without_a_user_and_says_why(collector, layer_options, caplog):
    client = botanalytics.Botanalytics(**layer_options)
    assert client.log({"message": {"text": "orphan"}}) is False
    assert "needs" in caplog.text


def test_user_profiles_need_only_an_id_and_repeat_multi_valued_fields(collector, layer_options):
    client = botanalytics.Botanalytics(**layer_options)
    assert client.user_profile({"id": "u1", "email": ["a@example.com", "b@example.com"],
                                "custom": [{"coffee_time": "9am"}]})
    assert client.user_profile({"user_id": "u2"})
    assert client.user_profile({"first_name": "nobody"}) is False
    assert client.flush(3.0)
    bodies = [r.body for r in collector.records("platform/users/")]
    assert [b.get("email") for b in bodies] == ["a@example.com", "b@example.com", None]
    assert bodies[0]["custom"] == [{"coffee_time": "9am"}]


def test_flush_returns_quickly_when_nothing_is_pending_and_never_raises():
    started = time.monotonic()
    assert botanalytics.flush(5.0) is True
    assert botanalytics.flush("not a number") is True  # type: ignore[arg-type]
    assert time.monotonic() - started < 1.0


def test_live_person_takeover_is_reachable_from_the_package_without_loading_boto3():
    import os
    import subprocess
    import sys

    from botanalytics import pause

    assert botanalytics.is_paused is pause.is_paused
    code = "import sys, botanalytics; botanalytics.is_paused; print('boto3' in sys.modules)"
    layer = os.path.dirname(os.path.dirname(botanalytics.__file__))
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=layer),
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # boto3 loads only when a paused state is first read or written

"""Whatever the API does, the bot's answer is unchanged, the invocation ends by its deadline, and
every turn arrives once the fault clears (at-least-once delivery; the collector drops duplicates)."""
from __future__ import annotations

import logging
import time

import pytest

import botanalytics
from tests.events import load_event

GENERIC = "messages/generic/"
BUDGET_MS = 300
SLACK_S = 0.15  # scheduling noise on a loaded 2-core machine; the wrapper itself never waits past the deadline

FAULTS = [
    pytest.param("delay", {"seconds": 1.0}, id="slow-api"),
    pytest.param("blackhole", {}, id="black-hole"),
    pytest.param("reset", {}, id="connection-reset"),
    pytest.param("status", {"code": 500}, id="500"),
    pytest.param("status", {"code": 502}, id="502"),
    pytest.param("status", {"code": 503}, id="503"),
    pytest.param("status", {"code": 504}, id="504"),
    pytest.param("429", {"retry_after": 1}, id="429-retry-after"),
    pytest.param("malformed", {}, id="malformed-reply"),
    pytest.param("wrong_cert", {"close_existing": True}, id="wrong-certificate"),
]


@pytest.mark.parametrize("kind, params", FAULTS)
def test_a_fault_never_reaches_the_bot_and_nothing_is_lost(kind, params, collector, tracked, context):
    case = load_event("generic/webchat_function_url")
    handler = tracked(lambda event, ctx: case["response"], budget_ms=BUDGET_MS)

    collector.fault(kind, **params)
    during = []
    for _ in range(3):
        started = time.monotonic()
        assert handler(case["event"], context) is case["response"]
        during.append(time.monotonic() - started)
    assert max(during) <= BUDGET_MS / 1000 + SLACK_S, during
    if kind != "malformed":  # a 2xx with a garbled body is a delivery; every other fault is felt
        assert botanalytics.stats().get("retried", 0) > 0

    collector.clear_fault()
    assert handler(case["event"], context) is case["response"]  # a later invocation, API healthy again
    assert botanalytics.flush(10.0)
    assert collector.wait_for(8, path=GENERIC, timeout=5.0)
    stored = collector.records(GENERIC)
    assert len({r.record_id for r in stored}) == len(stored) == 8  # 4 turns x (user + bot), once each


def test_a_faulty_api_does_not_push_the_invocation_past_the_lambda_deadline(collector, tracked):
    from tests.layer.conftest import FakeContext

    collector.fault("blackhole")
    handler = tracked(lambda event, ctx: "ok", budget_ms=5_000, reserve_ms=50)
    context = FakeContext(timeout_s=0.4)  # the Lambda deadline comes before the budget
    started = time.monotonic()
    assert handler(load_event("alexa/intent")["event"], context) == "ok"
    assert time.monotonic() - started <= 0.35 + SLACK_S


def test_two_503s_then_success_is_retried_within_the_same_invocation(collector, tracked, context):
    case = load_event("alexa/intent")
    collector.fault("status", code=503, times=2)
    tracked(lambda e, c: case["response"], budget_ms=2_000)(case["event"], context)
    assert len(collector.records("messages/amazon-alexa/")) == 1
    assert botanalytics.stats()["retried"] == 2


def test_a_wrong_token_is_reported_once_clearly_and_not_retried(collector, tracked, context, caplog):
    caplog.set_level(logging.INFO)
    case = load_event("alexa/intent")
    handler = tracked(lambda e, c: case["response"], token="not-the-right-token")
    for _ in range(3):
        assert handler(case["event"], context) is case["response"]
    stats = botanalytics.stats()
    assert stats["rejected_401"] == 3 and stats.get("retried", 0) == 0
    token_lines = [r for r in caplog.records if "rejected the token" in r.getMessage()]
    assert len(token_lines) == 1 and token_lines[0].levelno == logging.ERROR
    # nothing lost: each rejected record is one replayable dead-letter line
    assert caplog.text.count("BOTANALYTICS_DEADLETTER") == 3
    assert "not-the-right-token" not in caplog.text


def test_a_record_the_api_rejects_as_invalid_is_reported_with_the_apis_message(collector, layer_options, caplog):
    client = botanalytics.Botanalytics(**layer_options)
    client.send("messages/generic/", {"user": {"id": "u"}})  # no message, no is_sender_bot
    client.flush(3.0)
    assert botanalytics.stats()["rejected_400"] == 1
    assert "(400)" in caplog.text and collector.rejections()[0].status == 400


def test_records_left_by_a_dead_container_are_sent_by_the_next_one(collector, layer_options, context):
    case = load_event("alexa/intent")
    collector.fault("blackhole")
    handler = botanalytics.track(**layer_options, budget_ms=200)(lambda e, c: case["response"])
    handler(case["event"], context)
    assert collector.records() == []

    # the container dies (Lambda resets it); a new one starts with the same /tmp
    botanalytics.dispatcher.reset()
    collector.clear_fault()
    botanalytics.track(**layer_options, budget_ms=200)(lambda e, c: None)  # init of the new container
    assert collector.wait_for(1, path="messages/amazon-alexa/", timeout=5.0)
    assert botanalytics.stats()["recovered_from_spool"] >= 1


def test_a_stale_keep_alive_connection_is_reopened_without_losing_or_doubling(collector, tracked, context):
    case = load_event("alexa/intent")
    handler = tracked(lambda e, c: case["response"])
    handler(case["event"], context)
    collector.fault("reset", times=1)  # the server dropped the kept-alive connection while we were frozen
    handler(case["event"], context)
    assert botanalytics.flush(3.0)
    stored = collector.records("messages/amazon-alexa/")
    assert len(stored) == len({r.record_id for r in stored}) == 2


def test_the_in_memory_queue_is_bounded_and_drops_are_counted(collector, layer_options):
    collector.fault("blackhole")
    client = botanalytics.Botanalytics(**layer_options, max_queue=50)
    for n in range(80):
        client.send("messages/generic/", {"n": n})
    stats = botanalytics.stats()
    assert stats["dropped_queue_full"] >= 29  # one may be in flight


def test_during_an_outage_most_invocations_do_not_wait_for_the_dead_api(collector, tracked, context):
    case = load_event("generic/webchat_function_url")
    collector.fault("blackhole")
    handler = tracked(lambda e, c: case["response"], budget_ms=BUDGET_MS, breaker_cooldown_ms=10_000)
    durations = []
    for _ in range(12):
        started = time.monotonic()
        handler(case["event"], context)
        durations.append(time.monotonic() - started)
    assert max(durations) <= BUDGET_MS / 1000 + SLACK_S, durations
    # the first invocation pays the budget; once the API is known to fail, a send stuck in the black hole
    # or an open circuit breaker is not waited for: the records are kept for later
    paid_the_budget = [d for d in durations if d >= 0.9 * BUDGET_MS / 1000]
    assert len(paid_the_budget) <= 3, durations
    collector.clear_fault()
    assert botanalytics.flush(10.0)
    assert len(collector.records(GENERIC)) == 24

"""Rasa: broker events directly, over HTTP, SQS and Kafka/MSK, sent as the Python SDK 0.2.9 sends them."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from botanalytics.platforms import rasa
from tests.events import load_event
from tests.platforms.support import contract_error, names, post_all, run, turn_of

EVENTS = names("rasa")


@pytest.fixture(autouse=True)
def fresh_memory():
    rasa.PLATFORM.memory.clear()
    yield
    rasa.PLATFORM.memory.clear()


@pytest.mark.parametrize("name", EVENTS)
def test_given_a_rasa_sample_when_detected_then_rasa_owns_it(name):
    assert run(name).platform is rasa.PLATFORM


def test_given_slot_user_action_bot_when_published_then_slot_rides_on_user_and_action_on_bot():
    # given the event list of one conversation turn
    events = load_event("rasa/event_list_direct")["event"]
    # when it arrives
    user, bot = run("rasa/event_list_direct").incoming
    # then only user and bot are sent, with the previous slot/action attached, as SDK 0.2.9 does
    assert user.path == bot.path == "rasa/messages/"
    assert user.body == {**events[1], "slot": events[0]}
    assert bot.body == {**events[3], "action": events[2]}
    # and the trailing action_listen is remembered for this sender's next bot event
    assert rasa.PLATFORM.publish({**events[3], "timestamp": 1.0})["action"] == events[4]


def test_given_the_user_event_when_published_then_the_body_is_the_raw_event_unmodified():
    event = load_event("rasa/user_event_direct")["event"]
    original = copy.deepcopy(event)
    [record] = run("rasa/user_event_direct").incoming
    assert record.body == original and event == original  # the caller's event is never modified


@pytest.mark.parametrize("name", ["rasa/sqs_batch", "rasa/msk_batch"])
def test_given_a_queue_batch_when_recorded_then_same_as_direct(name):
    user, bot = run(name).incoming
    assert user.body["event"] == "user" and user.body["slot"]["event"] == "slot"
    assert bot.body["event"] == "bot" and bot.body["action"]["name"] == "utter_confirm"


def test_given_slot_and_action_in_different_invocations_when_next_user_event_comes_then_memory_carries_over():
    slot = {"sender_id": "s2", "event": "slot", "timestamp": 1.0, "name": "size", "value": "L"}
    user = {"sender_id": "s2", "event": "user", "timestamp": 2.0, "text": "ok"}
    assert rasa.PLATFORM.incoming(turn_of(slot)) == []
    [record] = rasa.PLATFORM.incoming(turn_of(user))
    assert record.body["slot"] == slot
    [again] = rasa.PLATFORM.incoming(turn_of(dict(user, timestamp=3.0)))
    assert "slot" not in again.body  # attached once, then forgotten


def test_given_other_event_types_when_published_then_nothing_is_sent():
    for kind in ("session_started", "restart", "action_execution_rejected", "user_featurization"):
        assert rasa.PLATFORM.incoming(turn_of({"sender_id": "s", "event": kind, "timestamp": 1.0})) == []


def test_given_many_senders_when_remembered_then_memory_stays_bounded():
    memory = rasa._SenderMemory(size=100)
    for i in range(1000):
        memory.put(f"s{i}", "slot", {"i": i})
    assert len(memory) == 100
    assert memory.pop("s0", "slot") is None and memory.pop("s999", "slot") == {"i": 999}


def test_given_an_sqs_batch_that_is_not_only_rasa_when_detected_then_not_claimed():
    event = copy.deepcopy(load_event("rasa/sqs_batch")["event"])
    event["Records"][1]["body"] = json.dumps({"orderId": 1})
    assert not rasa.PLATFORM.detect(turn_of(event))
    assert not rasa.PLATFORM.detect(turn_of(load_event("non_bot/sqs")["event"]))


def test_given_kafka_values_that_are_not_base64_json_when_detected_then_only_valid_events_count():
    event = copy.deepcopy(load_event("rasa/self_managed_kafka_batch")["event"])
    event["records"]["rasa_events-0"][0]["value"] = "%%% not base64"
    assert rasa.PLATFORM.detect(turn_of(event))
    event["records"]["rasa_events-0"] = [{"value": base64.b64encode(b'{"k": 1}').decode()}]
    assert not rasa.PLATFORM.detect(turn_of(event))


@pytest.mark.parametrize("name", EVENTS)
def test_given_every_rasa_record_then_the_collector_contract_accepts_it(name):
    for record in run(name).records:
        assert contract_error(record) is None


def test_given_every_rasa_record_when_posted_to_the_collector_then_all_are_stored(collector):
    records = [r for name in EVENTS for r in run(name).records]
    statuses = post_all(collector, records)
    assert statuses and all(status in (200, 201) for status in statuses), statuses

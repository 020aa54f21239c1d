"""``@botanalytics.track`` under the local Lambda: delivery after the response through the internal
extension, with the local collector as the API.

Each toy bot (``functions/botanalytics_bots/``) is an Alexa skill that puts its Lambda request id into
its answer, so every stored record shows which invocation produced it.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from pathlib import Path
from typing import Optional

import pytest

from devtools.collector.testing import running_collector
from devtools.lambda_runtime import LocalLambda
from events import load_event

BOTS = Path(__file__).parent / "functions" / "botanalytics_bots"
LAYER = Path(__file__).resolve().parents[2] / "layer" / "python"
MODE_EXTENSION = "botanalytics: delivery mode: after the response (internal extension)"


def lambda_env(collector, budget_ms: int = 200, **extra: str) -> dict:
    return {
        "BOTANALYTICS_API_URL": collector.url,
        "BOTANALYTICS_CA_BUNDLE": str(collector.ca_file),
        "BOTANALYTICS_TOKEN": collector.token,
        "BOTANALYTICS_BUDGET_MS": str(budget_ms),
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }


@pytest.fixture
def make_bot(collector, tmp_path):
    """``make_bot(handler, budget_ms=..., env={...}, **LocalLambda options)`` -> a LocalLambda on the toy
    bots, reporting to ``collector``; closed after the test."""
    made = []

    def make(
        handler: str = "bot.handler", budget_ms: int = 200, env: Optional[dict] = None, api=None, **options
    ):
        options.setdefault("tmp_dir", tmp_path / "sandbox-tmp")
        fn = LocalLambda(
            handler=handler,
            code_dir=BOTS,
            env=lambda_env(api or collector, budget_ms, **(env or {})),
            extra_pythonpath=[LAYER],
            **options,
        )
        made.append(fn)
        return fn

    yield make
    for fn in made:
        fn.close()


def alexa(**toy) -> dict:
    event = copy.deepcopy(load_event("alexa/intent")["event"])
    if toy:
        event["toy"] = toy
    return event


def request_ids(records) -> list:
    return [r.body["response"]["sessionAttributes"]["lambdaRequestId"] for r in records]


def spooled(tmp_dir: Path) -> list:
    return [json.loads(p.read_text()) for p in sorted((tmp_dir / "botanalytics-spool").glob("*.rec.json"))]


# -- response time vs completion time ---------------------------------------------------------------
def test_the_caller_gets_the_answer_first_and_the_send_is_billed_after(make_bot, collector, any_python):
    # Given the same bot with and without @botanalytics.track, on each runtime version
    tracked = make_bot("bot.handler", python=any_python)
    bare = make_bot("bare.handler", python=any_python, tmp_dir=None)
    # When each is invoked a few times, alternately
    runs = {"tracked": [], "bare": []}
    for i in range(12):
        for name, fn in (("tracked", tracked), ("bare", bare)):
            inv = fn.invoke(alexa())
            assert inv.status == "ok", inv.error
            runs[name].append(inv)
        # Then each turn is already stored when the invocation completes: delivered in billed time
        assert len(collector.records()) == i + 1
    warm = {name: invs[1:] for name, invs in runs.items()}
    # and the caller-facing time is the bare bot's (within noise)
    added = statistics.median(r.response_ms for r in warm["tracked"]) - statistics.median(
        r.response_ms for r in warm["bare"]
    )
    assert added < 1.0
    assert max(r.post_response_ms for r in warm["tracked"]) < 200  # the send, within its budget
    # and every record names its own invocation
    assert request_ids(collector.records()) == [r.request_id for r in runs["tracked"]]
    assert [r.response for r in runs["tracked"]] == [
        {
            "version": "1.0",
            "sessionAttributes": {"lambdaRequestId": r.request_id},
            "response": {
                "outputSpeech": {"type": "PlainText", "text": "Your roses are ordered."},
                "shouldEndSession": True,
            },
        }
        for r in runs["tracked"]
    ]


def test_the_delivery_mode_is_logged_once_at_init(make_bot):
    fn = make_bot()
    first, second = fn.invoke(alexa()), fn.invoke(alexa())
    assert first.logs.count(MODE_EXTENSION) == 1
    assert "delivery mode" not in second.logs


def test_in_handler_mode_when_configured(make_bot, collector):
    # Given the bot configured to wait inside the handler
    fn = make_bot(env={"BOTANALYTICS_MODE": "in-handler"})
    runs = [fn.invoke(alexa()) for _ in range(4)]
    # Then the mode says so, the record is delivered before the response, and nothing runs after it
    assert "botanalytics: delivery mode: in-handler wait (configured)" in runs[0].logs
    assert len(collector.records()) == 4
    assert max(r.post_response_ms for r in runs[1:]) < 5


# -- the freeze ---------------------------------------------------------------------------------------
def test_a_pending_send_does_not_progress_while_frozen_and_keeps_its_request_id(
    make_bot, collector, tmp_path
):
    # Given an API that answers the first send with 429 Retry-After: 1 (the retry is due in 1 s)
    fn = make_bot(budget_ms=200)
    collector.fault("429", retry_after=1, times=1)
    first = fn.invoke(alexa())
    assert first.status == "ok" and first.post_response_ms < 100  # retry not possible in budget: next
    # and the record is kept in the spool, tagged with its invocation
    assert [r["request_id"] for r in spooled(tmp_path / "sandbox-tmp")] == [first.request_id]
    requests = collector.stats()["requests"]
    # When the environment stays frozen past the retry time
    time.sleep(1.3)
    # Then no request reached the API meanwhile: the delivery thread did not run
    assert collector.stats()["requests"] == requests
    assert collector.records() == []
    # When the next invocation thaws it
    thawed_at_ms = time.time() * 1000
    second = fn.invoke(alexa())
    # Then the retry goes out during that invocation, still attributed to the first one
    records = collector.records()
    assert request_ids(records) == [first.request_id, second.request_id]
    assert records[0].received_ms >= thawed_at_ms - 5
    assert spooled(tmp_path / "sandbox-tmp") == []


def test_between_invocations_nothing_is_sent_even_unfrozen(make_bot, collector):
    # A send started between invocations would resume after the thaw with a stale deadline and hold the
    # next invocation, so on Lambda the delivery thread sends only while an invocation runs.
    fn = make_bot(budget_ms=200, freeze=False)
    collector.fault("429", retry_after=1, times=1)
    first = fn.invoke(alexa())
    time.sleep(1.3)
    assert collector.records() == []
    second = fn.invoke(alexa())
    assert request_ids(collector.records()) == [first.request_id, second.request_id]


# -- stale keep-alive connections ---------------------------------------------------------------------
def test_a_connection_reset_after_a_freeze_is_reopened_once_nothing_lost_or_doubled(make_bot, collector):
    fn = make_bot()
    fn.invoke(alexa())
    collector.fault("reset", times=1)  # the kept-alive connection dies while the sandbox is frozen
    runs = [fn.invoke(alexa()) for _ in range(3)]
    # Then the turn of the thawed invocation is stored within that same invocation
    stats = collector.stats()
    assert stats["faults_applied"] == 1
    assert len(collector.records()) == 4 and stats["duplicates"] == 0
    assert stats["connections"] == 2
    assert all(r.status == "ok" for r in runs)


def test_an_idle_connection_closed_by_the_server_during_a_long_freeze(tmp_path):
    # Given an API that closes connections idle for 0.3 s, and a sandbox frozen for longer
    with running_collector(idle_timeout=0.3) as api:
        with LocalLambda(
            "bot.handler", BOTS, env=lambda_env(api), extra_pythonpath=[LAYER], tmp_dir=tmp_path / "t"
        ) as fn:
            fn.invoke(alexa())
            time.sleep(0.6)
            thawed = fn.invoke(alexa())
            # Then the thawed send reconnects and delivers inside its invocation, once
            assert request_ids(api.records())[-1] == thawed.request_id
            assert len(api.records()) == 2 and api.stats()["duplicates"] == 0
            assert thawed.post_response_ms < 200


# -- bounded waits ------------------------------------------------------------------------------------
def test_no_handover_costs_nothing(make_bot, collector, any_python):
    # Given a module that decorated one function, while Lambda calls another one (never hands over)
    fn = make_bot("bot.untracked_handler", python=any_python, timeout_s=2.0)
    runs = [fn.invoke(alexa()) for _ in range(3)]
    # Then the extension is registered, yet every invocation completes at once, not at the deadline
    assert MODE_EXTENSION in runs[0].logs
    assert all(r.status == "ok" for r in runs)
    assert max(r.post_response_ms for r in runs) < 50
    assert collector.records() == []


def test_next_is_called_before_the_deadline_when_the_handler_used_most_of_it(make_bot, collector):
    # Given a handler that answers 150 ms before a 1 s timeout, a 500 ms budget and a black-holed API
    fn = make_bot(budget_ms=500, timeout_s=1.0)
    fn.invoke(alexa())
    collector.fault("blackhole")
    late = fn.invoke(alexa(sleep_s=0.85))
    # Then the extension gives up in time (deadline - reserve), and the invocation does not time out
    assert late.status == "ok", late.error
    assert late.completion_ms < 1000
    assert fn.init_count == 1


def test_a_handler_timeout_is_not_prolonged_by_the_extension(make_bot, collector):
    fn = make_bot(timeout_s=0.5)
    slow = fn.invoke(alexa(sleep_s=3))
    assert slow.status == "timeout"
    assert slow.completion_ms < 700
    again = fn.invoke(alexa())
    assert again.status == "ok" and again.init_ms is not None
    assert request_ids(collector.records()) == [again.request_id]


# -- the return value ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, 0, "", [], {}, [1, "two"], {"statusCode": 200, "body": "{}"}])
def test_the_handlers_return_value_comes_back_unchanged(make_bot, value):
    fn = make_bot()
    inv = fn.invoke(alexa(**{"return": value}))
    assert inv.status == "ok" and inv.response == value


def test_the_wrapper_returns_the_same_object_and_passes_exceptions_through(make_bot):
    fn = make_bot("bot.identity")
    assert fn.invoke(alexa()).response == {"same_object": True}
    tracked = make_bot("bot.handler", tmp_dir=None)
    failed = tracked.invoke(alexa(**{"raise": "the bot broke"}))
    assert failed.status == "error"
    assert (failed.error["errorType"], failed.error["errorMessage"]) == ("RuntimeError", "the bot broke")
    assert tracked.invoke(alexa()).status == "ok"

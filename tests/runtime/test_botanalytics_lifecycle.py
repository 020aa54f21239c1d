"""Nothing lost across the lifecycle: an API outage, a timeout reset, and the end of the environment.

The budget and the circuit breaker keep billed time low whatever the API does; the ``/tmp`` spool
carries records across freezes and resets; at shutdown (SIGTERM, Python 3.12+) one last bounded flush,
then dead-letter log lines that ``python -m botanalytics.replay`` sends later.
"""

from __future__ import annotations

import time

from botanalytics import replay
from test_botanalytics_delivery import alexa, make_bot, request_ids, spooled  # noqa: F401 - make_bot is a fixture

DEADLETTER = "BOTANALYTICS_DEADLETTER"


def test_a_black_holed_api_costs_at_most_the_budget_and_nothing_is_lost(make_bot, collector):
    # Given a 100 ms post-response budget, a breaker that cools down for 300 ms, and a black-holed API
    budget_ms = 100
    fn = make_bot(budget_ms=budget_ms, env={"TOY_BREAKER_COOLDOWN_MS": "300"})
    fn.invoke(alexa())
    collector.fault("blackhole")
    # When the bot keeps answering through the outage (with pauses that let the breaker probe)
    runs = []
    for i in range(10):
        runs.append(fn.invoke(alexa()))
        if i in (4, 7):
            time.sleep(0.35)
    # Then every caller is answered at once and no invocation is billed past the budget (+5 ms)
    assert all(r.status == "ok" for r in runs)
    assert max(r.response_ms for r in runs) < 20
    post = [r.post_response_ms for r in runs]
    assert max(post) <= budget_ms + 5, post
    # and once the breaker is open, most invocations do not pay for the network at all
    assert sum(p < 10 for p in post) >= 6, post
    # When the API is back (and the breaker's cool-down has passed)
    collector.clear_fault()
    for _ in range(4):
        time.sleep(1.3)
        last = fn.invoke(alexa())
        if len(collector.records()) == 12:
            break
    # Then every turn arrives exactly once, each tagged with its own invocation
    assert sorted(request_ids(collector.records())[1:]) == sorted(
        [r.request_id for r in runs] + [last.request_id]
    )
    assert collector.stats()["duplicates"] == 0


def test_records_survive_a_timeout_reset(make_bot, collector, any_python, tmp_path):
    # Given a turn that could not be delivered (API black-holed) and is kept in /tmp
    fn = make_bot(python=any_python, timeout_s=1.0, budget_ms=100)
    collector.fault("blackhole")
    first = fn.invoke(alexa())
    assert [r["request_id"] for r in spooled(tmp_path / "sandbox-tmp")] == [first.request_id]
    # When the next invocation times out (the process is killed; /tmp stays) and the API comes back
    assert fn.invoke(alexa(sleep_s=5)).status == "timeout"
    collector.clear_fault()
    third = fn.invoke(alexa())
    # Then the new environment re-drives the spool: both answered turns arrive, once each
    assert third.init_ms is not None and fn.init_count == 2
    assert collector.wait_for(2, timeout=3)
    assert sorted(request_ids(collector.records())) == sorted([first.request_id, third.request_id])
    assert collector.stats()["duplicates"] == 0


def test_shutdown_delivers_what_is_pending_on_python_3_13(make_bot, collector, runtime_python):
    # Given a turn whose retry is not due for 5 s (429 Retry-After: 5) when the environment ends
    fn = make_bot(python=runtime_python("3.13"))
    collector.fault("429", retry_after=5, times=1)
    first = fn.invoke(alexa())
    assert collector.records() == []
    # When Lambda shuts the environment down (SIGTERM, then 500 ms)
    info = fn.shutdown()
    # Then the last flush delivered it and the process ended in time, without dead letters
    assert info.sigterm_sent and not info.killed and info.exited_in_ms < 500
    assert request_ids(collector.records()) == [first.request_id]
    assert DEADLETTER not in info.logs


def test_shutdown_with_the_api_down_logs_replayable_dead_letters(
    make_bot, collector, runtime_python, tmp_path, monkeypatch, capsys
):
    # Given two answered turns that could not be delivered (black-holed API), on python3.13
    fn = make_bot(python=runtime_python("3.13"), budget_ms=100)
    collector.fault("blackhole")
    turns = [fn.invoke(alexa()) for _ in range(2)]
    # When the environment shuts down while the API is still down
    info = fn.shutdown()
    # Then the last attempt is bounded (the process exits within Lambda's 500 ms) and each record
    # becomes one dead-letter line carrying its own request id
    assert info.sigterm_sent and not info.killed and info.exited_in_ms < 500
    lines = [line for line in info.logs.splitlines() if DEADLETTER in line]
    assert len(lines) == 2
    assert sorted(r["request_id"] for r in replay.find_dead_letters(info.logs)) == sorted(
        t.request_id for t in turns
    )
    # When the logs are replayed after the API is back, twice
    collector.clear_fault()
    exported = tmp_path / "exported.log"
    exported.write_text(info.logs)
    for name, value in (
        ("BOTANALYTICS_API_URL", collector.url),
        ("BOTANALYTICS_CA_BUNDLE", str(collector.ca_file)),
        ("BOTANALYTICS_TOKEN", collector.token),
    ):
        monkeypatch.setenv(name, value)
    assert replay.main([str(exported)]) == 0
    assert replay.main([str(exported)]) == 0
    # Then each record is stored once (the second run is dropped as duplicates by record id)
    assert sorted(request_ids(collector.records())) == sorted(t.request_id for t in turns)
    assert collector.stats()["duplicates"] == 2
    assert "2 dead-letter line(s), 2 record(s): 2 delivered, 0 rejected, 0 failed" in capsys.readouterr().out


def test_shutdown_chains_the_functions_own_sigterm_handler(make_bot, collector, runtime_python, tmp_path):
    fn = make_bot("sigterm_user.handler", python=runtime_python("3.13"), budget_ms=100)
    collector.fault("blackhole")
    fn.invoke(alexa())
    info = fn.shutdown()
    assert (tmp_path / "sandbox-tmp" / "user-sigterm-ran").is_file()
    assert info.logs.count(DEADLETTER) == 1
    assert not info.killed


def test_before_3_12_nothing_runs_at_shutdown_but_the_spool_carries_the_records(
    make_bot, collector, runtime_python
):
    # Given an undelivered turn on python3.9 (no SIGTERM: the environment is simply killed)
    fn = make_bot(python=runtime_python("3.9"), budget_ms=100)
    collector.fault("blackhole")
    first = fn.invoke(alexa())
    info = fn.shutdown()
    assert info.killed and not info.sigterm_sent and DEADLETTER not in info.logs
    # When a later environment starts with the same /tmp and the API is back
    collector.clear_fault()
    later = fn.invoke(alexa())
    # Then the spooled turn is delivered too
    assert collector.wait_for(2, timeout=3)
    assert sorted(request_ids(collector.records())) == sorted([first.request_id, later.request_id])

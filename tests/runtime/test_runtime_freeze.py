"""Between invocations the process is frozen (SIGSTOP), so background threads do not run."""
from __future__ import annotations

import time

PAUSE_S = 0.4


def _ticks_across_a_pause(fn):
    fn.invoke({})
    time.sleep(PAUSE_S)
    return fn.invoke({}).response


def test_background_thread_does_not_tick_while_frozen(make_lambda, any_python):
    # Given a thread that records a timestamp every 10 ms, in a frozen-between-invokes function
    fn = make_lambda("ticker.handler", python=any_python, freeze=True)
    # When the function idles for PAUSE_S between two invocations
    seen = _ticks_across_a_pause(fn)
    # Then the thread's timestamps show one gap as long as the pause: it did not run meanwhile
    assert PAUSE_S - 0.02 <= seen["max_gap_s"] < PAUSE_S + 0.25
    assert seen["ticks"] < 15                       # ~1 per invoke, not PAUSE_S / 10 ms = 40


def test_background_thread_ticks_without_freeze(make_lambda):
    fn = make_lambda("ticker.handler", freeze=False)
    seen = _ticks_across_a_pause(fn)
    assert seen["max_gap_s"] < 0.15
    assert seen["ticks"] >= 25


def test_the_process_is_stopped_between_invocations(make_lambda):
    fn = make_lambda("basic.echo")
    fn.invoke({})
    with open(f"/proc/{fn.pid}/stat") as f:
        assert f.read().rsplit(")", 1)[1].split()[0] == "T"
    assert fn.invoke({}).status == "ok"             # and thawed for the next one

"""A timeout or a crash resets the execution environment: new process, same /tmp."""
from __future__ import annotations

import os
from pathlib import Path

FUNCTIONS = Path(__file__).parent / "functions"


def test_timeout_kills_and_the_next_invoke_reinits_with_the_same_tmp(make_lambda, any_python):
    # Given a handler that writes to /tmp and then sleeps past a 1 s timeout
    fn = make_lambda("basic.write_then_sleep", python=any_python, timeout_s=1.0)
    slow = fn.invoke({"name": "before-reset.txt", "sleep_s": 5})
    # Then the invocation times out at the deadline, with Lambda's error
    assert slow.status == "timeout"
    assert slow.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in slow.error["errorMessage"]
    assert 1000 <= slow.completion_ms < 1300
    assert fn.pid is None                            # the process is gone
    # When invoked again
    fresh = fn.invoke({"name": "after-reset.txt", "sleep_s": 0})
    # Then a fresh process paid a new init, and the file written before the reset is still there
    assert fresh.status == "ok"
    assert fresh.init_ms is not None and fn.init_count == 2
    assert fresh.response["tmp_files"] == ["after-reset.txt", "before-reset.txt"]


def test_a_crash_resets_the_environment(make_lambda, tmp_path):
    fn = make_lambda("basic.exit_hard")
    crash = fn.invoke({})
    assert crash.status == "crash"
    assert crash.error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in crash.error["errorMessage"]
    assert "about to exit" in crash.logs
    again = fn.invoke({})
    assert again.status == "crash" and again.init_ms is not None
    assert fn.init_count == 2


def test_the_tmp_folder_is_kept_when_given_and_removed_when_not(make_lambda, tmp_path):
    from devtools.lambda_runtime import LocalLambda
    
    given = make_lambda("basic.echo", tmp_dir=tmp_path / "kept")
    given.invoke({})
    given.close()
    assert (tmp_path / "kept").is_dir()
    with LocalLambda("basic.echo", FUNCTIONS) as own:
        own.invoke({})
        folder = own.tmp_dir
    assert not os.path.exists(folder)

"""Shutdown: python3.12+ runtimes get SIGTERM first (and a short grace period); older ones are killed."""
from __future__ import annotations

import os


def test_sigterm_reaches_the_function_on_python_3_12(make_lambda, runtime_python, tmp_path):
    # Given a function with a SIGTERM handler that leaves a marker in /tmp, on python3.12
    fn = make_lambda("graceful.handler", python=runtime_python("3.12"), tmp_dir=tmp_path / "t")
    assert fn.invoke({}).status == "ok"              # the environment is now frozen
    # When the environment shuts down
    info = fn.shutdown()
    # Then it was thawed and sent SIGTERM, and the function's handler ran
    assert info.started and info.sigterm_sent
    assert info.limit_ms == 300                      # no extension registered
    assert (tmp_path / "t" / "sigterm-received").is_file()
    assert info.exited_in_ms is not None and info.exited_in_ms < 300 and not info.killed


def test_grace_period_is_500_ms_with_an_internal_extension(make_lambda, runtime_python):
    fn = make_lambda("with_extension.handler", python=runtime_python("3.13"))
    fn.invoke({})
    info = fn.shutdown()
    assert info.sigterm_sent and info.limit_ms == 500


def test_no_sigterm_before_python_3_12(make_lambda, tmp_path):
    fn = make_lambda("graceful.handler", tmp_dir=tmp_path / "t")    # the dev interpreter, 3.11
    fn.invoke({})
    info = fn.shutdown()
    assert not info.sigterm_sent and info.killed
    assert "no SIGTERM before 3.12" in info.reason
    assert not os.path.exists(tmp_path / "t" / "sigterm-received")


def test_shutdown_without_an_environment_is_a_no_op(make_lambda):
    info = make_lambda("basic.echo").shutdown()
    assert not info.started and not info.sigterm_sent

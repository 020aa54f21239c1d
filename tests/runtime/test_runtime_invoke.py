"""Invocations the way Lambda does them: event in, return value or error out, and the context."""
from __future__ import annotations

import time

import pytest


def test_return_value_comes_back_as_the_response(make_lambda, any_python):
    # Given a function that echoes its event, on each runtime version
    fn = make_lambda("basic.echo", python=any_python)
    # When it is invoked
    inv = fn.invoke({"hello": "world", "n": [1, 2]})
    # Then the handler's return value is the response, and this invoke paid the cold start
    assert inv.status == "ok"
    assert inv.error is None
    assert inv.response["event"] == {"hello": "world", "n": [1, 2]}
    assert inv.init_ms is not None and inv.init_ms > 0
    assert 0 < inv.response_ms <= inv.completion_ms


def test_a_raised_exception_comes_back_as_lambdas_error_document(make_lambda, any_python):
    fn = make_lambda("basic.boom", python=any_python)
    inv = fn.invoke({})
    assert inv.status == "error"
    assert inv.response is None
    assert inv.error["errorType"] == "ValueError"
    assert inv.error["errorMessage"] == "boom"
    assert inv.error["requestId"] == inv.request_id
    assert any("raise ValueError" in line for line in inv.error["stackTrace"])
    # and the runtime logged it, as it does on Lambda
    assert "[ERROR] ValueError: boom" in inv.logs


def test_context_carries_request_id_arn_and_the_deadline(make_lambda):
    fn = make_lambda("basic.echo", timeout_s=3.0, function_name="echo-bot", memory_mb=256)
    first, second = fn.invoke({}), fn.invoke({})
    for inv in (first, second):
        assert inv.response["request_id"] == inv.request_id
        assert inv.response["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:echo-bot"
        assert inv.response["function_name"] == "echo-bot"
        assert inv.response["memory_limit_in_mb"] == "256"
    # The deadline header is now + timeout, so the remaining time starts just under 3000 ms.
    assert 2800 < first.response["remaining_ms"] <= 3000
    assert 2950 < second.response["remaining_ms"] <= 3000
    assert first.request_id != second.request_id


def test_warm_invocations_reuse_the_process_and_skip_init(make_lambda):
    fn = make_lambda("basic.echo")
    runs = [fn.invoke({"i": i}) for i in range(3)]
    assert [r.init_ms is None for r in runs] == [False, True, True]
    assert len({r.response["pid"] for r in runs}) == 1
    assert fn.init_count == 1


def test_tmpdir_points_at_the_sandbox_tmp(make_lambda, tmp_path):
    fn = make_lambda("basic.echo", tmp_dir=tmp_path / "my-tmp")
    assert fn.invoke({}).response["tmpdir"] == str(tmp_path / "my-tmp")


def test_logs_are_captured_per_invocation(make_lambda):
    fn = make_lambda("basic.echo")
    first, second = fn.invoke({"say": "first call"}), fn.invoke({"say": "second call"})
    assert "first call" in first.logs and "second call" not in first.logs
    assert "second call" in second.logs and "first call" not in second.logs


def test_explicit_init_freezes_until_the_first_event(make_lambda):
    # Like provisioned concurrency: init now, the first invoke is warm.
    fn = make_lambda("basic.echo")
    assert fn.init() > 0
    time.sleep(0.05)
    inv = fn.invoke({})
    assert inv.status == "ok" and inv.init_ms is None


def test_an_import_error_fails_init_with_the_runtimes_error(make_lambda):
    fn = make_lambda("no_such_module.handler")
    inv = fn.invoke({})
    assert inv.status == "error"
    assert inv.error["errorType"] == "Runtime.ImportModuleError"
    assert inv.init_ms is not None


@pytest.mark.parametrize("bad", [{"timeout_s": 0}, {"code_dir": "/nonexistent-folder"}])
def test_bad_options_raise_at_construction(bad):
    from devtools.lambda_runtime import LocalLambda

    options = {"handler": "basic.echo", "code_dir": __file__.rsplit("/", 1)[0] + "/functions", **bad}
    with pytest.raises(ValueError):
        LocalLambda(**options)

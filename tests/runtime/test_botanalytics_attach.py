"""Zero-code attach (``botanalytics.handler.lambda_handler`` + ``BOTANALYTICS_LAMBDA_HANDLER``, or the
``AWS_LAMBDA_EXEC_WRAPPER`` script), never wrapping twice, and Powertools' decorators in both orders."""

from __future__ import annotations

import os
import stat
import sys

import pytest
from test_botanalytics_delivery import BOTS, LAYER, MODE_EXTENSION, alexa, lambda_env, make_bot, request_ids  # noqa: F401 - make_bot is a fixture

from devtools.lambda_runtime import LocalLambda

WRAPPER = "botanalytics.handler.lambda_handler"


def expected_answer(inv) -> dict:
    return {
        "version": "1.0",
        "sessionAttributes": {"lambdaRequestId": inv.request_id},
        "response": {
            "outputSpeech": {"type": "PlainText", "text": "Your roses are ordered."},
            "shouldEndSession": True,
        },
    }


@pytest.mark.parametrize(
    "original",
    ["plain.handler", "lambda/app.handler", "nested/deeper/app.handler", "nested.deeper.app.handler"],
)
def test_an_unedited_function_is_instrumented_by_configuration_only(make_bot, collector, original):
    # Given an existing handler (also in a subfolder, or a folder named `lambda`) and only two settings
    fn = make_bot(WRAPPER, env={"BOTANALYTICS_LAMBDA_HANDLER": original})
    runs = [fn.invoke(alexa()) for _ in range(2)]
    # Then it answers as before and each turn is reported, after the response
    assert [r.response for r in runs] == [expected_answer(r) for r in runs]
    assert MODE_EXTENSION in runs[0].logs
    assert request_ids(collector.records()) == [r.request_id for r in runs]


def test_python_3_9_and_3_13_attach_the_same_way(make_bot, collector, runtime_python):
    for version in ("3.9", "3.13"):
        fn = make_bot(
            WRAPPER,
            python=runtime_python(version),
            env={"BOTANALYTICS_LAMBDA_HANDLER": "lambda/app.handler"},
            tmp_dir=None,
        )
        inv = fn.invoke(alexa())
        assert inv.response == expected_answer(inv)
        assert request_ids(collector.records())[-1] == inv.request_id


@pytest.mark.parametrize(
    "original, message",
    [
        ("nowhere.handler", "BOTANALYTICS_LAMBDA_HANDLER: cannot import module 'nowhere'"),
        ("plain.missing", "module 'plain' has no handler function 'missing'"),
        ("", "BOTANALYTICS_LAMBDA_HANDLER is not set"),
        (WRAPPER, "names this wrapper itself"),
    ],
)
def test_a_handler_that_cannot_be_resolved_is_a_clear_init_error(make_bot, original, message):
    fn = make_bot(WRAPPER, env={"BOTANALYTICS_LAMBDA_HANDLER": original})
    inv = fn.invoke(alexa())
    assert inv.status == "error" and inv.init_ms is not None
    assert inv.error["errorType"] == "Runtime.ImportModuleError"
    assert message in inv.error["errorMessage"]


def test_a_decorated_handler_attached_again_is_not_wrapped_twice(make_bot, collector):
    fn = make_bot(WRAPPER, env={"BOTANALYTICS_LAMBDA_HANDLER": "decorated.handler"})
    runs = [fn.invoke(alexa()) for _ in range(3)]
    assert all(r.response == expected_answer(r) for r in runs)
    assert request_ids(collector.records()) == [r.request_id for r in runs]  # one record per turn


def _lambda_like_python(tmp_path) -> str:
    """A stand-in for Lambda's runtime bootstrap: it starts the runtime through $AWS_LAMBDA_EXEC_WRAPPER,
    which may rewrite _HANDLER, and the runtime then reads _HANDLER (made at test time, not committed)."""
    shim = tmp_path / "python"
    shim.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "awslambdaric" ] && [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then\n'
        f'  exec "$AWS_LAMBDA_EXEC_WRAPPER" "{sys.executable}" -c '
        '\'import os; from awslambdaric.__main__ import main; main(["bootstrap", os.environ["_HANDLER"]])\'\n'
        "fi\n"
        f'exec "{sys.executable}" "$@"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return str(shim)


def test_the_exec_wrapper_script_attaches_without_touching_the_handler_setting(collector, tmp_path):
    wrapper = os.path.join(os.path.dirname(LAYER), "botanalytics-wrapper")
    assert os.access(wrapper, os.X_OK)
    env = lambda_env(collector, AWS_LAMBDA_EXEC_WRAPPER=wrapper)
    with LocalLambda(
        "nested/deeper/app.handler",
        BOTS,
        python=_lambda_like_python(tmp_path),
        env=env,
        extra_pythonpath=[LAYER],
        tmp_dir=tmp_path / "t",
    ) as fn:
        runs = [fn.invoke(alexa()) for _ in range(2)]
    assert [r.response for r in runs] == [expected_answer(r) for r in runs]
    assert MODE_EXTENSION in runs[0].logs
    assert request_ids(collector.records()) == [r.request_id for r in runs]


@pytest.mark.parametrize("handler", ["logger_outside", "logger_inside", "tracer_outside", "tracer_inside"])
def test_powertools_decorators_in_either_order(make_bot, collector, handler):
    fn = make_bot(f"powertools_bots.{handler}", env={"POWERTOOLS_TRACE_DISABLED": "true"})
    runs = [fn.invoke(alexa()) for _ in range(2)]
    assert [r.response for r in runs] == [expected_answer(r) for r in runs]
    assert request_ids(collector.records()) == [r.request_id for r in runs]
    if handler.startswith("logger"):  # Logger saw the real context through our wrapper (or around it)
        assert f'"function_request_id":"{runs[1].request_id}"' in runs[1].logs.replace(" ", "")

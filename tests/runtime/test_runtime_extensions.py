"""The Extensions API as an internal extension sees it: register during init, INVOKE only, and the
invocation is billed until the extension asks for the next event."""
from __future__ import annotations

import statistics


def test_internal_extension_receives_every_invoke(make_lambda, any_python):
    # Given a function whose module registers an extension (INVOKE) while it is imported
    fn = make_lambda("with_extension.handler", python=any_python, timeout_s=3.0)
    # When it is invoked three times
    runs = [fn.invoke({"i": i}) for i in range(3)]
    # Then registration succeeded during init and the extension saw each invocation's INVOKE event
    for inv in runs:
        assert inv.status == "ok", inv.error
        body = inv.response
        assert body["registration_status"] == 200
        assert body["registration_body"] == {"functionName": "local-function", "functionVersion": "$LATEST",
                                             "handler": "with_extension.handler"}
        assert body["extension_saw_this_invoke"] is True
        event = body["invoke_event"]
        assert event["eventType"] == "INVOKE"
        assert event["requestId"] == inv.request_id
        assert event["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:local-function"
        assert event["tracing"]["type"] == "X-Amzn-Trace-Id"
    # and its post-response work for each invocation finished before the next one started
    assert runs[2].response["work_done_for"] == [runs[0].request_id, runs[1].request_id]


def test_post_response_work_is_billed_but_not_felt_by_the_caller(make_lambda):
    # Given an extension that works 50 ms after each response
    fn = make_lambda("with_extension.handler", env={"TOY_EXT_WORK_MS": "50"})
    runs = [fn.invoke({}) for _ in range(5)]
    warm = runs[1:]
    # Then the caller has its answer long before the invocation completes
    assert max(r.response_ms for r in warm) < 25
    assert min(r.completion_ms for r in warm) >= 50
    assert 45 <= statistics.median(r.post_response_ms for r in warm) < 100


def test_without_extension_completion_follows_the_response(make_lambda):
    fn = make_lambda("basic.echo")
    runs = [fn.invoke({}) for _ in range(4)]
    assert max(r.post_response_ms for r in runs[1:]) < 10


def test_internal_extension_cannot_subscribe_to_shutdown(make_lambda):
    # As the real RIE: 403 with Extension.InvalidEventType; the function still initialises.
    inv = make_lambda("shutdown_subscriber.handler").invoke({})
    assert inv.status == "ok"
    assert inv.response == {
        "status": 403,
        "extension_id": None,
        "body": {"errorMessage": "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
                 "errorType": "Extension.InvalidEventType"},
    }


def test_registration_after_init_is_refused(make_lambda):
    inv = make_lambda("late_register.handler").invoke({})
    assert inv.response == {"status": 403, "body": {"errorMessage": "Extension registration closed already",
                                                    "errorType": "Extension.RegistrationClosed"}}


def test_an_extension_that_never_calls_next_makes_the_invocation_time_out(make_lambda):
    # The caller got its answer, but the environment is billed until the deadline and then reset.
    fn = make_lambda("with_extension.handler", timeout_s=0.5, env={"TOY_EXT_WORK_MS": "5000"})
    inv = fn.invoke({})
    assert inv.status == "timeout"
    assert inv.response["extension_saw_this_invoke"] is True
    assert inv.response_ms < 400
    assert 490 <= inv.completion_ms < 700
    assert fn.invoke({}).init_ms is not None          # the next invoke re-inits

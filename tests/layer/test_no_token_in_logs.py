"""The token never appears in any log line, exception text or dead letter, whatever happens."""
from __future__ import annotations

import logging

import pytest

import botanalytics
from tests.events import load_event


@pytest.fixture
def everything_logged(caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, every level

    def text() -> str:
        captured = capsys.readouterr()
        return caplog.text + captured.out + captured.err + "".join(
            str(r.exc_info) for r in caplog.records if r.exc_info)

    return text


@pytest.mark.parametrize("fault", [None, ("status", {"code": 500}), ("blackhole", {}), ("wrong_cert", {"close_existing": True}),
                                   ("malformed", {})])
def test_the_token_is_never_logged(fault, collector, tracked, context, everything_logged):
    case = load_event("alexa/intent")
    handler = tracked(lambda e, c: case["response"], debug=True, budget_ms=200)
    if fault:
        collector.fault(fault[0], **fault[1])
    handler(case["event"], context)
    collector.clear_fault()
    botanalytics.flush(3.0)
    logs = everything_logged()
    assert logs  # debug logging really was on
    assert collector.token not in logs


def test_a_rejected_token_is_not_logged_either(collector, tracked, context, everything_logged):
    wrong = "wrong-token-8d1e77"
    case = load_event("alexa/intent")
    tracked(lambda e, c: case["response"], token=wrong, debug=True)(case["event"], context)
    botanalytics.flush(2.0)
    logs = everything_logged()
    assert "rejected the token" in logs and wrong not in logs

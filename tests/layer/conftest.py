"""Fixtures for the layer's tests: a handler wrapped with ``@botanalytics.track`` that reports to the
local collector (real HTTPS on loopback, trusted through its test CA), and a fake Lambda context."""
from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Callable, Optional

import pytest

import botanalytics
from botanalytics import dispatcher, guard

TOKEN = "test-token-5f0c2b"


class FakeContext:
    """What the Lambda runtime passes as ``context`` (the fields the layer reads)."""

    def __init__(self, timeout_s: float = 3.0, request_id: Optional[str] = None) -> None:
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = "test-function"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.log_group_name = "/aws/lambda/test-function"
        self.log_stream_name = "2026/11/26/[$LATEST]0123456789abcdef"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@pytest.fixture(autouse=True)
def fresh_layer_state(monkeypatch: pytest.MonkeyPatch):
    """Each test starts with no dispatchers, zeroed counters and no BOTANALYTICS_* variables; it fails
    if the layer swallowed an internal error (a bug the bot would never see)."""
    for name in list(__import__("os").environ):
        if name.startswith("BOTANALYTICS_"):
            monkeypatch.delenv(name)
    dispatcher.reset()
    guard.reset_stats()
    yield
    dispatcher.reset()
    errors = list(guard.internal_errors)
    guard.reset_stats()
    assert not errors, f"the layer swallowed internal errors: {errors!r}"


@pytest.fixture
def layer_options(collector, tmp_path) -> dict:
    """Options that point the layer at the local collector, with a private spool folder."""
    return {
        "token": collector.token if hasattr(collector, "token") else TOKEN,
        "api_url": collector.url,
        "ca_bundle": str(collector.ca_file),
        "spool_dir": str(tmp_path / "spool"),
        "breaker_cooldown_ms": 1,
    }


@pytest.fixture
def tracked(layer_options) -> Callable[..., Callable[..., Any]]:
    """``tracked(handler, **more_options)`` = ``botanalytics.track(**options)(handler)``."""

    def wrap(handler: Callable[..., Any], **more: Any) -> Callable[..., Any]:
        return botanalytics.track(**{**layer_options, **more})(handler)

    return wrap


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    return caplog

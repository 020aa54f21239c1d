"""Retry, deadlines and the circuit breaker: pure computations, no sleeping."""
from __future__ import annotations

import random
import time

from botanalytics.retry import RETRY_AFTER_CAP_S, CircuitBreaker, Deadline, RetryPolicy, parse_retry_after


def test_backoff_grows_exponentially_with_full_jitter_and_a_ceiling():
    policy = RetryPolicy(backoff_base_s=0.1, backoff_max_s=1.0)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (50, 1.0)]:
        delays = [policy.backoff_s(attempt, rng=rng) for _ in range(200)]
        assert 0 <= min(delays) and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8  # the whole range is used


def test_retry_after_is_a_floor_and_is_capped():
    policy = RetryPolicy(backoff_base_s=0.01)
    assert policy.backoff_s(1, retry_after_s=2.0) >= 2.0
    assert policy.backoff_s(1, retry_after_s=10_000) <= RETRY_AFTER_CAP_S


def test_parse_retry_after_reads_seconds_and_http_dates():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("99999") == RETRY_AFTER_CAP_S
    assert parse_retry_after("-4") == 0.0
    in_ten = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 10))
    assert 8 <= parse_retry_after(in_ten) <= 10


def test_deadline_never_reports_negative_time():
    deadline = Deadline.after(0.0)
    assert deadline.remaining() == 0.0 and deadline.expired()
    later = Deadline.after(5)
    assert later.earliest(deadline) is deadline and deadline.earliest(later) is deadline
    assert later.earliest(None) is later


def test_breaker_opens_after_consecutive_failures_and_probes_after_cooldown():
    breaker = CircuitBreaker(threshold=2, cooldown_s=0.05)
    assert breaker.allows()
    assert not breaker.failure()
    assert breaker.failure() and breaker.is_open and not breaker.allows()
    time.sleep(0.06)
    assert breaker.allows()  # half-open: one probe may go
    assert breaker.failure()  # the probe failed: reopened, longer cool-down
    assert breaker.wait_s() > 0.05
    breaker.probe_now()
    assert breaker.allows()
    assert breaker.success() and not breaker.is_open

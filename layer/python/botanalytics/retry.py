"""Value objects for retrying and for time limits: ``RetryPolicy``, ``Deadline`` and ``CircuitBreaker``."""
from __future__ import annotations

import threading
import time
TYPE_CHECKING = False  # (typing stays off the import path)

from ._value import ValueObject

if TYPE_CHECKING:
    from typing import Optional
    import random

RETRY_AFTER_CAP_S = 60.0


class RetryPolicy(ValueObject):
    """How a record that failed for a transient reason (network error, 429, 5xx) is retried.

    Backoff is exponential with full jitter: attempt ``n`` (1-based) waits a random time in
    ``[0, min(backoff_max_s, backoff_base_s * 2 ** (n - 1))]``. A ``Retry-After`` from a 429/503 is
    honoured as a floor (capped at ``RETRY_AFTER_CAP_S``). ``max_attempts`` bounds how often one record is
    retried after the API *answered* with 429/5xx (a poison record must not loop forever); network errors
    do not use it up: while the API cannot be reached, the circuit breaker decides and nothing is lost.
    """
    # max_attempts: int = 12
    # backoff_base_s: float = 0.05
    # backoff_max_s: float = 30.0
    __slots__ = ("max_attempts", "backoff_base_s", "backoff_max_s")
    _DEFAULTS = {"max_attempts": 12, "backoff_base_s": 0.05, "backoff_max_s": 30.0}

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.backoff_base_s < 0 or self.backoff_max_s < 0:
            raise ValueError("backoff times must be >= 0")

    def backoff_s(
        self, attempt: int, retry_after_s: Optional[float] = None, rng: Optional["random.Random"] = None
    ) -> float:
        """Seconds to wait before attempt ``attempt + 1``. Computes only; never sleeps."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2 ** min(max(0, attempt - 1), 30)))
        if rng is None:
            import random  # off the import path; first used by the delivery thread

            rng = random._inst  # type: ignore[attr-defined]
        delay = rng.uniform(0, ceiling)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, RETRY_AFTER_CAP_S))
        return delay


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), capped; None when absent or invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # rare path: keep it off the import

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, RETRY_AFTER_CAP_S))


class Deadline:
    """A point on the monotonic clock. ``remaining()`` never goes below zero."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(time.monotonic() + max(0.0, seconds))

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def earliest(self, other: "Optional[Deadline]") -> "Deadline":
        return self if other is None or self.at <= other.at else other

    def __repr__(self) -> str:
        return f"Deadline(remaining={self.remaining():.3f}s)"


class CircuitBreaker:
    """Stops paying the network cost while the API is unreachable.

    After ``threshold`` consecutive transient failures the breaker opens: nothing is sent until the
    cool-down has passed, then one record goes as a probe (half-open). Its success closes the breaker;
    its failure reopens it with a doubled cool-down (up to ``max_cooldown_s``).
    """

    def __init__(self, threshold: int = 3, cooldown_s: float = 1.0, max_cooldown_s: float = 60.0) -> None:
        self.threshold = threshold
        self.base_cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self._failures = 0
        self._cooldown_s = cooldown_s
        self._open_until: Optional[float] = None
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    @property
    def failing(self) -> bool:
        """True after a transient failure that no success has followed yet."""
        return self._failures > 0

    def allows(self) -> bool:
        """True when a send may go now (closed, or open with the cool-down over: a probe)."""
        with self._lock:
            return self._open_until is None or time.monotonic() >= self._open_until

    def wait_s(self) -> float:
        with self._lock:
            if self._open_until is None:
                return 0.0
            return max(0.0, self._open_until - time.monotonic())

    def success(self) -> bool:
        """Record a success; True when this closed an open breaker."""
        with self._lock:
            was_open = self._open_until is not None
            self._failures = 0
            self._open_until = None
            self._cooldown_s = self.base_cooldown_s
            return was_open

    def failure(self) -> bool:
        """Record a transient failure; True when this opened (or reopened) the breaker."""
        with self._lock:
            self._failures += 1
            if self._open_until is not None:
                self._cooldown_s = min(self.max_cooldown_s, self._cooldown_s * 2)
                self._open_until = time.monotonic() + self._cooldown_s
                return True
            if self._failures >= self.threshold:
                self._open_until = time.monotonic() + self._cooldown_s
                return True
            return False

    def probe_now(self) -> None:
        """Let the next send through at once (used by an explicit flush and at a new invocation)."""
        with self._lock:
            if self._open_until is not None:
                self._open_until = time.monotonic()

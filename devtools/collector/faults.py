"""Faults the collector can inject, switchable at run time.

One fault is active at a time; ``Collector.fault(kind, **params)`` replaces it, ``clear_fault()`` removes
it. A fault acts at one of two stages:

* ``"request"``: on each request that arrives (its headers and body read) while the fault is active;
* ``"connect"``: on each new TCP connection, before the TLS handshake (``wrong_cert``, and ``blackhole``
  or ``reset`` with ``at="connect"``). Connections already open are not affected.

``times=N`` limits a fault to the next N requests (or connections, for the connect stage); then it clears
itself. Kinds and parameters:

==============  =====================================================================================
``delay``       ``seconds`` (float): wait, then answer normally.
``blackhole``   read the request and never answer. Held connections are closed (without an answer)
                by ``clear_fault()``, by switching to another fault, or by ``stop()``; a fault that
                cleared itself after ``times`` keeps holding what it held. ``at="connect"``: hold new
                connections before the TLS handshake instead.
``reset``       close the connection with a TCP RST (SO_LINGER 0), no answer. ``at="connect"``: reset
                new connections before the TLS handshake.
``status``      ``code`` (default 503; any 2xx-5xx): answer it with a JSON ``error_message`` body;
                ``retry_after`` adds a ``Retry-After`` header. Nothing is stored.
``429``         shortcut for ``status`` with code 429 and ``Retry-After: <retry_after>`` (default 1).
``malformed``   the request is processed as usual (stored when valid: ``store=False`` to skip), but the
                answer is ``status`` (default 200) with ``variant``: ``"garbage"`` (an HTML body),
                ``"empty"`` (no body), or ``"truncated"`` (half of a JSON body, then the connection closes).
``wrong_cert``  new TLS handshakes get a certificate from another CA, so the client's verification fails.
                Open keep-alive connections keep working unless ``close_existing=True``, which cuts them
                when the fault is switched on (so a client with a warm connection must reconnect).
==============  =====================================================================================
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

REQUEST = "request"
CONNECT = "connect"

# kind -> (allowed parameters with their defaults)
_PARAMS: Dict[str, Dict[str, Any]] = {
    "delay": {"seconds": 1.0},
    "blackhole": {"at": REQUEST},
    "reset": {"at": REQUEST},
    "status": {"code": 503, "retry_after": None, "error_message": None},
    "429": {"retry_after": 1, "error_message": None},
    "malformed": {"status": 200, "variant": "garbage", "store": True},
    "wrong_cert": {"close_existing": False},
}

KINDS: Tuple[str, ...] = tuple(_PARAMS)
MALFORMED_VARIANTS = ("garbage", "empty", "truncated")


@dataclass
class Fault:
    """An active fault. ``remaining`` is None for "until cleared"."""

    kind: str
    params: Dict[str, Any]
    stage: str
    remaining: Optional[int] = None
    released: threading.Event = field(default_factory=threading.Event, repr=False)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


def make_fault(kind: Any, times: Optional[int] = None, **params: Any) -> Fault:
    """Check ``kind`` and ``params`` and build the fault; ValueError/TypeError for anything unknown."""
    kind = str(kind)
    if kind not in _PARAMS:
        raise ValueError("unknown fault kind %r; known: %s" % (kind, ", ".join(KINDS)))
    unknown = sorted(set(params) - set(_PARAMS[kind]))
    if unknown:
        raise TypeError("fault %r takes no parameter(s) %s" % (kind, ", ".join(unknown)))
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer or None, got %r" % (times,))
    values = dict(_PARAMS[kind])
    values.update(params)
    stage = REQUEST
    if kind == "delay":
        seconds = values["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("delay needs seconds >= 0, got %r" % (seconds,))
    elif kind in ("blackhole", "reset"):
        if values["at"] not in (REQUEST, CONNECT):
            raise ValueError("%s: at must be %r or %r" % (kind, REQUEST, CONNECT))
        stage = values["at"]
    elif kind == "status":
        code = values["code"]
        if isinstance(code, bool) or not isinstance(code, int) or not 200 <= code <= 599:
            raise ValueError("status: code must be an integer 200-599, got %r" % (code,))
    elif kind == "malformed":
        if values["variant"] not in MALFORMED_VARIANTS:
            raise ValueError("malformed: variant must be one of %s" % ", ".join(MALFORMED_VARIANTS))
        if values["status"] not in (200, 201):
            raise ValueError("malformed: status must be 200 or 201")
    elif kind == "wrong_cert":
        stage = CONNECT
    return Fault(kind, values, stage, times)


class FaultSwitch:
    """The active fault, shared by the handler threads and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Optional[Fault] = None
        self._holding: List[Fault] = []  # faults that may still hold black-holed connections
        self.applied = 0

    def set(self, fault: Fault) -> None:
        with self._lock:
            self._release_all_locked()
            self._current = fault
            self._holding.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._current = None
            self._release_all_locked()

    def current(self) -> Optional[Fault]:
        with self._lock:
            return self._current

    def take(self, stage: str) -> Optional[Fault]:
        """The fault to apply to one arrival at ``stage``, counting it against ``times``."""
        with self._lock:
            fault = self._current
            if fault is None or fault.stage != stage:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._current = None  # cleared itself; what it holds stays held
            self.applied += 1
            return fault

    def _release_all_locked(self) -> None:
        for fault in self._holding:
            fault.released.set()
        self._holding = []

    def release_all(self) -> None:
        with self._lock:
            self._release_all_locked()

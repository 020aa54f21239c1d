"""The last bounded flush at shutdown.

On the Python 3.12+ Lambda runtimes the runtime process receives SIGTERM before the execution
environment ends (500 ms before the kill when an internal extension is registered, 300 ms otherwise;
internal extensions never see a SHUTDOWN event). The handler installed here tries once more to deliver
what is pending, within a bound that leaves room to exit, and writes whatever still cannot be delivered
as one compact dead-letter log line per record (``BOTANALYTICS_DEADLETTER {...}``), which
``python -m botanalytics.replay`` can re-send from exported logs. Then it hands the signal on: to the
handler that was installed before ours, or to the default action (the process ends by SIGTERM).

Everything happens inside the signal handler itself: on 3.13 a handler that only calls ``sys.exit()``
does not end the process in time, because the runtime client's polling thread holds interpreter
shutdown. Before 3.12 Lambda sends no SIGTERM; the ``/tmp`` spool carries pending records to the next
execution environment instead.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Optional

from .guard import count, guarded
from .retry import Deadline

logger = logging.getLogger("botanalytics")

#: Time given to the last delivery attempt, by how long Lambda waits after SIGTERM.
FLUSH_S_WITH_EXTENSION = 0.25  # of 500 ms: dead letters and the exit need the rest, even on a busy host
FLUSH_S_WITHOUT_EXTENSION = 0.18  # of 300 ms

_lock = threading.Lock()
_installed = False
_previous: Any = None


def install() -> bool:
    """Install the SIGTERM handler once per process, chaining the one in place. True when installed.

    Only in Lambda (the Runtime API is set) and from the main thread, where Python allows it: that is
    where the handler module is imported during init.
    """
    global _installed, _previous
    with _lock:
        if _installed:
            return True
        if not os.environ.get("AWS_LAMBDA_RUNTIME_API"):
            return False
        if threading.current_thread() is not threading.main_thread():
            return False
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _on_sigterm)
        _previous = previous
        _installed = True
        return True


def _flush_budget_s() -> float:
    from . import extension

    return FLUSH_S_WITH_EXTENSION if extension._extension is not None else FLUSH_S_WITHOUT_EXTENSION


def last_flush(timeout_s: float) -> "tuple[bool, int]":
    """Deliver what is pending within ``timeout_s``; dead-letter the rest. (all delivered, dead letters)."""
    from .dispatcher import all_dispatchers

    deadline = Deadline.after(timeout_s)
    delivered = True
    dead = 0
    dispatchers = all_dispatchers()
    for dispatcher in dispatchers:
        with guarded("shutdown flush"):
            delivered = dispatcher.flush(deadline.remaining()) and delivered
    for dispatcher in dispatchers:
        with guarded("shutdown dead letters"):
            dead += dispatcher.dead_letter_pending("shutdown: not delivered before the environment ended")
    if dead:
        count("shutdown_dead_letters", dead)
        logger.warning(
            "botanalytics: shutdown with %d undelivered record(s), logged as dead letters for "
            "python -m botanalytics.replay",
            dead,
        )
    return delivered and not dead, dead


def _on_sigterm(signum: int, frame: Any) -> None:
    with guarded("shutdown"):
        last_flush(_flush_budget_s())
    _flush_streams()
    _chain(signum, frame)


def _flush_streams() -> None:
    for handler in logging.getLogger().handlers + logger.handlers:
        try:
            handler.flush()
        except Exception:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _chain(signum: int, frame: Any) -> None:
    previous = _previous
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    # The default action: end the process by the same signal, as if we had never been here.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def installed_handler() -> Optional[Any]:
    """The handler we chain to (for tests and diagnostics)."""
    return _previous if _installed else None

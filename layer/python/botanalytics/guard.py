"""The never-raise boundary and the counters.

Every piece of layer work that runs inside the user's invocation goes through ``guarded()``; the
handler call itself never does. A failure inside is logged once per kind and counted, never raised.
"""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Set

from ._log import ERROR, get_logger

logger = get_logger("botanalytics")

_lock = threading.Lock()
_counters: Counter = Counter()
_reported: Set[str] = set()
#: Internal exceptions swallowed so far (bounded). Tests assert this stays empty.
internal_errors: List[BaseException] = []


def count(name: str, n: int = 1) -> None:
    with _lock:
        _counters[name] += n


def stats() -> Dict[str, int]:
    """A snapshot of the layer's counters (delivered, retried, dropped, spooled, internal_errors, ...)."""
    with _lock:
        return dict(_counters)


def reset_stats() -> None:
    with _lock:
        _counters.clear()
        _reported.clear()
        del internal_errors[:]


def log_once(key: str, level: int, message: str, *args: object) -> None:
    """Log ``message`` the first time ``key`` is seen in this container (configuration mistakes etc.)."""
    with _lock:
        if key in _reported:
            return
        _reported.add(key)
    logger.log(level, message, *args)


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run layer work; swallow and count any exception so that it never reaches the bot."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        count("internal_errors")
        with _lock:
            if len(internal_errors) < 100:
                internal_errors.append(exc)
        log_once(
            f"internal:{what}:{type(exc).__name__}",
            ERROR,
            "botanalytics: internal error in %s (the bot is unaffected): %s",
            what,
            exc.__class__.__name__,
        )
        logger.debug("botanalytics: internal error in %s", what, exc_info=True)

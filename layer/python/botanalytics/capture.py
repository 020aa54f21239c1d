"""Per-invocation capture of the bot's replies that leave through its platform's send API.

Webhook platforms (Messenger, Slack, Line, ...) do not put the bot's reply in the HTTP response: the
bot calls the platform's API during the handler. ``outgoing`` hooks ``http.client`` (beneath urllib3,
requests and botocore); this module routes what it sees to the platform that owns the current turn.
"""
from __future__ import annotations

import threading
from typing import Any, List, Optional, Tuple

from .guard import count, guarded
from .record import Record

_lock = threading.Lock()
_current: Optional[Tuple[Any, List[Record]]] = None
_installed = False


def install() -> None:
    """Hook ``http.client`` once per process (idempotent; cheap)."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        from . import outgoing

        outgoing.install(_on_call)
        _installed = True


def begin(platform: Any, sink: List[Record]) -> None:
    """From now until ``end()``, calls to ``platform``'s send API are recorded into ``sink``."""
    global _current
    _current = (platform, sink) if platform is not None and hasattr(platform, "sent") else None


def end() -> None:
    global _current
    _current = None


def _on_call(host: str, path: str, body: bytes, headers: Any) -> None:
    current = _current
    if current is None:
        return
    platform, sink = current
    with guarded("outgoing capture"):
        records = platform.sent(host, path, body, headers)
        if records:
            sink.extend(records)
            count("captured_outgoing", len(records))

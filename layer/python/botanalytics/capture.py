"""Per-invocation capture of the bot's replies that leave through its platform's send API.

Webhook platforms (Messenger, Slack, Line, ...) do not put the bot's reply in the HTTP response: the
bot calls the platform's API during the handler. ``outgoing`` hooks ``http.client`` (beneath urllib3,
requests and botocore); this module routes what it sees to the platform that owns the current turn.
"""
from __future__ import annotations

import threading
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

from .guard import count, guarded
from .record import Record

_lock = threading.Lock()
_current: Optional[Tuple[Any, List[Record]]] = None
_hooked_hosts: set = set()


def begin(platform: Any, sink: List[Record]) -> None:
    """From now until ``end()``, calls to ``platform``'s send API are recorded into ``sink``.

    The hook goes into ``http.client`` the first time a platform with a send API owns a turn, watching
    only that platform's hosts: bots on other platforms never pay for it, and neither does cold start.
    """
    global _current
    hosts = tuple(getattr(platform, "send_hosts", ()) or ()) if hasattr(platform, "sent") else ()
    if not hosts:
        _current = None
        return
    if not _hooked_hosts.issuperset(hosts):
        with _lock, guarded("capture install"):
            from . import outgoing

            outgoing.install(_on_call, hosts=hosts)
            _hooked_hosts.update(hosts)
    _current = (platform, sink)


def end() -> None:
    global _current
    _current = None


def _on_call(host: str, path: str, body: bytes, headers: Any) -> None:
    """The sink of ``outgoing``: a call to a watched host, made while the current turn runs."""
    current = _current
    if current is None:
        return
    platform, sink = current
    with guarded("outgoing capture"):
        records = platform.sent(host, path, body, headers)
        if records:
            sink.extend(records)
            count("captured_outgoing", len(records))

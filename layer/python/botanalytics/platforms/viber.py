"""Viber REST bot API: callbacks in, ``send_message`` and the welcome message out, user profiles.

Body shape: the reference gives ``messages/viber/`` one required field, ``message`` ("Viber's message
object"), and the official Node SDK posts ``{"message": {...}}`` holding the callback's fields. We send
``{"message": <the callback as Viber posted it>}``: the same shape, without the Node SDK's additions
(``auth_token`` — the bot's secret — which we never send, and the duplicated ``message_token``).

In
    * ``event: "message"`` callbacks → ``messages/viber/`` ``{"message": <callback>}``.
    * ``conversation_started`` and ``subscribed`` carry the user's details → ``viber/users/`` (the profile,
      ``id`` required), as the Node SDK does on ``conversation_started``.
    * Not recorded: ``delivered``, ``seen``, ``failed``, ``unsubscribed``, ``client_status`` (receipts
      and status about messages already recorded) and ``webhook`` (the set-up check).
    The ``X-Viber-Content-Signature`` header is never recorded.
Out
    * The welcome message a bot may return in the HTTP response to ``conversation_started`` →
      ``messages/viber/`` ``{"message": {<the message>, "receiver": {"id", "name"}, "timestamp"}}``.
    * :meth:`sent`: ``POST chatapi.viber.com/pa/send_message`` → the same shape, ``receiver`` as the Node
      SDK sends it (``{"id": ...}``), ``timestamp`` now in ms. The ``X-Viber-Auth-Token`` header and any
      ``auth_token`` in the body are dropped. ``broadcast_message`` is not recorded (no single receiver).
Explicit
    :func:`profile_record` → ``viber/users/``.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from ..record import Record, now_ms
from ..webhook import HttpResponse
from .base import Platform, Turn
from ._helpers import (
    as_dict,
    guarded,
    json_object,
    nonempty_str,
    parse_json_or_form,
    posted_to,
)

logger = logging.getLogger("botanalytics")

MESSAGES_PATH = "messages/viber/"
USERS_PATH = "viber/users/"
SEND_HOSTS = ("chatapi.viber.com",)
SEND_PATH = "/pa/send_message"
# a tuple, not a set: a hostile callback's "event" may be unhashable, and ``in`` must not raise
EVENTS = ("message", "subscribed", "unsubscribed", "conversation_started", "delivered", "seen", "failed",
          "webhook", "client_status", "action")
_SECRET_KEYS = ("auth_token",)


def _callback(turn: Turn) -> Optional[Dict[str, Any]]:
    http = turn.http
    if http is None or http.method != "POST":
        return None
    body = json_object(http)
    if body is None or body.get("event") not in EVENTS:
        return None
    stamp = body.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        return None
    if "x-viber-content-signature" in http.headers or "message_token" in body:
        return body
    return None


def _strip(data: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _SECRET_KEYS}


class Viber(Platform):
    identifier = "viber"
    send_hosts = SEND_HOSTS

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _callback(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        body = _callback(turn)
        if body is None:
            return []
        event = body.get("event")
        if event == "message" and isinstance(body.get("message"), dict):
            return [Record(MESSAGES_PATH, {"message": _strip(body)}, request_id=turn.request_id)]
        if event in ("conversation_started", "subscribed"):
            user = as_dict(body.get("user"))
            if nonempty_str(user.get("id")):
                return [Record(USERS_PATH, dict(user), request_id=turn.request_id)]
        return []

    @guarded(list)
    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        body = _callback(turn)
        if body is None or body.get("event") != "conversation_started":
            return []
        welcome = http_response.json() if http_response is not None and http_response.status < 300 else None
        if not isinstance(welcome, dict) or not nonempty_str(welcome.get("type")):
            return []
        user = as_dict(body.get("user"))
        if not nonempty_str(user.get("id")):
            return []
        receiver = {"id": user["id"]}
        if isinstance(user.get("name"), str):
            receiver["name"] = user["name"]
        message = {**_strip(welcome), "receiver": receiver, "timestamp": now_ms()}
        return [Record(MESSAGES_PATH, {"message": message}, request_id=turn.request_id)]

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it is ``send_message``."""
        call = posted_to(host, path, body, headers, SEND_HOSTS)
        if call is None or call[0] != SEND_PATH:
            return []
        data = parse_json_or_form(call[2], call[1])
        if data is None or not nonempty_str(data.get("receiver")) or not nonempty_str(data.get("type")):
            return []
        message = _strip(data)
        message["receiver"] = {"id": data["receiver"]}
        message["timestamp"] = now_ms()
        return [Record(MESSAGES_PATH, {"message": message})]


def profile_record(profile: Any) -> Optional[Record]:
    """``viber/users/`` for a user's details (``id`` required; ``name``, ``avatar``, ``country``,
    ``language``, ``primary_device_os``, ``api_version``, ``viber_version`` as Viber gives them).
    None, with a warning, without an ``id``."""
    if not isinstance(profile, dict) or not nonempty_str(profile.get("id")):
        logger.warning("botanalytics: Viber user profile not recorded: it needs an id")
        return None
    return Record(USERS_PATH, _strip(profile))


PLATFORM = Viber()

__all__ = ["PLATFORM", "Viber", "profile_record"]

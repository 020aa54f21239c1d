"""LINE Messaging API: webhook events in, push/reply/multicast out, user profiles.

In
    ``{"destination": "...", "events": [...]}`` (``X-Line-Signature`` header) → ``messages/line/``
    ``{"events": [...]}``, one record per webhook with every event, as the reference shows. The console's
    "Verify" call (``events: []``) is recognised and not recorded. The signature header is never recorded.
Out
    LINE replies leave through the Messaging API. :meth:`sent` recognises ``POST api.line.me``
    ``/v2/bot/message/push`` and ``/reply`` (and ``/multicast``, one record per recipient) →
    ``{"to": <id>, "timestamp": <now ms>, "messages": [...]}``. For a reply the ``to`` is the user (or
    group/room) of the event that carried the ``replyToken``, when that event was received by this
    container (it is, when the bot replies within the webhook invocation, the normal case); otherwise the
    reply token itself, so the record is never lost. Broadcast and narrowcast have no recipient list and
    are not recorded. The channel access token (``Authorization: Bearer``) is never read.
Explicit
    :func:`profile_record` → ``line/users/`` (``userId`` required).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from ..record import Record, now_ms
from .base import Platform, Turn
from ._helpers import (
    BoundedMap,
    as_dict,
    as_list,
    guarded,
    json_object,
    nonempty_str,
    parse_json_or_form,
    posted_to,
)

logger = logging.getLogger("botanalytics")

MESSAGES_PATH = "messages/line/"
USERS_PATH = "line/users/"
SEND_HOSTS = ("api.line.me",)
PUSH = "/v2/bot/message/push"
REPLY = "/v2/bot/message/reply"
MULTICAST = "/v2/bot/message/multicast"
MAX_MULTICAST = 500


def _webhook(turn: Turn) -> Optional[Dict[str, Any]]:
    http = turn.http
    if http is None or http.method != "POST":
        return None
    body = json_object(http)
    if body is None or not isinstance(body.get("events"), list):
        return None
    if isinstance(body.get("destination"), str) or "x-line-signature" in http.headers:
        return body
    return None


def _source_id(event: Dict[str, Any]) -> Optional[str]:
    source = as_dict(event.get("source"))
    for key in ("userId", "groupId", "roomId"):
        if nonempty_str(source.get(key)):
            return str(source[key])
    return None


class Line(Platform):
    identifier = "line"
    send_hosts = SEND_HOSTS

    def __init__(self) -> None:
        self._reply_to = BoundedMap(512)  # replyToken → user/group/room id

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _webhook(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        body = _webhook(turn)
        if body is None:
            return []
        events = [e for e in body["events"] if isinstance(e, dict)]
        if not events:
            return []
        for event in events:
            token, source = nonempty_str(event.get("replyToken")), _source_id(event)
            if token and source:
                self._reply_to.put(token, source)
        return [Record(MESSAGES_PATH, {"events": events}, request_id=turn.request_id)]

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it sends LINE messages."""
        call = posted_to(host, path, body, headers, SEND_HOSTS)
        if call is None or call[0] not in (PUSH, REPLY, MULTICAST):
            return []
        route, headers, raw = call
        data = parse_json_or_form(raw, headers)
        if data is None:
            return []
        messages = [m for m in as_list(data.get("messages")) if isinstance(m, dict)]
        if not messages:
            return []
        if route == PUSH:
            targets = [data.get("to")]
        elif route == REPLY:
            token = nonempty_str(data.get("replyToken"))
            targets = [self._reply_to.get(token) or token] if token else []
        else:
            targets = as_list(data.get("to"))[:MAX_MULTICAST]
        now = now_ms()
        return [
            Record(MESSAGES_PATH, {"to": to, "timestamp": now, "messages": messages})
            for to in targets
            if nonempty_str(to)
        ]


def profile_record(profile: Any) -> Optional[Record]:
    """``line/users/`` for a profile as ``GET /v2/bot/profile/{userId}`` returns it (``userId``,
    ``displayName``, ``pictureUrl``, ``statusMessage``, ``language``). None, with a warning, without a
    ``userId``."""
    if not isinstance(profile, dict) or not nonempty_str(profile.get("userId")):
        logger.warning("botanalytics: LINE user profile not recorded: it needs a userId")
        return None
    return Record(USERS_PATH, dict(profile))


PLATFORM = Line()

__all__ = ["PLATFORM", "Line", "profile_record"]

"""Kik bot API: messages in, ``/v1/message`` out, user profiles.

In
    ``{"messages": [...]}`` (``X-Kik-Signature`` / ``X-Kik-Username`` headers) → ``messages/kik/``
    ``{"messages": [<one message>]}``, one record per message, as the official Node SDK sends them. Every
    message type is recorded (text, link, picture, video, sticker, start-chatting, scan-data,
    friend-picker, is-typing, delivery- and read-receipts), as the Node SDK does. The signature header is
    never recorded.
Out
    Kik replies leave through the API. :meth:`sent` recognises ``POST api.kik.com/v1/message`` (and
    ``/v1/broadcast``) → one ``{"messages": [<message>]}`` record per message, with ``timestamp`` (now, ms)
    and ``from`` (the bot's username, from the last webhook's ``X-Kik-Username``) added when absent. The
    Basic auth header (username + API key) is never read.
Explicit
    :func:`profile_record` → ``kik/users/`` (``username`` required; ``firstName``, ``lastName``,
    ``profilePicUrl`` as ``GET /v1/user/<username>`` gives them).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from ..record import Record, now_ms
from .base import Platform, Turn
from ._helpers import (
    as_list,
    guarded,
    json_object,
    nonempty_str,
    parse_json_or_form,
    posted_to,
)

logger = logging.getLogger("botanalytics")

MESSAGES_PATH = "messages/kik/"
USERS_PATH = "kik/users/"
SEND_HOSTS = ("api.kik.com",)
SEND_PATHS = ("/v1/message", "/v1/broadcast")
MAX_MESSAGES = 100


def _is_kik_message(message: Any) -> bool:
    return (
        isinstance(message, dict)
        and nonempty_str(message.get("type")) is not None
        and nonempty_str(message.get("chatId")) is not None
        and ("from" in message or "participants" in message)
    )


def _webhook(turn: Turn) -> Optional[List[Dict[str, Any]]]:
    http = turn.http
    if http is None or http.method != "POST":
        return None
    body = json_object(http)
    if body is None or not isinstance(body.get("messages"), list):
        return None
    messages = [m for m in body["messages"] if _is_kik_message(m)]
    if messages or "x-kik-signature" in http.headers:
        return messages[:MAX_MESSAGES]
    return None


class Kik(Platform):
    identifier = "kik"
    send_hosts = SEND_HOSTS

    def __init__(self) -> None:
        self._bot_username: Optional[str] = None

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _webhook(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        messages = _webhook(turn)
        if not messages:
            return []
        username = turn.http.headers.get("x-kik-username") if turn.http is not None else None
        if username:
            self._bot_username = username
        return [Record(MESSAGES_PATH, {"messages": [m]}, request_id=turn.request_id) for m in messages]

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it sends Kik messages."""
        call = posted_to(host, path, body, headers, SEND_HOSTS)
        if call is None or call[0] not in SEND_PATHS:
            return []
        data = parse_json_or_form(call[2], call[1])
        if data is None:
            return []
        now = now_ms()
        records = []
        for message in as_list(data.get("messages"))[:MAX_MESSAGES]:
            if not isinstance(message, dict) or not nonempty_str(message.get("type")):
                continue
            message = dict(message)
            message.setdefault("timestamp", now)
            if self._bot_username:
                message.setdefault("from", self._bot_username)
            records.append(Record(MESSAGES_PATH, {"messages": [message]}))
        return records


def profile_record(profile: Any) -> Optional[Record]:
    """``kik/users/`` for a user profile. None, with a warning, without a ``username``."""
    if not isinstance(profile, dict) or not nonempty_str(profile.get("username")):
        logger.warning("botanalytics: Kik user profile not recorded: it needs a username")
        return None
    return Record(USERS_PATH, dict(profile))


PLATFORM = Kik()

__all__ = ["PLATFORM", "Kik", "profile_record"]

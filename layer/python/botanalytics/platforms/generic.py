"""Generic JSON chat (web chat, SMS gateways, custom channels) → ``messages/generic/``.

Every message is one record in the reference's shape, which the official SDKs send unchanged::

    {"is_sender_bot": false, "user": {"id": "...", "name": "..."},
     "message": {"timestamp": <int ms>, "text": "..."}, "nlu_payload": {...}}

``user.name`` is always there (the official Python and Ruby SDKs refuse a message without it; the id
stands in when there is no name), the timestamp is integer milliseconds, and ``nlu_payload`` is
attached only when the user's message carries one of a known type (see ``nlu``).

What is recognised as a user's message:

* behind any HTTP envelope (``turn.http``), a JSON (or form-encoded) body in the reference's shape
  ``{"user": {"id", "name"?}, "message": {"text", "timestamp"?}, "nlu_payload"?}``, or a simple one:
  a user id under ``userId`` / ``user_id`` / ``sender`` / ``senderId`` / ``sender_id`` / ``from`` /
  ``user`` and a non-empty ``text`` or ``message`` string (name and timestamp optional);
* invoked directly (no HTTP envelope), only the reference's shape.

The bot's replies come from the HTTP response's JSON body (or the handler's return value, when invoked
directly): a string, ``{"text" | "reply" | "message" | "response": str}``, the reference's shape,
``{"messages": [...]}`` or a list of any of these. Each becomes an ``is_sender_bot: true`` record for the
same user. Error responses (status ≥ 300) carry no replies.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from ..record import Record, now_ms
from ..webhook import HttpRequest, HttpResponse
from . import nlu
from .base import Platform, Turn

PATH = "messages/generic/"

USER_ID_KEYS = ("userId", "user_id", "sender", "senderId", "sender_id", "from", "user")
USER_NAME_KEYS = ("userName", "user_name", "name", "senderName", "sender_name")
TEXT_KEYS = ("text", "message")
REPLY_KEYS = ("text", "reply", "message", "response")
TIMESTAMP_KEYS = ("timestamp", "ts", "time")
MAX_REPLIES = 50
FORM = "application/x-www-form-urlencoded"

# Below this an integer timestamp is read as seconds (1e11 s is the year 5138; 1e11 ms is 1973).
_SECONDS_LIMIT = 100_000_000_000


@dataclass(frozen=True)
class ChatMessage:
    user_id: str
    user_name: str
    text: str
    timestamp: Optional[int] = None
    nlu_payload: Optional[Dict[str, Any]] = None
    is_sender_bot: bool = False

    def body(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "is_sender_bot": self.is_sender_bot,
            "user": {"id": self.user_id, "name": self.user_name},
            "message": {
                "timestamp": self.timestamp if self.timestamp is not None else now_ms(),
                "text": self.text,
            },
        }
        if self.nlu_payload is not None:
            body["nlu_payload"] = self.nlu_payload
        return body


def to_ms(value: Any) -> Optional[int]:
    """Integer milliseconds from an int/float (ms, or seconds when small), a numeric string or an
    ISO-8601 string; None for anything else (the caller then uses the current time)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            return _iso_to_ms(text)
    if isinstance(value, (int, float)):
        if math.isnan(value) or value <= 0 or value >= 1e16:  # NaN, negative, absurd
            return None
        return round(value * 1000) if value < _SECONDS_LIMIT else int(value)
    return None


def _iso_to_ms(text: str) -> Optional[int]:
    if not text or len(text) > 64:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.9/3.10 fromisoformat accepts only 3 or 6 fraction digits: pad or cut to 6.
    head, dot, rest = text.partition(".")
    if dot:
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = head + "." + (digits + "000000")[:6] + rest
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return to_ms(moment.timestamp())


def _ident(value: Any) -> Optional[str]:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _first(payload: Dict[str, Any], keys: Tuple[str, ...]) -> Any:
    for key in keys:
        if key in payload:
            return payload[key]
    return None


def parse_reference(payload: Any) -> Optional[ChatMessage]:
    """The reference's ``{"user": {...}, "message": {...}}`` shape, or None."""
    if not isinstance(payload, dict):
        return None
    user, message = payload.get("user"), payload.get("message")
    if not isinstance(user, dict) or not isinstance(message, dict):
        return None
    user_id, text = _ident(user.get("id")), message.get("text")
    if user_id is None or not isinstance(text, str):
        return None
    name = user.get("name")
    return ChatMessage(
        user_id=user_id,
        user_name=name if isinstance(name, str) and name else user_id,
        text=text,
        timestamp=to_ms(message.get("timestamp")),
        nlu_payload=nlu.normalize(payload.get("nlu_payload")),
        is_sender_bot=payload.get("is_sender_bot") is True,
    )


def parse_simple(payload: Any) -> Optional[ChatMessage]:
    """``{"userId" | "user_id" | "sender" | ...: id, "text" | "message": str}``, or None."""
    if not isinstance(payload, dict):
        return None
    user_id = None
    for key in USER_ID_KEYS:
        user_id = _ident(payload.get(key))
        if user_id is not None:
            break
    text = None
    for key in TEXT_KEYS:
        candidate = payload.get(key)
        if isinstance(candidate, str) and candidate.strip():
            text = candidate
            break
    if user_id is None or text is None:
        return None
    name = _first(payload, USER_NAME_KEYS)
    return ChatMessage(
        user_id=user_id,
        user_name=name if isinstance(name, str) and name else user_id,
        text=text,
        timestamp=to_ms(_first(payload, TIMESTAMP_KEYS)),
        nlu_payload=nlu.normalize(payload.get("nlu_payload")),
    )


def _request_payload(http: HttpRequest) -> Any:
    if http.content_type == FORM:
        return http.form()
    return http.json()


def user_message(turn: Turn) -> Optional[ChatMessage]:
    """The user's message this turn carries, or None when it is not generic chat."""
    if turn.http is not None:
        payload = _request_payload(turn.http)
        return parse_reference(payload) or parse_simple(payload)
    return parse_reference(turn.event)


def _reply_payload(turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> Any:
    if turn.http is None:
        return response
    if http_response is None or not 200 <= http_response.status < 300:
        return None
    payload = http_response.json()
    # A handler behind an HTTP API / Function URL may return a bare string: that string is the body.
    if payload is None and (http_response.content_type.startswith("text/") or isinstance(response, str)):
        payload = http_response.text()
    return payload


def replies(payload: Any, depth: int = 0) -> List[ChatMessage]:
    """The bot's messages in a reply payload (user fields left empty; the caller fills them)."""
    out: List[ChatMessage] = []
    if isinstance(payload, str):
        if payload.strip():
            out.append(ChatMessage("", "", payload, is_sender_bot=True))
    elif isinstance(payload, list) and depth < 2:
        for item in payload[:MAX_REPLIES]:
            out.extend(replies(item, depth + 1))
    elif isinstance(payload, dict):
        reference = parse_reference(payload)
        if reference is not None:
            out.append(ChatMessage("", "", reference.text, reference.timestamp, is_sender_bot=True))
        elif isinstance(payload.get("messages"), list) and depth < 2:
            out.extend(replies(payload["messages"], depth + 1))
        else:
            for key in REPLY_KEYS:
                text = payload.get(key)
                if isinstance(text, str) and text.strip():
                    stamp = to_ms(_first(payload, TIMESTAMP_KEYS))
                    out.append(ChatMessage("", "", text, stamp, is_sender_bot=True))
                    break
    return out[:MAX_REPLIES]


class Generic(Platform):
    identifier = "generic"

    def detect(self, turn: Turn) -> bool:
        return user_message(turn) is not None

    def incoming(self, turn: Turn) -> List[Record]:
        try:
            message = user_message(turn)
            if message is None:
                return []
            return [Record(PATH, message.body(), request_id=turn.request_id)]
        except Exception:  # noqa: BLE001 - a platform never raises (base.Platform)
            return []

    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        try:
            user = user_message(turn)
            if user is None:
                return []
            records: List[Record] = []
            for reply in replies(_reply_payload(turn, response, http_response)):
                message = ChatMessage(user.user_id, user.user_name, reply.text, reply.timestamp, None, True)
                records.append(Record(PATH, message.body(), request_id=turn.request_id))
            return records
        except Exception:  # noqa: BLE001 - a platform never raises (base.Platform)
            return []


PLATFORM = Generic()

"""Telegram Bot API webhooks straight to a Lambda function → ``messages/generic/``.

Why generic and not Bot Framework activities: see ``docs/telegram.md``. In short, the generic shape is
documented by the reference, every field it needs is in every Telegram update, and it does not pretend a
Bot Framework channel (``serviceUrl``, activity ids, a connector) exists where there is none. Telegram
bots that *do* run behind Bot Framework's Telegram channel arrive as activities and are recorded by
``botframework``.

In
    An ``Update`` (``update_id`` plus one of ``message``, ``edited_message``, ``callback_query``, ...),
    usually with the header ``X-Telegram-Bot-Api-Secret-Token`` (never recorded).
    * ``message`` → ``{"is_sender_bot": false, "user": {"id": <from.id>, "name": <first last / @username>},
      "message": {"timestamp": <date * 1000>, "text": <text, or caption, or "[photo]" / "[sticker]" /
      "[location]" / ...>}}``;
    * ``callback_query`` (an inline button pressed) → the same, ``text`` = the button's ``data``,
      timestamp = now (callback queries carry no date).
    Not recorded: ``edited_message`` (an edit, not a new message), channel posts (no user in a
    conversation with the bot), inline queries, polls, chat-member updates, messages from bots.
Out
    * The webhook reply: an HTTP response whose JSON body is a Bot API call
      (``{"method": "sendMessage", "chat_id": ..., "text": ...}``) → ``is_sender_bot: true``.
    * Calls the handler makes to ``api.telegram.org/bot<token>/<method>`` (JSON, form or multipart body,
      or query string), for ``sendMessage`` and the media methods (``sendPhoto``, ``sendDocument``, ...;
      the text is the caption or ``"[photo]"``...). **The bot token is in the URL path and is never
      recorded**: only ``chat_id`` and the text leave. ``editMessageText``, ``answerCallbackQuery``,
      ``sendChatAction`` (typing) are not new messages and are not recorded.
    The user's display name for the bot's messages is remembered from the incoming update (per container,
    bounded); when unknown it is the chat id.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl

from ..record import Record, now_ms
from ..webhook import HttpResponse
from .base import Platform, Turn
from ._helpers import BoundedMap, as_dict, guarded, json_object, lower_headers, split_target

PATH = "messages/generic/"
SEND_HOSTS = ("api.telegram.org",)
SECRET_HEADER = "x-telegram-bot-api-secret-token"

UPDATE_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "shipping_query",
    "pre_checkout_query",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "chat_boost",
    "removed_chat_boost",
    "purchased_paid_media",
)
MEDIA_KINDS = (
    "photo",
    "video",
    "audio",
    "voice",
    "document",
    "animation",
    "sticker",
    "video_note",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
    "invoice",
)
# method (lower case) → marker used when there is no text/caption
SEND_METHODS = {
    "sendmessage": "",
    "sendphoto": "[photo]",
    "sendvideo": "[video]",
    "sendaudio": "[audio]",
    "sendvoice": "[voice]",
    "senddocument": "[document]",
    "sendanimation": "[animation]",
    "sendsticker": "[sticker]",
    "sendvideonote": "[video_note]",
    "sendlocation": "[location]",
    "sendvenue": "[venue]",
    "sendcontact": "[contact]",
    "sendpoll": "[poll]",
    "senddice": "[dice]",
    "sendmediagroup": "[media]",
}
_BOT_PATH = re.compile(r"^/bot[^/]+/([A-Za-z]+)/?$")


def is_update(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    update_id = body.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return False
    return any(isinstance(body.get(kind), dict) for kind in UPDATE_KINDS)


def _name(user: Dict[str, Any]) -> str:
    parts = [p for p in (user.get("first_name"), user.get("last_name")) if isinstance(p, str) and p]
    if parts:
        return " ".join(parts)
    username = user.get("username")
    if isinstance(username, str) and username:
        return "@" + username
    return _id(user.get("id")) or ""


def _id(value: Any) -> Optional[str]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value:
        return value
    return None


def message_text(message: Dict[str, Any]) -> str:
    for key in ("text", "caption"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    for kind in MEDIA_KINDS:
        if kind in message:
            return f"[{kind}]"
    return ""


def _generic(is_bot: bool, user_id: str, name: str, text: str, timestamp: int) -> Dict[str, Any]:
    return {
        "is_sender_bot": is_bot,
        "user": {"id": user_id, "name": name or user_id},
        "message": {"timestamp": timestamp, "text": text},
    }


def _timestamp(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**11:
        return value * 1000
    return now_ms()


class Telegram(Platform):
    identifier = "telegram"
    send_hosts = SEND_HOSTS

    def __init__(self) -> None:
        self.names = BoundedMap(10_000)

    def _update(self, turn: Turn) -> Optional[Dict[str, Any]]:
        if turn.http is None:
            event = turn.event
            return event if is_update(event) else None  # a direct invocation (e.g. through a queue bridge)
        body = json_object(turn.http)
        return body if is_update(body) else None

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return self._update(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        update = self._update(turn)
        if update is None:
            return []
        body = self.user_message(update)
        return [Record(PATH, body, request_id=turn.request_id)] if body is not None else []

    def user_message(self, update: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        message = update.get("message")
        if isinstance(message, dict):
            sender = as_dict(message.get("from"))
            user_id = _id(sender.get("id"))
            if user_id is None or sender.get("is_bot") is True:
                return None
            name = _name(sender)
            self._remember(message.get("chat"), name)
            return _generic(False, user_id, name, message_text(message), _timestamp(message.get("date")))
        query = update.get("callback_query")
        if isinstance(query, dict):
            sender = as_dict(query.get("from"))
            user_id = _id(sender.get("id"))
            data = query.get("data") if isinstance(query.get("data"), str) else query.get("game_short_name")
            if user_id is None or not isinstance(data, str):
                return None
            name = _name(sender)
            self._remember(as_dict(query.get("message")).get("chat"), name)
            return _generic(False, user_id, name, data, now_ms())
        return None

    def _remember(self, chat: Any, name: str) -> None:
        chat_id = _id(as_dict(chat).get("id"))
        if chat_id and name:
            self.names.put(chat_id, name)

    def _bot_message(self, method: str, params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        marker = SEND_METHODS.get(method.lower())
        if marker is None:
            return None
        chat_id = _id(params.get("chat_id"))
        if chat_id is None:
            return None
        text = ""
        for key in ("text", "caption"):
            value = params.get(key)
            if isinstance(value, str) and value:
                text = value
                break
        if not text:
            text = marker
        if not text:
            return None
        name = self.names.get(chat_id) or chat_id
        return _generic(True, chat_id, name, text, now_ms())

    @guarded(list)
    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        if self._update(turn) is None:
            return []
        data: Any = http_response.json() if http_response is not None else None
        if data is None and turn.http is None:
            data = response
        if not isinstance(data, dict) or not isinstance(data.get("method"), str):
            return []
        body = self._bot_message(data["method"], data)
        return [Record(PATH, body, request_id=turn.request_id)] if body is not None else []

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """A Bot API send call → the bot's message. The token (in ``path``) is never recorded."""
        if not isinstance(host, str) or host.lower().split(":")[0].rstrip(".") not in SEND_HOSTS:
            return []
        route, query = split_target(path)
        match = _BOT_PATH.match(route)
        if match is None:
            return []
        params: Dict[str, Any] = dict(query)
        params.update(_params(body, lower_headers(headers)))
        message = self._bot_message(match.group(1), params)
        return [Record(PATH, message)] if message is not None else []


def _params(body: Any, headers: Dict[str, str]) -> Dict[str, Any]:
    if not isinstance(body, (bytes, bytearray)) or not body:
        return {}
    raw = bytes(body)
    ctype = headers.get("content-type", "")
    base = ctype.split(";")[0].strip().lower()
    try:
        if base == "multipart/form-data":
            return _multipart_fields(raw, ctype)
        text = raw.decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return {}
    if base == "application/json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(text, keep_blank_values=True))


def _multipart_fields(raw: bytes, ctype: str) -> Dict[str, Any]:
    """The text fields of a multipart/form-data body (files are skipped)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: Dict[str, Any] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and len(payload) <= 64 * 1024:
            try:
                fields[name] = payload.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return fields


PLATFORM = Telegram()

__all__ = ["PATH", "PLATFORM", "SECRET_HEADER", "Telegram", "is_update", "message_text"]

"""Amazon Lex V1 and V2 code hooks: event + response → one flat record to ``messages/amazon-lex/``.

The body is the Node SDK's flat shape (the only official client for Lex), key order included::

    {"user_id", "user_content", "bot_content", "user_request_type", "bot_response_type",
     "request": {"id", "attributes", "state", "bot_name", "intent_resolved_name",
                 "intent_applied_name", "intent_confirmation_status"}}

Missing values are ``""`` (``user_id``: None). ``request.id`` is the Lambda request id.

* **Lex V1** uses the Node SDK's mapping, byte for byte, except that a response card without a message
  gives its card titles as ``bot_content`` instead of throwing.
* **Lex V2** is mapped to the same fields by meaning (the Node SDK reads V1 names and loses them):
  ``user_id`` = ``sessionId``; ``user_request_type`` from ``inputMode``; ``bot_content`` = the response's
  ``messages`` joined by newlines (a card contributes its title); ``state`` = the response intent's
  ``state``, else its ``dialogAction.type``; resolved intent and confirmation from the event's
  ``sessionState.intent``, the applied intent from the response's.

Everything is known only after the handler, so ``incoming`` is empty.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from ..record import Record
from ..webhook import HttpResponse
from .base import Platform, Turn

PATH = "messages/amazon-lex/"
V1 = "v1"
V2 = "v2"


def version_of(event: Any) -> Optional[str]:
    """``"v1"`` or ``"v2"`` for a Lex code-hook event, else None."""
    if not isinstance(event, dict) or event.get("messageVersion") != "1.0":
        return None
    bot = event.get("bot")
    if not isinstance(bot, dict):
        return None
    if (
        isinstance(event.get("sessionState"), dict)
        and isinstance(event.get("sessionId"), str)
        and isinstance(event.get("interpretations"), list)
        and "id" in bot
        and "localeId" in bot
    ):
        return V2
    if isinstance(event.get("currentIntent"), dict) and "userId" in event and "inputTranscript" in event:
        return V1
    return None


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _attributes(event: Dict[str, Any]) -> Dict[str, Any]:
    attributes = event.get("requestAttributes")
    return attributes if isinstance(attributes, dict) else {}


def _request_id(turn: Turn) -> str:
    if isinstance(turn.request_id, str):
        return turn.request_id
    return _text(getattr(turn.context, "aws_request_id", None))


def _v1_body(event: Dict[str, Any], response: Dict[str, Any], request_id: str) -> Dict[str, Any]:
    action = _get(response, "dialogAction")
    message = _get(action, "message")
    card = _get(action, "responseCard")
    if message:
        bot_content = _text(_get(message, "content"))
    elif card:
        attachments = _get(card, "genericAttachments")
        titles = [_text(a.get("title")) for a in attachments if isinstance(a, dict)] if isinstance(
            attachments, list
        ) else []
        bot_content = ",".join(titles)
    else:
        bot_content = ""
    if _get(card, "contentType") == "application/vnd.amazonaws.card.generic":
        bot_response_type = "card"
    else:
        content_type = _get(message, "contentType")
        bot_response_type = "SSML" if content_type == "SSML" else "text"
    user_id = event.get("userId")
    return {
        "user_id": user_id if isinstance(user_id, str) else None,
        "user_content": _text(event.get("inputTranscript")),
        "bot_content": bot_content,
        "user_request_type": "text" if event.get("outputDialogMode") == "Text" else "voice",
        "bot_response_type": bot_response_type,
        "request": {
            "id": request_id,
            "attributes": _attributes(event),
            "state": _text(_get(action, "fulfillmentState")),
            "bot_name": _text(_get(event, "bot", "name")),
            "intent_resolved_name": _text(_get(event, "currentIntent", "name")),
            "intent_applied_name": _text(_get(action, "intentName")),
            "intent_confirmation_status": _text(_get(event, "currentIntent", "confirmationStatus")),
        },
    }


def _v2_messages(response: Dict[str, Any]) -> List[Dict[str, Any]]:
    messages = response.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _v2_body(event: Dict[str, Any], response: Dict[str, Any], request_id: str) -> Dict[str, Any]:
    contents: List[str] = []
    types: Set[Any] = set()
    for message in _v2_messages(response):
        content_type = message.get("contentType")
        types.add(content_type)
        if content_type == "ImageResponseCard":
            text = _text(_get(message, "imageResponseCard", "title"))
        else:
            text = _text(message.get("content"))
        if text:
            contents.append(text)
    if "ImageResponseCard" in types:
        bot_response_type = "card"
    elif "SSML" in types:
        bot_response_type = "SSML"
    else:
        bot_response_type = "text"
    input_mode = event.get("inputMode")
    state = _text(_get(response, "sessionState", "intent", "state"))
    if not state:
        state = _text(_get(response, "sessionState", "dialogAction", "type"))
    session_id = event.get("sessionId")
    return {
        "user_id": session_id if isinstance(session_id, str) else None,
        "user_content": _text(event.get("inputTranscript")),
        "bot_content": "\n".join(contents),
        "user_request_type": "voice" if input_mode in ("Speech", "DTMF") else "text",
        "bot_response_type": bot_response_type,
        "request": {
            "id": request_id,
            "attributes": _attributes(event),
            "state": state,
            "bot_name": _text(_get(event, "bot", "name")),
            "intent_resolved_name": _text(_get(event, "sessionState", "intent", "name")),
            "intent_applied_name": _text(_get(response, "sessionState", "intent", "name")),
            "intent_confirmation_status": _text(_get(event, "sessionState", "intent", "confirmationState")),
        },
    }


class Lex(Platform):
    identifier = "lex"

    def detect(self, turn: Turn) -> bool:
        return turn.http is None and version_of(turn.event) is not None

    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        try:
            version = version_of(turn.event)
            if version is None or not isinstance(response, dict):
                return []
            build = _v2_body if version == V2 else _v1_body
            body = build(turn.event, response, _request_id(turn))
            return [Record(PATH, body, request_id=turn.request_id)]
        except Exception:  # noqa: BLE001 - a platform never raises (base.Platform)
            return []


PLATFORM = Lex()

"""IBM Watson Assistant V1 and V2 message payloads → ``watson-assistant/messages/``.

The API takes a Watson Assistant message *response* as it is ("We're accepting both IBM Watson Assistant
V1 and V2 message payloads directly"), with an integer-millisecond ``timestamp`` added and, where known,
``user_id``.

In (the function receives a Watson message response — one record, before the handler runs)
    * directly as the Lambda event (the bot, or a Step Functions / EventBridge bridge, forwards what
      ``/message`` returned), or as the JSON body of an HTTP request (any AWS envelope);
    * wrapped as ``{"payload": <response>}``: Watson Assistant's *post-message* webhook, which calls a
      URL (here a Function URL / API Gateway) with every message response. The webhook's reply (the
      payload, possibly modified) is not recorded again.
    Recognised (conservatively: a Watson response has several distinctive parts together):
    * **V1**: ``input`` (object), ``intents`` and ``entities`` (lists), ``output`` (object) and
      ``context`` (object with ``conversation_id``);
    * **V2**: ``output`` (object) with a ``generic`` list and also ``intents``/``entities`` lists or a
      ``context.global`` object (``context`` comes with ``return_context`` or stateless sessions).
    A *pre-message* webhook payload (``input`` and ``context`` only, no ``output``) is a request, not a
    turn: not claimed. Neither is an NLU result a user passes as ``nlu_payload`` on another platform.
Body
    The payload, copied, plus ``timestamp`` = now in ms (kept when it is already an integer) and
    ``user_id`` (kept when present; else V2 ``context.global.system.user_id``, V1
    ``context.metadata.user_id``, V1 ``context.system.user_id``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..record import Record, now_ms
from .base import Platform, Turn
from ._helpers import as_dict, guarded, json_object

PATH = "watson-assistant/messages/"


def is_v1(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("input"), dict)
        and isinstance(body.get("intents"), list)
        and isinstance(body.get("entities"), list)
        and isinstance(body.get("output"), dict)
        and isinstance(body.get("context"), dict)
        and isinstance(body["context"].get("conversation_id"), str)
    )


def is_v2(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    output = body.get("output")
    if not isinstance(output, dict) or not isinstance(output.get("generic"), list):
        return False
    if isinstance(output.get("intents"), list) and isinstance(output.get("entities"), list):
        return True
    return isinstance(as_dict(body.get("context")).get("global"), dict)


def is_watson(body: Any) -> bool:
    return is_v1(body) or is_v2(body)


def _payload_of(turn: Turn) -> Optional[Dict[str, Any]]:
    candidate: Any = json_object(turn.http) if turn.http is not None else turn.event
    if not isinstance(candidate, dict):
        return None
    if is_watson(candidate):
        return candidate
    inner = candidate.get("payload")
    if len(candidate) <= 3 and is_watson(inner):  # the post-message webhook: {"payload": ...}
        return inner
    return None


def user_id_of(payload: Dict[str, Any]) -> Optional[str]:
    for value in (
        payload.get("user_id"),
        as_dict(as_dict(as_dict(payload.get("context")).get("global")).get("system")).get("user_id"),
        as_dict(as_dict(payload.get("context")).get("metadata")).get("user_id"),
        as_dict(as_dict(payload.get("context")).get("system")).get("user_id"),
    ):
        if isinstance(value, str) and value:
            return value
    return None


def body_for(payload: Dict[str, Any]) -> Dict[str, Any]:
    body = dict(payload)
    stamp = body.get("timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        body["timestamp"] = now_ms()
    user_id = user_id_of(payload)
    if user_id is not None:
        body["user_id"] = user_id
    return body


class Watson(Platform):
    identifier = "watson"

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _payload_of(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        payload = _payload_of(turn)
        if payload is None:
            return []
        return [Record(PATH, body_for(payload), request_id=turn.request_id)]


PLATFORM = Watson()

__all__ = ["PATH", "PLATFORM", "Watson", "body_for", "is_v1", "is_v2", "is_watson", "user_id_of"]

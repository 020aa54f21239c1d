"""The two bots under test, with no analytics at all: an Alexa skill and a generic web-chat webhook.

Each returns the sample event's response (``events/<platform>/<case>.json``), rebuilt per call from
JSON as a real handler builds its reply, with the turn's tag (see ``bench.events``) copied from the
user's text into the bot's text so that every stored record can be traced back to its turn.

The template comes from the ``BENCH_TEMPLATE`` environment variable (JSON ``{"app", "event",
"response"}``), so the same module works in-process and inside the local Lambda runtime.
"""
from __future__ import annotations

import base64
import json
import os
import re
import time
from typing import Any, Dict, Optional, Tuple

_TEMPLATE: Dict[str, Any] = json.loads(os.environ.get("BENCH_TEMPLATE") or "{}")
_RESPONSE_JSON = json.dumps(_TEMPLATE.get("response"))
TAG_RE = re.compile(r"\[(b\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.\d+)\]")


def alexa(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    request = event.get("request") or {}
    intent = (request.get("intent") or {}).get("name", "")
    response = json.loads(_RESPONSE_JSON)
    if intent:
        response.setdefault("sessionAttributes", {})["lastIntent"] = intent
    return response


def webchat_message(event: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    """The chat message inside the AWS envelope, and its text."""
    body = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    message = json.loads(body)
    return message, find_text(message) or ""


def webchat(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    _, text = webchat_message(event)
    match = TAG_RE.search(text)
    response = json.loads(_RESPONSE_JSON)
    if match:
        set_texts(response, lambda s: f"{s} [{match.group(1)}]")
    return response


def find_text(value: Any) -> Optional[str]:
    """The first string under a ``text`` key (the user's words in any web-chat body shape)."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            return value["text"]
        for item in value.values():
            found = find_text(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = find_text(item)
            if found is not None:
                return found
    return None


def set_texts(value: Any, change: Any) -> None:
    """Apply ``change`` to every string under a ``text`` key, also inside a JSON-encoded ``body``."""
    if isinstance(value, dict):
        for key, item in list(value.items()):
            if key == "text" and isinstance(item, str):
                value[key] = change(item)
            elif key == "body" and isinstance(item, str):
                try:
                    inner = json.loads(item)
                except ValueError:
                    continue
                set_texts(inner, change)
                value[key] = json.dumps(inner)
            else:
                set_texts(item, change)
    elif isinstance(value, list):
        for item in value:
            set_texts(item, change)


def now_ms() -> int:
    return int(time.time() * 1000)


BOTS = {"alexa": alexa, "webchat": webchat}

"""Google RCS Business Messaging (RBM) → ``messages/rbm/``, shaped as the official Java SDK sends it.

The reference documents only the Java SDK (``BotanalyticsRBMClient``); its bodies are:

* ``logMessage(HttpServletRequest)`` — the webhook's JSON root as received, with the base64
  ``message.data`` also decoded into ``message.data_decoded``::

      {"message": {"data": "<base64>", "messageId": "...", "publishTime": "...",
                   "data_decoded": {"senderPhoneNumber": "+1650...", "messageId": "...", "sendTime": "...",
                                    "agentId": "...", "text": "hi"}},
       "subscription": "projects/.../subscriptions/..."}

* ``logMessage(AgentMessage)`` — the AgentMessage the API returned for ``phones.agentMessages.create``::

      {"name": "phones/+1650.../agentMessages/<messageId>", "sendTime": "<RFC 3339>",
       "contentMessage": {"text": "hello", "suggestions": [...]}}

* ``logImageMessage / logVideoMessage / logAudioMessage / logFileMessage(AgentMessage, fileUrl)`` — the
  same with ``contentMessage.type`` (``image`` / ``video`` / ``audio`` / ``file``) and
  ``contentMessage.fileUrl`` added. (The Java SDK spells the audio type ``"auido"``, a typo; we send
  ``"audio"``.)

In
    The agent webhook / Pub/Sub push body ``{"message": {"data": <base64 JSON>, ...}, "subscription"}``,
    or the already-decoded user message posted as it is (``senderPhoneNumber`` + ``messageId`` +
    ``agentId``), which is recorded in the first shape (``data`` and ``data_decoded`` filled in). User
    messages are recorded: ``text``, ``userFile``, ``suggestionResponse``, ``location``. Not recorded:
    delivery/read/typing events (``eventType``), the webhook verification call (``clientToken`` /
    ``secret``), anything undecodable.
Out
    ``sent()`` recognises ``POST https://[region-]rcsbusinessmessaging.googleapis.com/v1/phones/{msisdn}/
    agentMessages?messageId=...`` (the body is the AgentMessage: ``contentMessage`` with ``text``,
    ``contentInfo.fileUrl``, ``uploadedRbmFile`` or ``richCard``) and records the AgentMessage as above,
    ``name`` built from the path and ``messageId``, ``sendTime`` = now. A ``contentInfo.fileUrl`` message
    gets ``type`` and ``fileUrl``; the type comes from the file's extension (``.jpg`` → image, ``.mp4`` →
    video, ``.mp3`` → audio, ...), or from an explicit ``mimeType`` if one is present, else ``file``.
    An ``uploadedRbmFile`` (a file already uploaded, no URL) gets type ``file`` and no URL. Agent
    events (``/agentEvents``: read receipts, typing), revocations (``DELETE``), capability checks and
    file uploads are not messages and are not recorded. The OAuth bearer token is never looked at.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from typing import Any, Dict, List, Optional
from urllib.parse import unquote, urlsplit

from ..record import Record
from .base import Platform, Turn
from ._helpers import as_dict, guarded, json_object, lower_headers, split_target

PATH = "messages/rbm/"
SEND_HOSTS = (
    "rcsbusinessmessaging.googleapis.com",
    "us-rcsbusinessmessaging.googleapis.com",
    "europe-rcsbusinessmessaging.googleapis.com",
    "asia-rcsbusinessmessaging.googleapis.com",
)
_SEND_PATH = re.compile(r"^/v1/phones/([^/]+)/agentMessages/?$")

USER_CONTENT = ("text", "userFile", "suggestionResponse", "location")

_EXTENSIONS = {
    "image": ("jpg", "jpeg", "png", "gif", "webp", "bmp", "heic", "heif", "tif", "tiff", "svg"),
    "video": ("mp4", "m4v", "mov", "3gp", "3g2", "webm", "mpeg", "mpg", "avi", "mkv", "h263", "h264"),
    "audio": ("mp3", "m4a", "aac", "amr", "ogg", "oga", "opus", "wav", "flac", "3ga"),
}


def media_type(url: Any, mime: Any = None) -> str:
    """``image`` / ``video`` / ``audio`` / ``file`` for a file URL (and optional MIME type)."""
    if isinstance(mime, str) and "/" in mime:
        major = mime.split("/", 1)[0].strip().lower()
        if major in _EXTENSIONS:
            return major
    if isinstance(url, str):
        try:
            path = urlsplit(url).path
        except ValueError:
            path = ""
        ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        for kind, exts in _EXTENSIONS.items():
            if ext in exts:
                return kind
    return "file"


def is_user_message(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("senderPhoneNumber"), str)
        and isinstance(data.get("messageId"), str)
        and "eventType" not in data
        and any(key in data for key in USER_CONTENT)
    )


def _decode(data: Any) -> Any:
    if not isinstance(data, str) or not data or len(data) > 2 * 1024 * 1024:
        return None
    try:
        raw = base64.b64decode(
            data + "=" * (-len(data) % 4), altchars=b"-_" if ("-" in data or "_" in data) else None
        )
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None


def _webhook_body(turn: Turn) -> Optional[Dict[str, Any]]:
    body = json_object(turn.http) if turn.http is not None else None
    if body is None:
        return None
    message = body.get("message")
    if isinstance(message, dict) and isinstance(message.get("data"), str):
        return body
    if is_user_message(body):
        return body
    if isinstance(body.get("clientToken"), str) and isinstance(body.get("secret"), str) and len(body) <= 3:
        return body  # the webhook verification call: ours, not recorded
    return None


def _rfc3339_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


class RBM(Platform):
    identifier = "rbm"
    send_hosts = SEND_HOSTS

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        body = _webhook_body(turn)
        if body is None:
            return False
        message = body.get("message")
        if isinstance(message, dict) and "data" in message:
            # a Pub/Sub push is claimed only when its data is RBM traffic
            decoded = _decode(message.get("data"))
            return isinstance(decoded, dict) and (
                isinstance(decoded.get("senderPhoneNumber"), str) and isinstance(decoded.get("agentId"), str)
            )
        return True

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        body = _webhook_body(turn)
        if body is None:
            return []
        message = body.get("message")
        if isinstance(message, dict) and "data" in message:
            decoded = _decode(message.get("data"))
            if not is_user_message(decoded):
                return []
            record = dict(body)
            record["message"] = {**message, "data_decoded": decoded}
            return [Record(PATH, record, request_id=turn.request_id)]
        if is_user_message(body):
            encoded = base64.b64encode(json.dumps(body, separators=(",", ":")).encode("utf-8")).decode(
                "ascii"
            )
            record = {"message": {"data": encoded, "messageId": body["messageId"], "data_decoded": body}}
            return [Record(PATH, record, request_id=turn.request_id)]
        return []

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """``phones.agentMessages.create`` → the AgentMessage record."""
        if not isinstance(host, str) or host.lower().split(":")[0].rstrip(".") not in SEND_HOSTS:
            return []
        if lower_headers(headers).get(":method", "POST").upper() != "POST":
            return []
        route, query = split_target(path)
        match = _SEND_PATH.match(route)
        if match is None or not isinstance(body, (bytes, bytearray)) or not body:
            return []
        try:
            message = json.loads(bytes(body).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return []
        content = as_dict(message).get("contentMessage") if isinstance(message, dict) else None
        if not isinstance(content, dict):
            return []
        msisdn = unquote(match.group(1))
        message_id = query.get("messageId", "")
        content = dict(content)
        info = content.get("contentInfo")
        if isinstance(info, dict) and isinstance(info.get("fileUrl"), str):
            content["type"] = media_type(info["fileUrl"], info.get("mimeType"))
            content["fileUrl"] = info["fileUrl"]
        elif isinstance(content.get("uploadedRbmFile"), dict):
            content["type"] = "file"
        record: Dict[str, Any] = {
            "name": f"phones/{msisdn}/agentMessages/{message_id}"
            if message_id
            else f"phones/{msisdn}/agentMessages",
            "sendTime": _rfc3339_now(),
        }
        for key, value in message.items():
            if key not in ("name", "sendTime", "contentMessage"):
                record[key] = value
        record["contentMessage"] = content
        return [Record(PATH, record)]


PLATFORM = RBM()

__all__ = ["PATH", "PLATFORM", "RBM", "is_user_message", "media_type"]

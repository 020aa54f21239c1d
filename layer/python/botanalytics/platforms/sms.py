"""SMS bots (other than Twilio, which has its own module and path) → ``messages/generic/``.

The reference sends SMS through the generic endpoint: ``{"is_sender_bot", "user": {"id", "name"},
"message": {"timestamp", "text"}}``; ``user.id`` (and ``name``) is the end user's phone number.

In (one record before the handler)
    * **AWS End User Messaging SMS / Amazon Pinpoint two-way SMS**, delivered through SNS: an SNS event
      whose ``Message`` is ``{"originationNumber", "destinationNumber", "messageBody", "inboundMessageId",
      ...}``. Other SNS messages are not claimed.
    * **Vonage (Nexmo)** inbound SMS webhook, JSON or query/form: ``msisdn``, ``to``, ``messageId``,
      ``text`` (the optional ``api-key`` is never recorded: only number and text leave).
    * **Telnyx** ``{"data": {"event_type": "message.received", "payload": {"from": {"phone_number"},
      "text", "type": "SMS"}}}``.
    * **Sinch** ``{"type": "mo_text", "from", "to", "body", "received_at"}``.
Out
    ``sent()`` on the send APIs the handler calls (credentials in headers, query or body are never
    recorded): AWS ``sms-voice.<region>.amazonaws.com`` ``SendTextMessage``,
    ``pinpoint.<region>.amazonaws.com``
    ``/v1/apps/{id}/messages`` (SMS channel), ``sns.<region>.amazonaws.com`` ``Publish`` with
    ``PhoneNumber``; Vonage ``rest.nexmo.com/sms/json``; Telnyx ``api.telnyx.com/v2/messages``; Sinch
    ``*.sms.api.sinch.com/xms/v1/{plan}/batches``. The AWS hosts are those of the function's region
    (``AWS_REGION``).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

from ..record import Record, now_ms
from .base import Platform, Turn
from ._helpers import as_dict, as_list, guarded, lower_headers, split_target

PATH = "messages/generic/"


def _aws_hosts() -> Tuple[str, ...]:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    region = region if re.fullmatch(r"[a-z0-9-]{4,30}", region) else "us-east-1"
    return (
        f"sms-voice.{region}.amazonaws.com",
        f"pinpoint.{region}.amazonaws.com",
        f"sns.{region}.amazonaws.com",
    )


AWS_HOSTS = _aws_hosts()
SEND_HOSTS = AWS_HOSTS + ("rest.nexmo.com", "api.telnyx.com", ".sms.api.sinch.com")


def _generic(is_bot: bool, number: str, text: str, timestamp: Optional[int] = None) -> Dict[str, Any]:
    return {
        "is_sender_bot": is_bot,
        "user": {"id": number, "name": number},
        "message": {"timestamp": timestamp if timestamp is not None else now_ms(), "text": text},
    }


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


# ------------------------------------------------------------------------------------- incoming


def _sns_inbound(event: Any) -> Optional[List[Dict[str, Any]]]:
    if not isinstance(event, dict):
        return None
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        return None
    out = []
    for record in records[:100]:
        record = as_dict(record)
        if record.get("EventSource") != "aws:sns":
            return None
        try:
            message = json.loads(as_dict(record.get("Sns")).get("Message") or "")
        except (TypeError, ValueError, RecursionError):
            return None
        number, text = _str(as_dict(message).get("originationNumber")), as_dict(message).get("messageBody")
        if number is None or not isinstance(text, str) or "destinationNumber" not in message:
            return None
        out.append(_generic(False, number, text))
    return out


def _http_inbound(turn: Turn) -> Optional[List[Dict[str, Any]]]:
    http = turn.http
    if http is None:
        return None
    data: Any = http.json()
    if data is None:
        data = dict(http.query)
        data.update(http.form() if "=" in (http.text() or "") else {})
    if not isinstance(data, dict):
        return None
    # Vonage
    if (
        _str(data.get("msisdn"))
        and _str(data.get("messageId"))
        and isinstance(data.get("text"), str)
        and "to" in data
    ):
        return [_generic(False, data["msisdn"], data["text"])]
    # Telnyx
    inner = as_dict(data.get("data"))
    if inner.get("event_type") == "message.received":
        payload = as_dict(inner.get("payload"))
        number = _str(as_dict(payload.get("from")).get("phone_number"))
        if number and isinstance(payload.get("text"), str):
            return [_generic(False, number, payload["text"])]
        return []
    # Sinch
    if data.get("type") == "mo_text" and _str(data.get("from")) and isinstance(data.get("body"), str):
        return [_generic(False, data["from"], data["body"])]
    return None


def _inbound(turn: Turn) -> Optional[List[Dict[str, Any]]]:
    found = _sns_inbound(turn.event) if turn.http is None else None
    return found if found is not None else _http_inbound(turn)


# ------------------------------------------------------------------------------------- outgoing


def _body(body: Any, headers: Dict[str, str]) -> Dict[str, Any]:
    if not isinstance(body, (bytes, bytearray)) or not body:
        return {}
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return {}
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(text, keep_blank_values=True))


_AWS_HOST = re.compile(r"^(sms-voice|pinpoint|sns)\.[a-z0-9-]+\.amazonaws\.com$")


def _sent_messages(
    host: str, path: str, data: Dict[str, Any], headers: Dict[str, str]
) -> List[Tuple[str, str]]:
    route, query = split_target(path)
    aws = _AWS_HOST.match(host)
    service = aws.group(1) if aws else ""
    if service == "sms-voice":  # PinpointSMSVoiceV2.SendTextMessage
        if headers.get("x-amz-target", "").endswith(".SendTextMessage"):
            number, text = _str(data.get("DestinationPhoneNumber")), data.get("MessageBody")
            return [(number, text)] if number and isinstance(text, str) else []
        return []
    if service == "pinpoint":  # Pinpoint SendMessages
        if not re.fullmatch(r"/v1/apps/[^/]+/messages", route):
            return []
        request = as_dict(data.get("MessageRequest") or data)
        sms = as_dict(as_dict(request.get("MessageConfiguration")).get("SMSMessage"))
        text = sms.get("Body")
        if not isinstance(text, str):
            return []
        return [
            (n, text)
            for n, a in as_dict(request.get("Addresses")).items()
            if isinstance(n, str) and as_dict(a).get("ChannelType", "SMS") == "SMS"
        ]
    if service == "sns":  # SNS Publish to a phone number
        params = dict(query)
        params.update(data)
        number, text = _str(params.get("PhoneNumber")), params.get("Message")
        return (
            [(number, text)] if params.get("Action") == "Publish" and number and isinstance(text, str) else []
        )
    if host == "rest.nexmo.com":
        if route.rstrip("/") != "/sms/json":
            return []
        params = dict(query)
        params.update(data)
        number, text = _str(params.get("to")), params.get("text")
        return [(number, text)] if number and isinstance(text, str) else []
    if host == "api.telnyx.com":
        number, text = _str(data.get("to")), data.get("text")
        return (
            [(number, text)]
            if route.rstrip("/") == "/v2/messages" and number and isinstance(text, str)
            else []
        )
    if host.endswith(".sms.api.sinch.com"):
        text = data.get("body")
        if not re.fullmatch(r"/xms/v1/[^/]+/batches/?", route) or not isinstance(text, str):
            return []
        return [(n, text) for n in as_list(data.get("to")) if isinstance(n, str) and n]
    return []


class SMS(Platform):
    identifier = "sms"
    send_hosts = SEND_HOSTS

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _inbound(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        return [Record(PATH, body, request_id=turn.request_id) for body in _inbound(turn) or []]

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        if not isinstance(host, str):
            return []
        host = host.lower().split(":")[0].rstrip(".")
        if host not in SEND_HOSTS[:-1] and not host.endswith(SEND_HOSTS[-1]) and not _AWS_HOST.match(host):
            return []
        lowered = lower_headers(headers)
        if lowered.get(":method", "POST").upper() != "POST":
            return []
        pairs = _sent_messages(host, path if isinstance(path, str) else "", _body(body, lowered), lowered)
        return [Record(PATH, _generic(True, number, text)) for number, text in pairs[:100]]


PLATFORM = SMS()

__all__ = ["PATH", "PLATFORM", "SMS"]

"""Twilio Programmable Messaging (SMS, MMS, WhatsApp through Twilio): webhook in, TwiML or REST out.

In
    The form-encoded inbound message webhook (``MessageSid``, ``AccountSid``, ``From``, ``To``, ``Body``
    all present) → ``twilio/sms/messages/`` ``{"is_sender_bot": false, "message": {<every form field>}}``.
    Status callbacks (``MessageStatus`` without ``Body``) are recognised and not recorded: they report
    delivery of a message already recorded when it was sent. The ``X-Twilio-Signature`` header is never
    recorded (headers never are).
Out
    * The TwiML reply in the webhook's HTTP response, ``<Response><Message>…</Message></Response>``
      (text or ``<Body>``/``<Media>`` children, one record per ``<Message>``) →
      ``{"is_sender_bot": true, "message": {"Body", "To": <the user>, "From": <the bot's number>,
      "AccountSid", "MediaUrl0"…}}``; ``to``/``from`` attributes win over the webhook's numbers.
      Parsed with a size cap and no DOCTYPE/entities.
    * :meth:`sent`: ``POST api.twilio.com/2010-04-01/Accounts/<sid>/Messages.json`` (the REST API; what
      ``twilio-python`` sends) → the same shape from the form fields ``To``, ``From`` or
      ``MessagingServiceSid``, ``Body``, ``MediaUrl``. The Basic auth header (account SID + auth token)
      is never read.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl

from ..record import Record
from ..webhook import HttpResponse
from .base import Platform, Turn
from ._helpers import body_bytes, guarded, host_matches, is_post, lower_headers, parse_xml, reply_document, split_target

MESSAGES_PATH = "twilio/sms/messages/"
SEND_HOSTS = ("api.twilio.com",)
_SEND_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9A-Za-z]{1,64})/Messages\.json$")
REQUIRED = ("MessageSid", "AccountSid", "From", "To", "Body")
_OUTBOUND_STATUSES = frozenset(
    {"accepted", "queued", "sending", "sent", "failed", "delivered", "undelivered", "read", "canceled",
     "scheduled", "partially_delivered"}
)
MAX_MEDIA = 10


def _webhook_form(turn: Turn) -> Optional[Dict[str, str]]:
    http = turn.http
    if http is None or http.method != "POST":
        return None
    if http.content_type not in ("application/x-www-form-urlencoded", ""):
        return None
    form = http.form()
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    account = form.get("AccountSid", "")
    if not (sid.startswith(("SM", "MM")) and account.startswith("AC")):
        return None
    return form


class Twilio(Platform):
    identifier = "twilio"
    send_hosts = SEND_HOSTS

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _webhook_form(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        form = _webhook_form(turn)
        if form is None or any(name not in form for name in REQUIRED):
            return []
        if form.get("MessageStatus", "").lower() in _OUTBOUND_STATUSES:
            return []
        return [Record(MESSAGES_PATH, {"is_sender_bot": False, "message": dict(form)},
                       request_id=turn.request_id)]

    @guarded(list)
    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        form = _webhook_form(turn)
        if form is None or any(name not in form for name in REQUIRED):
            return []
        document = reply_document(response, http_response)
        if document is None:
            return []
        root = parse_xml(document)
        if root is None or root.tag != "Response":
            return []
        records = []
        for element in root.iter("Message"):
            message = _twiml_message(element, user=form.get("From", ""), bot=form.get("To", ""))
            if message is None:
                continue
            if form.get("AccountSid"):
                message["AccountSid"] = form["AccountSid"]
            records.append(Record(MESSAGES_PATH, {"is_sender_bot": True, "message": message},
                                  request_id=turn.request_id))
        return records

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it sends a message through the
        Twilio REST API."""
        if not host_matches(host, *SEND_HOSTS) or not is_post(lower_headers(headers)):
            return []
        route, _query = split_target(path)
        match = _SEND_PATH.match(route)
        raw = body_bytes(body)
        if match is None or raw is None:
            return []
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return []
        fields: Dict[str, str] = {}
        media: List[str] = []
        for key, value in pairs:
            if key == "MediaUrl":
                media.append(value)
            elif key in ("To", "From", "MessagingServiceSid", "Body"):
                fields[key] = value
        if not fields.get("To") or not (fields.get("Body") or media):
            return []
        message: Dict[str, Any] = {"Body": fields.get("Body", ""), "To": fields["To"]}
        for key in ("From", "MessagingServiceSid"):
            if key in fields:
                message[key] = fields[key]
        message["AccountSid"] = match.group(1)
        _add_media(message, media)
        return [Record(MESSAGES_PATH, {"is_sender_bot": True, "message": message})]


def _add_media(message: Dict[str, Any], media: List[str]) -> None:
    media = [m for m in media if m][:MAX_MEDIA]
    if media:
        message["NumMedia"] = str(len(media))
        for i, url in enumerate(media):
            message[f"MediaUrl{i}"] = url


def _twiml_message(element: Any, user: str, bot: str) -> Optional[Dict[str, Any]]:
    bodies = [child.text or "" for child in element if child.tag == "Body"]
    media = [(child.text or "").strip() for child in element if child.tag == "Media"]
    text = "".join(bodies) if bodies else (element.text or "")
    text = text.strip()
    if not text and not any(media):
        return None
    message: Dict[str, Any] = {
        "Body": text,
        "To": element.get("to") or user,
        "From": element.get("from") or bot,
    }
    _add_media(message, media)
    return message


PLATFORM = Twilio()

__all__ = ["PLATFORM", "Twilio"]

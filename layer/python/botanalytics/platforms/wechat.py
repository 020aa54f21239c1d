"""WeChat Official Accounts: XML messages in, the passive XML reply and customer-service messages out,
user profiles.

In
    ``POST`` ``<xml><ToUserName/><FromUserName/><CreateTime/><MsgType/>…</xml>`` (plaintext mode) →
    ``messages/wechat/`` ``{"is_sender_bot": false, "message": {<the XML fields, text values>}}``; events
    (``MsgType`` ``event``: subscribe, CLICK, …) are user actions and are recorded the same way. Not
    recorded: the ``GET`` server check (``signature``, ``timestamp``, ``nonce``, ``echostr``), and
    messages in safe (encrypted) mode, ``<Encrypt>``, which only the bot's ``EncodingAESKey`` can open
    (the layer holds no such key). The XML is parsed with a 64 KiB cap, and any DOCTYPE or ENTITY
    declaration is refused.
Out
    * The passive reply in the webhook's HTTP response (an ``<xml>`` with ``MsgType``; ``success`` or an
      empty body mean "no reply") → ``{"is_sender_bot": true, "message": {<its fields>}}``.
    * :meth:`sent`: ``POST api.weixin.qq.com/cgi-bin/message/custom/send`` (JSON ``touser``,
      ``msgtype``, …) → ``{"is_sender_bot": true, "message": <the JSON, CreateTime added>}``. The
      ``access_token`` (in the query string) is never read.
Explicit
    :func:`profile_record` → ``wechat/users/`` (``openid`` required).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional

from ..record import Record
from ..webhook import HttpResponse
from .base import Platform, Turn
from ._helpers import (
    reply_document,
    element_to_dict,
    guarded,
    nonempty_str,
    parse_json_or_form,
    parse_xml,
    posted_to,
)

logger = logging.getLogger("botanalytics")

MESSAGES_PATH = "messages/wechat/"
USERS_PATH = "wechat/users/"
SEND_HOSTS = ("api.weixin.qq.com",)
SEND_PATH = "/cgi-bin/message/custom/send"
_SECRET_KEYS = ("access_token",)


def _xml_message(data: Any) -> Optional[Dict[str, Any]]:
    root = parse_xml(data)
    if root is None or root.tag != "xml":
        return None
    fields = element_to_dict(root)
    if not all(isinstance(fields.get(k), str) for k in ("ToUserName", "FromUserName")):
        return None
    if "MsgType" in fields or "Encrypt" in fields:
        return fields
    return None


def _is_server_check(turn: Turn) -> bool:
    http = turn.http
    return (
        http is not None
        and http.method == "GET"
        and all(k in http.query for k in ("signature", "timestamp", "nonce", "echostr"))
    )


class WeChat(Platform):
    identifier = "wechat"
    send_hosts = SEND_HOSTS

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        http = turn.http
        if http is None:
            return False
        if _is_server_check(turn):
            return True
        return http.method == "POST" and _xml_message(http.body) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        http = turn.http
        if http is None or http.method != "POST":
            return []
        fields = _xml_message(http.body)
        if fields is None or "Encrypt" in fields or not isinstance(fields.get("MsgType"), str):
            return []
        return [Record(MESSAGES_PATH, {"is_sender_bot": False, "message": fields}, request_id=turn.request_id)]

    @guarded(list)
    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        http = turn.http
        if http is None or http.method != "POST" or _xml_message(http.body) is None:
            return []
        document = reply_document(response, http_response)
        if document is None:
            return []
        fields = _xml_message(document)
        if fields is None or "Encrypt" in fields or not isinstance(fields.get("MsgType"), str):
            return []
        return [Record(MESSAGES_PATH, {"is_sender_bot": True, "message": fields}, request_id=turn.request_id)]

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it is a customer-service message."""
        call = posted_to(host, path, body, headers, SEND_HOSTS)
        if call is None or call[0] != SEND_PATH:
            return []
        data = parse_json_or_form(call[2], call[1])
        if data is None or not nonempty_str(data.get("touser")) or not nonempty_str(data.get("msgtype")):
            return []
        message = {k: v for k, v in data.items() if k not in _SECRET_KEYS}
        message.setdefault("CreateTime", int(time.time()))
        return [Record(MESSAGES_PATH, {"is_sender_bot": True, "message": message})]


def profile_record(profile: Any) -> Optional[Record]:
    """``wechat/users/`` for a profile as ``cgi-bin/user/info`` returns it (``openid`` required).
    None, with a warning, without an ``openid``."""
    if not isinstance(profile, dict) or not nonempty_str(profile.get("openid")):
        logger.warning("botanalytics: WeChat user profile not recorded: it needs an openid")
        return None
    return Record(USERS_PATH, {k: v for k, v in profile.items() if k not in _SECRET_KEYS})


PLATFORM = WeChat()

__all__ = ["PLATFORM", "WeChat", "profile_record"]

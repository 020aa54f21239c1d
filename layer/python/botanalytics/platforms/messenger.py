"""Facebook Messenger: the page webhook in, Send API calls out, user profiles and livechat settings.

In
    A ``POST`` webhook ``{"object": "page", "entry": [...]}`` whose entries carry ``messaging`` →
    ``messages/facebook-messenger/`` ``{"recipient": null, "timestamp": <now ms>, "message": <the whole
    webhook body>}``, as the official SDKs send it. The ``GET`` subscription check (``hub.mode=subscribe``)
    and webhooks without ``messaging`` (feed, changes) are recognised but not recorded.
Out
    Messenger replies leave through the Send API, never in the webhook's HTTP response. :meth:`sent`
    recognises ``POST graph.facebook.com/vX.Y/me/messages`` (JSON or form body) and returns
    ``{"recipient": <PSID>, "timestamp": <now ms>, "message": <the Send API message object>}``.
    Unlike the official SDK there is **no** ``fb_token`` key: the page access token (``access_token=`` in
    the query or the body) is never recorded. Sender actions (typing indicators) are not messages and are
    not recorded.
Explicit
    :func:`profile_record` (``facebook-messenger/users/``) and :func:`livechat_settings_record`
    (``PATCH bots/me/``, the one place the page token is sent, on purpose, for live person takeover).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional

from ..record import Record, now_ms
from .base import Platform, Turn
from ._helpers import (
    as_dict,
    as_list,
    guarded,
    json_object,
    maybe_json,
    nonempty_str,
    parse_json_or_form,
    posted_to,
)

logger = logging.getLogger("botanalytics")

MESSAGES_PATH = "messages/facebook-messenger/"
USERS_PATH = "facebook-messenger/users/"
LIVECHAT_PATH = "bots/me/"

SEND_HOSTS = ("graph.facebook.com",)
# /v19.0/me/messages, /me/messages, /v19.0/<page id>/messages
_SEND_PATH = re.compile(r"^/(?:v\d+(?:\.\d+)?/)?(?:me|\d+)/messages/?$")

#: Keys never copied from a user-supplied dict into a record.
_SECRET_KEYS = ("access_token", "fb_token", "appsecret_proof")


def sender_ids(body: Any) -> List[str]:
    """The PSIDs of the users who wrote in a Messenger webhook body (echoes of the page's own messages
    and the page itself excluded), in order, without duplicates."""
    out: List[str] = []
    for entry in as_list(as_dict(body).get("entry")):
        entry = as_dict(entry)
        page_id = entry.get("id")
        for item in as_list(entry.get("messaging")) + as_list(entry.get("standby")):
            item = as_dict(item)
            if as_dict(item.get("message")).get("is_echo"):
                continue
            psid = as_dict(item.get("sender")).get("id")
            if isinstance(psid, int) and not isinstance(psid, bool):
                psid = str(psid)
            if isinstance(psid, str) and psid and psid != page_id and psid not in out:
                out.append(psid)
    return out


def _is_page_webhook(body: Optional[Dict[str, Any]]) -> bool:
    return body is not None and body.get("object") == "page" and isinstance(body.get("entry"), list)


def _has_messaging(body: Dict[str, Any]) -> bool:
    return any(
        as_list(as_dict(entry).get("messaging")) or as_list(as_dict(entry).get("standby"))
        for entry in as_list(body.get("entry"))
    )


class Messenger(Platform):
    identifier = "messenger"
    send_hosts = SEND_HOSTS

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        http = turn.http
        if http is None:
            return False
        if http.method == "GET":
            return http.query.get("hub.mode") == "subscribe" and "hub.challenge" in http.query
        return _is_page_webhook(json_object(http))

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        http = turn.http
        if http is None or http.method != "POST":
            return []
        body = json_object(http)
        if body is None or not _is_page_webhook(body) or not _has_messaging(body):
            return []
        return [
            Record(
                MESSAGES_PATH,
                {"recipient": None, "timestamp": now_ms(), "message": body},
                request_id=turn.request_id,
            )
        ]

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it is a Send API message."""
        call = posted_to(host, path, body, headers, SEND_HOSTS)
        if call is None or not _SEND_PATH.match(call[0]):
            return []
        route, headers, raw = call
        data = parse_json_or_form(raw, headers)
        if data is None:
            return []
        recipient = as_dict(maybe_json(data.get("recipient")))
        message = maybe_json(data.get("message"))
        psid = recipient.get("id", recipient.get("user_ref"))
        if isinstance(psid, int) and not isinstance(psid, bool):
            psid = str(psid)
        if not isinstance(message, dict) or not nonempty_str(psid):
            return []  # sender actions, malformed calls
        message = {k: v for k, v in message.items() if k not in _SECRET_KEYS}
        return [Record(MESSAGES_PATH, {"recipient": psid, "timestamp": now_ms(), "message": message})]


def profile_record(profile: Any) -> Optional[Record]:
    """``facebook-messenger/users/`` for a user profile (as the Graph API's User Profile API returns it,
    where the PSID is ``id``; it is sent as ``user_id``). None, with a warning, when there is no PSID."""
    try:
        if not isinstance(profile, dict):
            raise ValueError("profile must be a dict")
        body = {k: v for k, v in profile.items() if k not in _SECRET_KEYS}
        if not nonempty_str(body.get("user_id")):
            user_id = body.pop("id", None)
            if isinstance(user_id, int) and not isinstance(user_id, bool):
                user_id = str(user_id)
            if not nonempty_str(user_id):
                raise ValueError("profile needs user_id (the page-scoped id)")
            body = {"user_id": user_id, **body}
        return Record(USERS_PATH, body)
    except Exception as exc:
        logger.warning("botanalytics: Messenger user profile not recorded: %s", exc)
        return None


def livechat_settings_record(platform_token: Any, webhook_url: Any) -> Optional[Record]:
    """``PATCH bots/me/`` with the page token and the pause webhook's URL, so that Botanalytics' live
    chat can pause the bot (see :mod:`botanalytics.pause`). None, with a warning, on a missing value;
    the token is never put in the log line."""
    if not nonempty_str(platform_token) or not nonempty_str(webhook_url):
        logger.warning("botanalytics: livechat settings need a platform_token and a webhook_url")
        return None
    if not str(webhook_url).lower().startswith(("https://", "http://")):
        logger.warning("botanalytics: livechat webhook_url must be an http(s) URL")
        return None
    return Record(
        LIVECHAT_PATH, {"platform_token": platform_token, "webhook_url": webhook_url}, method="PATCH"
    )


PLATFORM = Messenger()

__all__ = ["PLATFORM", "Messenger", "livechat_settings_record", "profile_record", "sender_ids"]

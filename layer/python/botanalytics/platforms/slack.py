"""Slack: the Events API and interactive payloads in, ``chat.postMessage`` out, RTM and initialize builders.

In
    * Events API ``{"type": "event_callback", ...}`` → ``messages/slack/event/`` with the payload as Slack
      sent it, less its top-level ``token`` (Slack's legacy verification token: a shared secret that would
      let anyone forge requests to the bot; the official SDK sent it, we do not).
    * Interactive payloads (form-encoded ``payload=<json>``; ``block_actions``, ``interactive_message``,
      ``message_action``, ``shortcut``, ``view_submission``, ``dialog_submission``) →
      ``messages/slack/interactive/`` with the parsed payload, also less ``token``.
    * Not recorded: ``url_verification`` (the bot answers the challenge, see :func:`challenge_response`),
      ``app_rate_limited``, any delivery carrying ``X-Slack-Retry-Num`` (a retry of an event already
      recorded on its first delivery), ``block_suggestion`` / ``view_closed`` (menus loading, not
      conversation).
Out
    Slack replies leave through the Web API. :meth:`sent` recognises ``POST slack.com/api/chat.postMessage``
    (JSON or form body) and records it on ``messages/slack/event/`` shaped like the ``event_callback`` Slack
    would deliver for that message (``event.type = "message"``, ``subtype = "bot_message"``, ``channel``,
    ``text``, ``blocks``/``attachments``/``thread_ts`` when given, ``ts`` = now in seconds with a
    millisecond fraction), with ``team_id``/``api_app_id`` and the bot's user id taken from the last event
    this container received, when known. The bot token (``Authorization: Bearer xoxb-…`` or ``token=``) is
    never read into a record. If the app also subscribes to its own ``message`` events, Slack echoes the
    bot's message back and it is recorded a second time as an incoming event (Slack's own behaviour).
Explicit
    :func:`rtm_message_record` (``messages/slack/``) and :func:`initialize_record`
    (``bots/slack/initialize/``).
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

from ..record import Record
from .base import Platform, Turn
from ._helpers import (
    BoundedMap,
    as_dict,
    as_list,
    guarded,
    json_object,
    maybe_json,
    nonempty_str,
    parse_json_or_form,
    posted_to,
    proxy_response,
    read_http,
)

EVENT_PATH = "messages/slack/event/"
INTERACTIVE_PATH = "messages/slack/interactive/"
RTM_PATH = "messages/slack/"
INITIALIZE_PATH = "bots/slack/initialize/"

SEND_HOSTS = ("slack.com", "www.slack.com")
POST_MESSAGE = "/api/chat.postMessage"

# tuples, not sets: a hostile payload's "type" may be unhashable (a list), and ``in`` must not raise
EVENTS_API_TYPES = ("event_callback", "url_verification", "app_rate_limited")
INTERACTIVE_RECORDED = ("block_actions", "interactive_message", "message_action", "shortcut", "view_submission",
                        "dialog_submission")
INTERACTIVE_TYPES = INTERACTIVE_RECORDED + ("block_suggestion", "view_closed", "dialog_cancellation")

# what the outgoing message carries over into the event it is recorded as
_MESSAGE_FIELDS = ("text", "blocks", "attachments", "thread_ts", "username", "icon_emoji", "icon_url",
                   "mrkdwn", "metadata", "reply_broadcast")
_SECRET_KEYS = ("token",)


def _without_secrets(payload: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in _SECRET_KEYS}


def _seconds_ts(ms: Optional[int] = None) -> str:
    """Slack's ``ts``: seconds as a string with a millisecond fraction, e.g. ``"1704110400.123"``."""
    ms = int(time.time() * 1000) if ms is None else ms
    return f"{ms // 1000}.{ms % 1000:03d}"


def _interactive_payload(turn: Turn) -> Optional[Dict[str, Any]]:
    http = turn.http
    if http is None or http.content_type != "application/x-www-form-urlencoded":
        return None
    raw = http.form().get("payload")
    if not raw:
        return None
    data = maybe_json(raw)
    return data if isinstance(data, dict) else None


class Slack(Platform):
    identifier = "slack"
    send_hosts = SEND_HOSTS

    def __init__(self) -> None:
        # team_id → {"team_id", "api_app_id", "bot_user_id"}; "" → the last team seen
        self._teams = BoundedMap(64)

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        http = turn.http
        if http is None or http.method != "POST":
            return False
        body = json_object(http)
        if body is not None:
            return body.get("type") in EVENTS_API_TYPES and (
                "x-slack-signature" in http.headers
                or "api_app_id" in body
                or "team_id" in body
                or ("challenge" in body and "token" in body)
            )
        payload = _interactive_payload(turn)
        return payload is not None and payload.get("type") in INTERACTIVE_TYPES

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        http = turn.http
        if http is None or http.method != "POST" or "x-slack-retry-num" in http.headers:
            return []
        body = json_object(http)
        if body is not None:
            if body.get("type") != "event_callback":
                return []
            self._remember(body)
            return [Record(EVENT_PATH, _without_secrets(body), request_id=turn.request_id)]
        payload = _interactive_payload(turn)
        if payload is None or payload.get("type") not in INTERACTIVE_RECORDED:
            return []
        self._remember(payload)
        return [Record(INTERACTIVE_PATH, _without_secrets(payload), request_id=turn.request_id)]

    def _remember(self, body: Dict[str, Any]) -> None:
        team = nonempty_str(body.get("team_id")) or nonempty_str(as_dict(body.get("team")).get("id"))
        if not team:
            return
        known = dict(as_dict(self._teams.get(team)))
        known["team_id"] = team
        if nonempty_str(body.get("api_app_id")):
            known["api_app_id"] = body["api_app_id"]
        for auth in as_list(body.get("authorizations")):
            auth = as_dict(auth)
            if auth.get("is_bot") and nonempty_str(auth.get("user_id")):
                known["bot_user_id"] = auth["user_id"]
                break
        self._teams.put(team, known)
        self._teams.put("", known)

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """Records for one outgoing HTTP call the handler made, when it is ``chat.postMessage``."""
        call = posted_to(host, path, body, headers, SEND_HOSTS)
        if call is None or call[0] != POST_MESSAGE:
            return []
        data = parse_json_or_form(call[2], call[1])
        if data is None or not nonempty_str(data.get("channel")):
            return []
        now = int(time.time() * 1000)
        event: Dict[str, Any] = {"type": "message", "subtype": "bot_message", "channel": data["channel"]}
        for name in _MESSAGE_FIELDS:
            if name in data:
                event[name] = maybe_json(data[name])
        if not any(name in event for name in ("text", "blocks", "attachments")):
            return []
        team = as_dict(self._teams.get(""))
        if team.get("bot_user_id"):
            event["user"] = team["bot_user_id"]
        event["ts"] = _seconds_ts(now)
        event["event_ts"] = event["ts"]
        payload: Dict[str, Any] = {}
        for name in ("team_id", "api_app_id"):
            if team.get(name):
                payload[name] = team[name]
        payload.update({"type": "event_callback", "event": event, "event_time": now // 1000})
        return [Record(EVENT_PATH, payload)]


def challenge_response(event: Any) -> Optional[Dict[str, Any]]:
    """The answer to Slack's ``url_verification`` for this Lambda event, or None when it is not one.

    Example::

        def handler(event, context):
            answer = botanalytics.platforms.slack.challenge_response(event)
            if answer:
                return answer
    """
    try:
        http = read_http(event)
        body = json_object(http)
        if body is None or body.get("type") != "url_verification":
            return None
        challenge = body.get("challenge")
        if not isinstance(challenge, str):
            return None
        return proxy_response(200, json.dumps({"challenge": challenge}), "application/json")
    except Exception:
        return None


def rtm_message_record(
    message: Any,
    is_bot: bool = False,
    team: Any = None,
    user: Any = None,
    channel: Any = None,
    ts: Any = None,
) -> Optional[Record]:
    """``messages/slack/``: an RTM message plus ``is_bot``, ``team``, ``user``, ``channel`` and ``ts``
    (seconds as a string; from the message when it has one, else now). None when ``message`` is not a dict."""
    if not isinstance(message, dict):
        return None
    body = _without_secrets(message)
    body.setdefault("type", "message")
    body["is_bot"] = bool(is_bot)
    body["team"] = team if team is not None else message.get("team")
    body["user"] = user if user is not None else message.get("user")
    body["channel"] = channel if channel is not None else message.get("channel")
    stamp = ts if ts is not None else message.get("ts")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        stamp = _seconds_ts(int(stamp * 1000))
    body["ts"] = stamp if isinstance(stamp, str) and stamp else _seconds_ts()
    return Record(RTM_PATH, body)


_INIT_OBJECTS = ("self", "team")
_INIT_LISTS = ("users", "channels", "groups", "mpims", "ims", "bots")


def initialize_record(rtm_start: Any) -> Optional[Record]:
    """``bots/slack/initialize/`` from an ``rtm.start`` (or ``rtm.connect`` + lists) result: exactly the
    eight fields the reference names. The WebSocket ``url`` (which embeds a session secret) and
    everything else is left out. None when ``rtm_start`` is not a dict."""
    if not isinstance(rtm_start, dict):
        return None
    body: Dict[str, Any] = {}
    for name in _INIT_OBJECTS:
        body[name] = as_dict(rtm_start.get(name))
    for name in _INIT_LISTS:
        body[name] = as_list(rtm_start.get(name))
    return Record(INITIALIZE_PATH, body)


PLATFORM = Slack()

__all__ = ["PLATFORM", "Slack", "challenge_response", "initialize_record", "rtm_message_record"]

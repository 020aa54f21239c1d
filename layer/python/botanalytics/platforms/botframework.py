"""Microsoft Bot Framework: activities on the bot's messaging endpoint, and the bot's replies.

In
    The Bot Connector posts an ``Activity`` to the bot's messaging endpoint (``/api/messages``):
    ``type``, ``channelId`` (``msteams``, ``skype``, ``telegram``, ``cortana``, ``groupme``, ``bing``,
    ``webchat``, ``directline``, ``slack``, ``facebook``, ``emulator``, ...), ``serviceUrl``,
    ``conversation``, ``from``, ``recipient``. → ``microsoft-bot-framework/messages/`` the raw activity,
    as Node 2.5.3 sends it (no direction flag: ``from``/``recipient`` tell it). Every activity type is
    recorded (``message``, ``conversationUpdate``, ``invoke``, ...), like the Node middleware. The
    activity's ``serviceUrl`` host is added to the hosts whose calls are observed (see Out).
Out
    Replies are not in the HTTP response: the bot POSTs them to ``<serviceUrl>/v3/conversations/{id}/
    activities[/{replyToId}]``. :meth:`sent` recognises those calls on the ``serviceUrl`` hosts seen in
    incoming activities and on the Bot Connector hosts (``*.botframework.com``,
    ``smba.trafficmanager.net`` and its regional ``*.trafficmanager.net`` names,
    ``*.botframework.azure.us``) and records the outgoing activity as sent (the ``Authorization: Bearer``
    header is never looked at). Updates (``PUT``) and deletes are not new messages and are not recorded;
    ``/v3/conversations`` (create), ``.../activities/history`` and ``.../attachments`` are not activities.
    The HTTP response itself is recorded only for ``deliveryMode: "expectReplies"`` turns, whose replies
    come back in the response body (``{"activities": [...]}``).
LUIS
    ``nlu_payload = {"type": "luis", ...luisResult}`` is attached to the *user's* activity, as the Node
    SDK's ``useLuisRecognizer`` does. The recognizer runs inside the handler, after the incoming activity
    would normally have been sent, so this is opt-in: call :func:`use_luis` once at init (module level);
    from then on the incoming activity is held until the handler returns, and whatever the handler passed to
    :func:`attach_luis` (a LUIS v2 result, a v3 ``prediction`` response, or a botbuilder
    ``RecognizerResult`` with ``properties["luisResult"]``) is attached to it. Without ``use_luis`` the
    activity is sent in parallel with the handler and carries no LUIS result. (The wrapper must call
    ``outgoing`` even when the handler raised, or the held activity is lost for that turn.)
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from ..record import Record
from ..webhook import HttpResponse
from .base import Platform, Turn
from ._helpers import as_dict, as_list, guarded, json_object, lower_headers

PATH = "microsoft-bot-framework/messages/"

SEND_HOSTS = (
    ".botframework.com",
    "smba.trafficmanager.net",
    ".trafficmanager.net",
    ".botframework.azure.us",
)
_KNOWN_SUFFIXES = tuple(h for h in SEND_HOSTS if h.startswith("."))
_KNOWN_EXACT = frozenset(h for h in SEND_HOSTS if not h.startswith("."))

# <prefix>/v3/conversations/{conversationId}/activities[/{activityId}]  (ids are URL-encoded)
_SEND_PATH = re.compile(r"^(?:/[^?]*)?/v3/conversations/([^/?]+)/activities(?:/([^/?]+))?/?(?:\?.*)?$")

_MAX_SERVICE_HOSTS = 64


def is_activity(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("type"), str)
        and bool(body.get("type"))
        and isinstance(body.get("channelId"), str)
        and isinstance(body.get("serviceUrl"), str)
        and body["serviceUrl"].startswith(("https://", "http://"))
        and isinstance(body.get("conversation"), dict)
        and isinstance(body.get("from"), dict)
    )


def _activity_of(turn: Turn) -> Optional[Dict[str, Any]]:
    body = json_object(turn.http) if turn.http is not None else None
    return body if is_activity(body) else None


def luis_payload(result: Any) -> Optional[Dict[str, Any]]:
    """``{"type": "luis", ...}`` from a LUIS result in any of the shapes the SDKs hand out, or None."""
    if result is None:
        return None
    if not isinstance(result, dict):
        for name in ("as_dict", "serialize"):  # msrest models (botbuilder-ai LuisResult)
            method = getattr(result, name, None)
            if callable(method):
                try:
                    result = method()
                    break
                except Exception:
                    continue
        else:
            props = getattr(result, "properties", None)  # botbuilder RecognizerResult
            if isinstance(props, dict) and props.get("luisResult") is not None:
                return luis_payload(props.get("luisResult"))
            return None
    if not isinstance(result, dict):
        return None
    props = result.get("properties")
    if isinstance(props, dict) and isinstance(props.get("luisResult"), dict):
        result = props["luisResult"]
    elif isinstance(result.get("luisResult"), dict):
        result = result["luisResult"]
    try:
        from . import nlu

        built = nlu.build(nlu.LUIS, result)
        if isinstance(built, dict):
            return built
    except Exception:
        pass
    return {"type": "luis", **{k: v for k, v in result.items() if k != "type"}}


class BotFramework(Platform):
    identifier = "botframework"
    send_hosts = SEND_HOSTS

    def __init__(self) -> None:
        self.defer_for_luis = False
        self._luis: Optional[Dict[str, Any]] = None
        self._service_hosts: "Dict[str, None]" = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------ detection

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _activity_of(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        activity = _activity_of(turn)
        if activity is None:
            return []
        self._watch_service_url(activity.get("serviceUrl"))
        self._luis = None
        if self.defer_for_luis:
            return []
        return [Record(PATH, activity, request_id=turn.request_id)]

    @guarded(list)
    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        activity = _activity_of(turn)
        if activity is None:
            return []
        records: List[Record] = []
        if self.defer_for_luis:
            body = dict(activity)
            luis, self._luis = self._luis, None
            if luis is not None:
                body["nlu_payload"] = luis
            records.append(Record(PATH, body, request_id=turn.request_id))
        if activity.get("deliveryMode") == "expectReplies" and http_response is not None:
            for reply in as_list(as_dict(http_response.json()).get("activities")):
                if isinstance(reply, dict) and isinstance(reply.get("type"), str):
                    records.append(Record(PATH, reply, request_id=turn.request_id))
        return records

    # ----------------------------------------------------------------------------- send API

    def _watch_service_url(self, url: Any) -> None:
        if not isinstance(url, str):
            return
        try:
            host = (urlsplit(url).hostname or "").lower().rstrip(".")
        except ValueError:
            return
        if not host or host in self._service_hosts:
            return
        with self._lock:
            if len(self._service_hosts) >= _MAX_SERVICE_HOSTS:
                self._service_hosts.pop(next(iter(self._service_hosts)))
            self._service_hosts[host] = None
        try:
            from .. import outgoing

            outgoing.add_hosts([host])
        except Exception:
            pass

    def is_send_host(self, host: Any) -> bool:
        if not isinstance(host, str):
            return False
        name = host.lower().rstrip(".")
        if ":" in name and not name.startswith("["):
            name = name.rsplit(":", 1)[0]
        return name in _KNOWN_EXACT or name.endswith(_KNOWN_SUFFIXES) or name in self._service_hosts

    @guarded(list)
    def sent(self, host: str, path: str, body: bytes, headers: Dict[str, Any]) -> List[Record]:
        """The outgoing activity, when this call is a Bot Connector send/reply."""
        if not self.is_send_host(host) or not isinstance(path, str):
            return []
        if lower_headers(headers).get(":method", "POST").upper() != "POST":
            return []
        match = _SEND_PATH.match(path)
        if match is None or match.group(2) in ("history",):
            return []
        if not isinstance(body, (bytes, bytearray)) or not body:
            return []
        try:
            activity = json.loads(bytes(body).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return []
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            return []
        return [Record(PATH, activity)]


PLATFORM = BotFramework()


def use_luis(enabled: bool = True) -> None:
    """Hold the incoming activity until the handler returns so that :func:`attach_luis` can add its
    LUIS result (call once, at init)."""
    PLATFORM.defer_for_luis = bool(enabled)


def attach_luis(result: Any) -> None:
    """Attach ``result`` (a LUIS result) as ``nlu_payload`` to this turn's incoming activity. Never raises."""
    try:
        PLATFORM._luis = luis_payload(result)
    except Exception:
        PLATFORM._luis = None


__all__ = ["PATH", "PLATFORM", "BotFramework", "attach_luis", "is_activity", "luis_payload", "use_luis"]

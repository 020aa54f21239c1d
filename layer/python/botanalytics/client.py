"""``Botanalytics``: the client object for what a decorator cannot see.

Explicit messages (``log``), user profiles (``/platform/users/``) and anything else the API accepts,
delivered by the same background dispatcher (same queue, retries, spool and budget) as ``@track``.
"""
from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

from ._log import ERROR, WARNING, get_logger
from .config import Config
from .dispatcher import Dispatcher, for_config
from .guard import count, guarded, log_once
from .record import Record, now_ms
from .retry import Deadline

logger = get_logger("botanalytics")

#: Where each platform's messages go (paths relative to the API base URL).
MESSAGE_PATHS: Dict[str, str] = {
    "generic": "messages/generic/",
    "alexa": "messages/amazon-alexa/",
    "lex": "messages/amazon-lex/",
    "messenger": "messages/facebook-messenger/",
    "slack": "messages/slack/",
    "google": "messages/google-assistant/",
    "rbm": "messages/rbm/",
    "botframework": "microsoft-bot-framework/messages/",
    "twilio": "twilio/sms/messages/",
    "line": "messages/line/",
    "viber": "messages/viber/",
    "kik": "messages/kik/",
    "wechat": "messages/wechat/",
    "watson": "watson-assistant/messages/",
    "rasa": "rasa/messages/",
}

#: Where each platform's user profiles go; "platform" is the all-platforms endpoint.
USER_PATHS: Dict[str, str] = {
    "platform": "platform/users/",
    "messenger": "facebook-messenger/users/",
    "line": "line/users/",
    "viber": "viber/users/",
    "kik": "kik/users/",
    "wechat": "wechat/users/",
}


class Botanalytics:
    """Example::

        ba = Botanalytics()                       # token etc. from BOTANALYTICS_* variables
        ba.log({"is_sender_bot": True, "user": {"id": "u1"}, "message": {"text": "Hi!"}})
        ba.user_profile({"user_id": "u1", "first_name": "Ada", "custom": [{"plan": "pro"}]})
        ba.flush(2.0)

    Methods return True when the record was queued; they never raise for bad input or API trouble
    (they log and count instead).
    """

    def __init__(self, **options: Any) -> None:
        self.config = Config.from_env(**options)
        self._dispatcher: Optional[Dispatcher] = None
        if not self.config.enabled:
            return
        if not self.config.has_token_source:
            log_once("no-token", WARNING, "botanalytics: no token (set BOTANALYTICS_TOKEN); sending is disabled")
            return
        self._dispatcher = for_config(self.config)
        self._dispatcher.start()

    def send(self, path: str, body: Any, method: str = "POST", request_id: Optional[str] = None) -> bool:
        """Queue any request the API accepts (``path`` relative to the API base URL)."""
        if self._dispatcher is None:
            return False
        with guarded("client send"):
            return self._dispatcher.submit([Record(path=path, body=body, method=method, request_id=request_id)]) > 0
        return False

    def log(self, message: Mapping[str, Any], platform: str = "generic", request_id: Optional[str] = None) -> bool:
        """Log one message in the shape the API documents for ``platform`` (``generic`` by default).

        For ``generic``, ``user.name`` defaults to the user id and ``message.timestamp`` to now (integer
        milliseconds), as the official SDKs require.
        """
        path = MESSAGE_PATHS.get(platform)
        if path is None:
            log_once(f"unknown-platform:{platform}", ERROR, "botanalytics: unknown platform %r", platform)
            count("rejected_locally")
            return False
        body: Any = dict(message)
        if platform == "generic":
            body = _complete_generic(body)
            if body is None:
                count("rejected_locally")
                logger.error("botanalytics: a generic message needs is_sender_bot, user.id and message.text")
                return False
        return self.send(path, body, request_id=request_id)

    def user_profile(self, profile: Mapping[str, Any], platform: str = "platform") -> bool:
        """Send a user profile: ``id`` (or ``user_id``) is the only required field; ``custom`` is a list of
        objects; repeated ``email``/``phone``/``language`` entries are sent as separate calls."""
        path = USER_PATHS.get(platform)
        user_id = profile.get("id", profile.get("user_id")) if isinstance(profile, Mapping) else None
        if path is None or user_id in (None, ""):
            count("rejected_locally")
            logger.error("botanalytics: a user profile needs an id (or user_id) and a known platform")
            return False
        base = {k: v for k, v in profile.items() if k not in _MULTI_VALUED}
        base.setdefault("user_id", str(user_id))
        if "id" not in base and platform == "platform":
            base["id"] = str(user_id)
        custom = base.get("custom")
        if isinstance(custom, Mapping):
            base["custom"] = [{k: v} for k, v in custom.items()]
        ok = self.send(path, dict(base, **_first_values(profile)))
        for extra in _extra_values(profile):  # the API keeps additional entries when sent separately
            ok = self.send(path, {"id": base.get("id", str(user_id)), "user_id": str(user_id), **extra}) and ok
        return ok

    def livechat_settings(self, platform_token: str, webhook_url: str) -> bool:
        """Facebook Messenger live chat: ``PATCH bots/me`` with the page token and the pause webhook URL."""
        return self.send("bots/me", {"platform_token": platform_token, "webhook_url": webhook_url}, method="PATCH")

    def flush(self, timeout: float = 2.0) -> bool:
        """Block until everything queued is delivered or ``timeout`` seconds pass. Never raises."""
        if self._dispatcher is None:
            return True
        with guarded("client flush"):
            return self._dispatcher.flush(timeout)
        return False


_MULTI_VALUED = ("email", "phone", "language")


def _first_values(profile: Mapping[str, Any]) -> Dict[str, Any]:
    out = {}
    for key in _MULTI_VALUED:
        value = profile.get(key)
        if isinstance(value, (list, tuple)):
            if value:
                out[key] = value[0]
        elif value is not None:
            out[key] = value
    return out


def _extra_values(profile: Mapping[str, Any]):  # type: ignore[no-untyped-def]
    for key in _MULTI_VALUED:
        value = profile.get(key)
        if isinstance(value, (list, tuple)):
            for extra in value[1:]:
                yield {key: extra}


def _complete_generic(body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    user = body.get("user")
    message = body.get("message")
    if not isinstance(body.get("is_sender_bot"), bool) or not isinstance(user, Mapping) or not isinstance(message, Mapping):
        return None
    if user.get("id") in (None, ""):
        return None
    user = dict(user)
    user["id"] = str(user["id"])
    user.setdefault("name", user["id"])
    message = dict(message)
    timestamp = message.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        message["timestamp"] = int(timestamp) if isinstance(timestamp, float) else now_ms()
    body = dict(body, user=user, message=message)
    return body


def flush(timeout: float = 2.0) -> bool:
    """Block until everything queued by any handler or client is delivered, or ``timeout`` seconds pass.

    Returns True when nothing is left pending. Never raises.
    """
    from .dispatcher import all_dispatchers

    deadline = Deadline.after(max(0.0, float(timeout)) if isinstance(timeout, (int, float)) else 0.0)
    ok = True
    for dispatcher in all_dispatchers():
        with guarded("flush"):
            ok = dispatcher.flush(deadline.remaining()) and ok
    return ok

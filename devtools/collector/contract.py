"""The Botanalytics v1 API contract the collector enforces, kept as data: one ``Endpoint`` per path.

Sources: ``seed/botanalytics-api-reference.txt`` (the reference) and ``WIRE-FORMAT.md`` (what the official
SDKs really send). Paths are relative to ``/v1/`` and matched exactly (the trailing slash matters).

A ``Field`` names a value by a dotted path (``"message.timestamp"``) and lists the JSON kinds it may have.
A nested field is checked only when its parent is present and is an object, so ``required=True`` on a
nested field means "required whenever the parent is there" (``nlu_payload.type`` is required only when
``nlu_payload`` is sent). Fields are checked in order and the first failure is the error message.

To add a path: append one ``Endpoint`` to ``ENDPOINTS``, and a valid example body to the collector tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

#: JSON kinds a field may have. "number" also accepts integers; "integer" rejects 1.0 and booleans.
KINDS = ("object", "array", "string", "integer", "number", "boolean", "null")

NLU_TYPES = ("luis", "rasa", "watson_assistant")


def json_kind(value: Any) -> str:
    """The JSON kind of a value decoded by ``json.loads``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__  # not reachable for json.loads output


_MISSING = object()


@dataclass(frozen=True)
class Field:
    """One value in the body: where it is, which JSON kinds it may have, and optionally which values."""

    path: str
    kinds: Tuple[str, ...]
    required: bool = True
    choices: Optional[Tuple[Any, ...]] = None

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if not self.kinds or unknown:
            raise ValueError("Field %r: bad kinds %r" % (self.path, self.kinds))

    def check(self, body: Dict[str, Any]) -> Optional[str]:
        """Return an error message, or None when the body satisfies this field."""
        value: Any = body
        for part in self.path.split("."):
            if not isinstance(value, dict):
                return None  # the parent is absent or not an object: its own Field reports that
            value = value.get(part, _MISSING)
        if value is _MISSING:
            return "missing required field '%s'" % self.path if self.required else None
        kind = json_kind(value)
        if kind not in self.kinds and not (kind == "integer" and "number" in self.kinds):
            return "field '%s' must be %s, got %s" % (self.path, " or ".join(self.kinds), kind)
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            return "field '%s' must be one of %s" % (self.path, allowed)
        return None


def req(path: str, *kinds: str, choices: Optional[Tuple[Any, ...]] = None) -> Field:
    return Field(path, tuple(kinds), True, choices)


def opt(path: str, *kinds: str, choices: Optional[Tuple[Any, ...]] = None) -> Field:
    return Field(path, tuple(kinds), False, choices)


#: The reference: "nlu_payload parameter is available for all platforms"; an object whose ``type`` is one of
#: luis, rasa, watson_assistant. Added to every message endpoint.
NLU = (opt("nlu_payload", "object"), req("nlu_payload.type", "string", choices=NLU_TYPES))


@dataclass(frozen=True)
class Endpoint:
    """One API path: the methods it accepts and what its JSON object body must contain.

    ``one_of`` lists alternative groups of fields; when it is not empty, at least one group must be
    satisfied entirely (Line: ``events``, or ``to`` + ``timestamp`` + ``messages``).
    """

    path: str
    fields: Tuple[Field, ...] = ()
    methods: Tuple[str, ...] = ("POST",)
    one_of: Tuple[Tuple[Field, ...], ...] = ()
    source: str = ""

    def validate(self, body: Any) -> Optional[str]:
        """Return the first contract violation as a message, or None when the body is acceptable."""
        if not isinstance(body, dict):
            return "the body must be a JSON object, got %s" % json_kind(body)
        for field in self.fields:
            error = field.check(body)
            if error:
                return error
        if self.one_of:
            errors = []
            for group in self.one_of:
                group_errors = [e for e in (f.check(body) for f in group) if e]
                if not group_errors:
                    return None
                errors.append(group_errors[0])
            shapes = " or ".join("{%s}" % ", ".join(f.path for f in g) for g in self.one_of)
            return "the body must contain %s (%s)" % (shapes, "; ".join(errors))
        return None


def _messages(path: str, *fields: Field, source: str = "", methods: Tuple[str, ...] = ("POST",)) -> Endpoint:
    """A message endpoint: its own fields plus the optional ``nlu_payload`` every platform accepts."""
    return Endpoint(path, tuple(fields) + NLU, methods=methods, source=source)


_SLACK_LISTS = ("users", "channels", "groups", "mpims", "ims", "bots")

ENDPOINTS: Tuple[Endpoint, ...] = (
    # --- Amazon --------------------------------------------------------------------------------------
    _messages(
        "messages/amazon-alexa/",
        req("request", "object"),
        req("response", "object"),
        source="reference: Amazon Alexa; WIRE-FORMAT: entire request and response envelopes",
    ),
    _messages(
        "messages/amazon-lex/",
        req("user_id", "string", "null"),
        req("user_content", "string"),
        req("bot_content", "string"),
        req("user_request_type", "string", choices=("text", "voice")),
        req("bot_response_type", "string", choices=("card", "text", "SSML")),
        req("request", "object"),
        req("request.id", "string"),
        opt("request.attributes", "object"),
        source="WIRE-FORMAT: the flat Lex object the Node SDK derives (the reference shows no body)",
    ),
    # --- Generic / web chat / SMS and user profiles ---------------------------------------------------
    _messages(
        "messages/generic/",
        req("is_sender_bot", "boolean"),
        req("user", "object"),
        req("user.id", "string"),
        opt("user.name", "string"),
        req("message", "object"),
        req("message.timestamp", "integer"),
        source="reference: Generic (is_sender_bot, user, message; nlu_payload optional); "
        "WIRE-FORMAT: integer millisecond message.timestamp",
    ),
    Endpoint(
        "platform/users/",
        one_of=((req("id", "string"),), (req("user_id", "string"),)),
        source="reference: User Profile (the text says 'id', the field list says 'user_id')",
    ),
    # --- Facebook Messenger ---------------------------------------------------------------------------
    _messages(
        "messages/facebook-messenger/",
        req("recipient", "string", "null"),
        req("timestamp", "integer"),
        req("message", "object"),
        opt("fb_token", "string", "null"),
        source="reference: Facebook Messenger; WIRE-FORMAT: recipient null for incoming, fb_token",
    ),
    Endpoint(
        "facebook-messenger/users/",
        (req("user_id", "string"),),
        source="reference: Facebook User Profile",
    ),
    Endpoint(
        "bots/me",
        (req("platform_token", "string"), req("webhook_url", "string")),
        methods=("PATCH",),
        source="reference: Facebook Messenger Livechat Settings (curl example, no trailing slash)",
    ),
    Endpoint(
        "bots/me/",
        (req("platform_token", "string"), req("webhook_url", "string")),
        methods=("PATCH",),
        source="reference: Facebook Messenger Livechat Settings (header line, trailing slash)",
    ),
    # --- Slack ----------------------------------------------------------------------------------------
    Endpoint(
        "bots/slack/initialize/",
        (req("self", "object"), req("team", "object")) + tuple(opt(name, "array") for name in _SLACK_LISTS),
        source="reference: Slack Initialize (rtm.start result; the lists are arrays in its example)",
    ),
    _messages(
        "messages/slack/",
        req("type", "string"),
        opt("is_bot", "boolean"),
        source="reference: Slack Rtm Api; WIRE-FORMAT: RTM message plus is_bot, team, user, channel, ts",
    ),
    _messages(
        "messages/slack/event/",
        req("type", "string"),
        req("event", "object"),
        source="reference: Slack Events Api; WIRE-FORMAT: raw event_callback payload",
    ),
    _messages(
        "messages/slack/interactive/",
        req("type", "string"),
        source="reference: Slack Events Api Button Click; WIRE-FORMAT: raw interactive_message payload",
    ),
    # --- Google ---------------------------------------------------------------------------------------
    _messages(
        "messages/google-assistant/",
        req("request", "object"),
        req("response", "object"),
        source="reference: Google Assistant",
    ),
    _messages(
        "messages/google-assistant/dialogflow/",
        req("request", "object"),
        req("response", "object"),
        source="WIRE-FORMAT: Node SDK, Dialogflow pairs (not in the reference)",
    ),
    _messages(
        "messages/rbm/",
        source="reference: Google Rbm (no body documented: any JSON object)",
    ),
    # --- Microsoft, Twilio, Line, Viber, Kik, WeChat --------------------------------------------------
    _messages(
        "microsoft-bot-framework/messages/",
        req("type", "string"),
        source="reference: Microsoft Bot Framework; WIRE-FORMAT: the raw Activity",
    ),
    _messages(
        "twilio/sms/messages/",
        req("is_sender_bot", "boolean"),
        req("message", "object"),
        source="reference: Twilio Sms",
    ),
    Endpoint(
        "messages/line/",
        NLU,
        one_of=(
            (req("events", "array"),),
            (req("to", "string"), req("timestamp", "integer"), req("messages", "array")),
        ),
        source="reference: Line incoming (events) and outgoing (to, timestamp, messages)",
    ),
    Endpoint("line/users/", source="reference: Line User Profile (no field marked required)"),
    _messages(
        "messages/viber/",
        req("message", "object", "string"),
        source="reference: Viber Messages ('message' required; typed string, described as an object)",
    ),
    Endpoint("viber/users/", (req("id", "string"),), source="reference: Viber User Profile"),
    _messages(
        "messages/kik/",
        req("messages", "array"),
        source="reference: Kik Messages; WIRE-FORMAT: one message wrapped in a 'messages' array",
    ),
    Endpoint("kik/users/", source="reference: Kik User Profile (no body documented)"),
    _messages(
        "messages/wechat/",
        req("is_sender_bot", "boolean"),
        req("message", "object"),
        source="reference: WeChat Messages",
    ),
    Endpoint("wechat/users/", (req("openid", "string"),), source="reference: WeChat User Profile"),
    # --- NLU platforms --------------------------------------------------------------------------------
    _messages(
        "watson-assistant/messages/",
        opt("timestamp", "integer"),
        opt("user_id", "string"),
        methods=("POST", "PATCH"),
        source="reference: Watson Assistant (V1 and V2 payloads as they are; its curl says PATCH, "
        "its header line says POST)",
    ),
    _messages(
        "rasa/messages/",
        req("event", "string"),
        source="WIRE-FORMAT: Python SDK sends the raw tracker event (path not in the reference)",
    ),
)

_BY_PATH: Dict[str, Endpoint] = {e.path: e for e in ENDPOINTS}
if len(_BY_PATH) != len(ENDPOINTS):  # pragma: no cover - guards the table itself
    raise RuntimeError("duplicate path in ENDPOINTS")


def find(path: str) -> Optional[Endpoint]:
    """The endpoint for a path relative to ``/v1/`` (``"messages/generic/"``), or None."""
    return _BY_PATH.get(path)

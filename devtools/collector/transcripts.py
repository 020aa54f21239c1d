"""Turn what the collector stored into chat turns, per platform, for the inspector page.

``turns_of(path, body, ctx)`` reads one stored record body (the JSON the layer sent to ``/v1/<path>``) and
returns its ``Turn`` objects: who spoke (the user or the bot), what was said, when, the intent and the
NLU details when the record carries them, and which conversation (user) it belongs to. How the direction
is told apart depends on the platform:

* generic web chat / SMS, Twilio, WeChat: ``is_sender_bot``;
* Alexa, Google Assistant (Actions SDK and Dialogflow), Watson: one record is a request/response pair,
  so one user turn and one bot turn;
* Lex: the flat ``user_content`` / ``bot_content`` shape (one user turn + one bot turn);
* Messenger: ``recipient: null`` is the incoming webhook (one user turn per ``messaging`` item; echoes
  are the page's own messages), a PSID is a Send API reply;
* Bot Framework: ``from`` / ``recipient`` (the bot is the recipient of incoming activities);
* Rasa: the tracker event's ``event`` (``user`` / ``bot`` / ``agent``);
* Slack: a ``bot_message`` subtype, a ``bot_id`` or the app's bot user; the conversation is the channel;
* Kik, LINE, Viber, RBM: the incoming webhook vs the captured API call's shape.

Every value comes from the API side and is untrusted: this module only reads it (never raises on any
input; an unreadable record gives no turns and is shown raw); the page escapes everything it renders.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

USER = "user"
BOT = "bot"

#: path (relative to /v1/) → (platform key, label)
PLATFORMS: Dict[str, Tuple[str, str]] = {
    "messages/amazon-alexa/": ("alexa", "Amazon Alexa"),
    "messages/amazon-lex/": ("lex", "Amazon Lex"),
    "messages/generic/": ("generic", "Generic / web chat / SMS"),
    "platform/users/": ("generic", "Generic / web chat / SMS"),
    "messages/facebook-messenger/": ("messenger", "Facebook Messenger"),
    "facebook-messenger/users/": ("messenger", "Facebook Messenger"),
    "bots/me": ("messenger", "Facebook Messenger"),
    "bots/me/": ("messenger", "Facebook Messenger"),
    "bots/slack/initialize/": ("slack", "Slack"),
    "messages/slack/": ("slack", "Slack"),
    "messages/slack/event/": ("slack", "Slack"),
    "messages/slack/interactive/": ("slack", "Slack"),
    "messages/google-assistant/": ("google", "Google Assistant"),
    "messages/google-assistant/dialogflow/": ("dialogflow", "Dialogflow (Google Assistant)"),
    "messages/rbm/": ("rbm", "Google RBM"),
    "microsoft-bot-framework/messages/": ("botframework", "Microsoft Bot Framework"),
    "twilio/sms/messages/": ("twilio", "Twilio SMS"),
    "messages/line/": ("line", "LINE"),
    "line/users/": ("line", "LINE"),
    "messages/viber/": ("viber", "Viber"),
    "viber/users/": ("viber", "Viber"),
    "messages/kik/": ("kik", "Kik"),
    "kik/users/": ("kik", "Kik"),
    "messages/wechat/": ("wechat", "WeChat"),
    "wechat/users/": ("wechat", "WeChat"),
    "watson-assistant/messages/": ("watson", "Watson Assistant"),
    "rasa/messages/": ("rasa", "Rasa"),
}


def platform_of(path: str) -> Tuple[str, str]:
    return PLATFORMS.get(path, ("other", "Other (" + path + ")"))


@dataclass
class Turn:
    """One message in a transcript. ``text`` None = no text (``kind`` says what it was instead)."""

    direction: str  # USER or BOT
    user_id: str
    text: Optional[str] = None
    kind: Optional[str] = None  # "LaunchRequest", "voice", "postback", ...
    ts_ms: Optional[int] = None
    intent: Optional[str] = None
    confidence: Optional[float] = None
    details: List[Tuple[str, str]] = field(default_factory=list)  # ("slot", "FlowerType=roses"), ...
    user_name: Optional[str] = None
    bot: Optional[str] = None  # a bot / skill / page name or id, when the record tells


# -- small readers that never raise -------------------------------------------------------------------


def g(value: Any, *path: Any) -> Any:
    """``value[p0][p1]...`` through dicts (str keys) and lists (int indices); None when absent."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or not -len(value) <= part < len(value):
                return None
        elif not isinstance(value, dict):
            return None
        value = value[part] if isinstance(part, int) else value.get(part)
    return value


def s(value: Any) -> Optional[str]:
    """A non-empty string, or a number as text; else None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def d(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def lst(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def num(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def ms_from_ms(value: Any) -> Optional[int]:
    n = num(value)
    return int(n) if n is not None and 0 < n < 1e14 else None


def ms_from_s(value: Any) -> Optional[int]:
    n = num(value)
    return int(n * 1000) if n is not None and 0 < n < 1e11 else None


def ms_from_iso(value: Any) -> Optional[int]:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
    if not match:
        return None
    fraction = (match.group(2) or "")[:7]
    try:
        when = _dt.datetime.fromisoformat(match.group(1) + fraction[:7] + (match.group(3) or ""))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return int(when.timestamp() * 1000)


_TAG = re.compile(r"<[^>]{0,500}>")


def strip_ssml(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    return s(" ".join(_TAG.sub(" ", text).split()))


def conf(value: Any) -> Optional[float]:
    n = num(value)
    return n if n is not None and 0 <= n <= 1 else None


# -- NLU ----------------------------------------------------------------------------------------------


def nlu_of(payload: Any) -> Tuple[Optional[str], Optional[float], List[Tuple[str, str]]]:
    """(intent, confidence, details) from an ``nlu_payload`` (luis, rasa, watson_assistant) or a Rasa
    ``parse_data``."""
    p = d(payload)
    if not p:
        return None, None, []
    kind = s(p.get("type"))
    details: List[Tuple[str, str]] = [("nlu", kind)] if kind else []
    intent = (
        s(g(p, "intent", "name"))
        or s(g(p, "topScoringIntent", "intent"))
        or s(g(p, "prediction", "topIntent"))
    )
    score = conf(g(p, "intent", "confidence"))
    if score is None:
        score = conf(g(p, "topScoringIntent", "score"))
    intents = lst(p.get("intents")) or lst(g(p, "output", "intents"))
    if intent is None and intents:
        intent = s(g(intents, 0, "intent"))
        score = conf(g(intents, 0, "confidence"))
    entities = lst(p.get("entities")) or lst(g(p, "output", "entities"))
    details += entity_details(entities)
    return intent, score, details


def entity_details(entities: Iterable[Any]) -> List[Tuple[str, str]]:
    out = []
    for entity in list(entities)[:20]:
        e = d(entity)
        if s(e.get("type")) and s(e.get("entity")) and "value" not in e:  # LUIS: the text, and its type
            name, value = s(e.get("type")), s(e.get("entity"))
        else:  # Rasa, Watson: the entity's name and value
            name = s(e.get("entity")) or s(e.get("type")) or s(e.get("name"))
            value = s(e.get("value"))
        if name:
            out.append(("entity", name + ("=" + value if value and value != name else "")))
    return out


# -- one function per path ----------------------------------------------------------------------------

Ctx = Dict[str, Set[str]]


def _alexa(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    req = d(body.get("request"))
    inner = d(req.get("request"))
    user = s(g(req, "session", "user", "userId")) or s(g(req, "context", "System", "user", "userId"))
    bot = s(g(req, "session", "application", "applicationId")) or s(
        g(req, "context", "System", "application", "applicationId")
    )
    user = user or "(no user id)"
    ts = ms_from_iso(inner.get("timestamp"))
    rtype = s(inner.get("type")) or "request"
    details: List[Tuple[str, str]] = []
    for slot in d(g(inner, "intent", "slots")).values():
        name, value = s(g(slot, "name")), s(g(slot, "value"))
        if name:
            details.append(("slot", name + "=" + (value or "?")))
    if s(inner.get("reason")):
        details.append(("reason", str(inner.get("reason"))))
    if g(req, "session", "new") is True:
        details.append(("session", "new"))
    turns = [Turn(USER, user, None, rtype, ts, s(g(inner, "intent", "name")), None, details, bot=bot)]
    out = d(g(body, "response", "response"))
    speech = d(out.get("outputSpeech"))
    text = strip_ssml(s(speech.get("ssml"))) or s(speech.get("text")) or s(g(out, "card", "content"))
    bot_details: List[Tuple[str, str]] = []
    reprompt = strip_ssml(s(g(out, "reprompt", "outputSpeech", "ssml"))) or s(
        g(out, "reprompt", "outputSpeech", "text")
    )
    if reprompt:
        bot_details.append(("reprompt", reprompt))
    if out.get("shouldEndSession") is True:
        bot_details.append(("session", "ends"))
    kind = s(speech.get("type")) if text else "no speech"
    turns.append(Turn(BOT, user, text, kind, ts, None, None, bot_details, bot=bot))
    return turns


def _lex(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    user = s(body.get("user_id")) or "(no user id)"
    req = d(body.get("request"))
    bot = s(req.get("bot_name"))
    details = []
    channel = s(g(req, "attributes", "x-amz-lex:channel-type"))
    if channel:
        details.append(("channel", channel))
    if s(req.get("intent_confirmation_status")) and req.get("intent_confirmation_status") != "None":
        details.append(("confirmation", str(req.get("intent_confirmation_status"))))
    bot_details = [("state", str(req.get("state")))] if s(req.get("state")) else []
    intent = s(req.get("intent_resolved_name")) or s(req.get("intent_applied_name"))
    return [
        Turn(
            USER,
            user,
            s(body.get("user_content")),
            s(body.get("user_request_type")),
            None,
            intent,
            None,
            details,
            bot=bot,
        ),
        Turn(
            BOT,
            user,
            s(body.get("bot_content")),
            s(body.get("bot_response_type")),
            None,
            None,
            None,
            bot_details,
            bot=bot,
        ),
    ]


def _generic(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    direction = BOT if body.get("is_sender_bot") is True else USER
    user = s(g(body, "user", "id")) or "(no user id)"
    message = d(body.get("message"))
    text = s(message.get("text"))
    intent, score, details = nlu_of(body.get("nlu_payload"))
    return [
        Turn(
            direction,
            user,
            text,
            None if text else "no text",
            ms_from_ms(message.get("timestamp")),
            intent,
            score,
            details,
            user_name=s(g(body, "user", "name")),
        )
    ]


def _twilio(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    direction = BOT if body.get("is_sender_bot") is True else USER
    message = d(body.get("message"))
    user = s(message.get("To") if direction == BOT else message.get("From")) or "(no number)"
    bot = s(message.get("From") if direction == BOT else message.get("To"))
    details = []
    media = num(message.get("NumMedia"))
    if media:
        details.append(("media", str(int(media))))
    text = s(message.get("Body"))
    intent, score, nlu = nlu_of(body.get("nlu_payload"))
    return [
        Turn(direction, user, text, None if text else "no text", None, intent, score, details + nlu, bot=bot)
    ]


def _wechat(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    direction = BOT if body.get("is_sender_bot") is True else USER
    m = d(body.get("message"))
    if direction == USER:
        user, bot = s(m.get("FromUserName")), s(m.get("ToUserName"))
    else:
        user, bot = s(m.get("ToUserName")) or s(m.get("touser")), s(m.get("FromUserName"))
    text = s(m.get("Content")) or s(g(m, "text", "content"))
    msg_type = s(m.get("MsgType")) or s(m.get("msgtype"))
    kind = None
    if msg_type == "event":
        kind = "event: " + (s(m.get("Event")) or "?")
    elif not text:
        kind = msg_type or "no text"
    intent, score, details = nlu_of(body.get("nlu_payload"))
    return [
        Turn(
            direction,
            user or "(no user id)",
            text,
            kind,
            ms_from_s(m.get("CreateTime")),
            intent,
            score,
            details,
            bot=bot,
        )
    ]


def _messenger_text(message: Dict[str, Any]) -> Tuple[Optional[str], Optional[str], List[Tuple[str, str]]]:
    text = s(message.get("text"))
    details = []
    if s(g(message, "quick_reply", "payload")):
        details.append(("quick reply", str(g(message, "quick_reply", "payload"))))
    for reply in lst(message.get("quick_replies"))[:10]:
        if s(g(reply, "title")):
            details.append(("button", str(g(reply, "title"))))
    kinds = [s(g(a, "type")) for a in lst(message.get("attachments"))]
    kind = None if text else ("attachment: " + ", ".join(k for k in kinds if k) if kinds else "no text")
    return text, kind, details


def _messenger(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    recipient = body.get("recipient")
    if recipient is not None:  # a Send API reply: the bot to the user (PSID)
        text, kind, details = _messenger_text(d(body.get("message")))
        return [
            Turn(
                BOT,
                s(recipient) or "(no recipient)",
                text,
                kind,
                ms_from_ms(body.get("timestamp")),
                None,
                None,
                details,
            )
        ]
    turns = []
    for entry in lst(g(body, "message", "entry")):
        page = s(g(entry, "id"))
        for item in lst(g(entry, "messaging")):
            sender, to = s(g(item, "sender", "id")), s(g(item, "recipient", "id"))
            message = d(g(item, "message"))
            echo = message.get("is_echo") is True or (page is not None and sender == page)
            text, kind, details = _messenger_text(message)
            if not message:
                postback = d(g(item, "postback"))
                if postback:
                    text = s(postback.get("title"))
                    kind = "postback"
                    if s(postback.get("payload")):
                        details.append(("payload", str(postback.get("payload"))))
                else:
                    kind = next(
                        (k for k in ("read", "delivery", "optin", "referral", "reaction") if k in d(item)),
                        "event",
                    )
            intent, score, nlu = nlu_of(g(body, "nlu_payload"))
            turns.append(
                Turn(
                    BOT if echo else USER,
                    (to if echo else sender) or "(no user id)",
                    text,
                    kind,
                    ms_from_ms(g(item, "timestamp")),
                    intent,
                    score,
                    details + nlu,
                    bot=page,
                )
            )
    return turns


def _botframework_prepare(bodies: Iterable[Tuple[str, Any]], ctx: Ctx) -> None:
    bots = ctx.setdefault("botframework_bots", set())
    for path, body in bodies:
        a = d(body)
        if path != "microsoft-bot-framework/messages/" or "replyToId" in a:
            continue
        if s(g(a, "from", "role")) == "bot" or not (s(a.get("id")) and s(a.get("timestamp"))):
            continue
        if s(g(a, "recipient", "id")):
            bots.add(str(g(a, "recipient", "id")))


def _botframework(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    bots = ctx.get("botframework_bots", set())
    sender, to = s(g(body, "from", "id")), s(g(body, "recipient", "id"))
    role = s(g(body, "from", "role"))
    if role == "bot" or sender in bots:
        direction = BOT
    elif role == "user" or to in bots:
        direction = USER
    else:
        direction = BOT if "replyToId" in body else USER
    user = (to if direction == BOT else sender) or "(no user id)"
    name = s(g(body, "recipient" if direction == BOT else "from", "name"))
    bot = s(g(body, "from" if direction == BOT else "recipient", "name")) or (
        sender if direction == BOT else to
    )
    atype = s(body.get("type")) or "activity"
    text = s(body.get("text"))
    details = [("channel", str(body.get("channelId")))] if s(body.get("channelId")) else []
    for member in lst(body.get("membersAdded"))[:5]:
        if s(g(member, "id")):
            details.append(("member added", str(g(member, "id"))))
    intent, score, nlu = nlu_of(body.get("nlu_payload"))
    kind = None if atype == "message" and text else atype
    return [
        Turn(
            direction,
            user,
            text,
            kind,
            ms_from_iso(body.get("timestamp")),
            intent,
            score,
            details + nlu,
            user_name=name if direction == USER else None,
            bot=bot,
        )
    ]


def _rasa(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    event = s(body.get("event"))
    user = s(body.get("sender_id")) or "(no sender id)"
    ts = ms_from_s(body.get("timestamp"))
    if event == "user":
        intent, score, details = nlu_of(body.get("parse_data"))
        slot = d(body.get("slot"))
        if s(slot.get("name")):
            details.append(("slot", str(slot.get("name")) + "=" + (s(slot.get("value")) or "?")))
        if s(body.get("input_channel")):
            details.append(("channel", str(body.get("input_channel"))))
        return [Turn(USER, user, s(body.get("text")), None, ts, intent, score, details)]
    details = []
    if s(g(body, "action", "name")):
        details.append(("action", str(g(body, "action", "name"))))
    if s(g(body, "metadata", "utter_action")) and g(body, "metadata", "utter_action") != g(
        body, "action", "name"
    ):
        details.append(("utter", str(g(body, "metadata", "utter_action"))))
    return [
        Turn(BOT, user, s(body.get("text")), "agent" if event == "agent" else None, ts, None, None, details)
    ]


def _slack_bot_users(body: Dict[str, Any]) -> Set[str]:
    return {
        str(g(a, "user_id"))
        for a in lst(body.get("authorizations"))
        if g(a, "is_bot") is True and s(g(a, "user_id"))
    }


def _slack_message(ev: Dict[str, Any], bots: Set[str], is_bot: Optional[bool], nlu: Any) -> List[Turn]:
    direction = (
        BOT
        if (is_bot or s(ev.get("bot_id")) or ev.get("subtype") == "bot_message" or s(ev.get("user")) in bots)
        else USER
    )
    channel = s(ev.get("channel")) or s(ev.get("user")) or "(no channel)"
    etype = s(ev.get("type")) or "event"
    text = s(ev.get("text"))
    details = [("user", str(ev.get("user")))] if s(ev.get("user")) and direction == USER else []
    if s(ev.get("thread_ts")):
        details.append(("thread", str(ev.get("thread_ts"))))
    intent, score, more = nlu_of(nlu)
    return [
        Turn(
            direction,
            channel,
            text,
            None if etype == "message" and text else etype,
            ms_from_s(ev.get("ts")),
            intent,
            score,
            details + more,
        )
    ]


def _slack_event(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    bots = ctx.setdefault("slack_bots", set())
    bots |= _slack_bot_users(body)
    return _slack_message(d(body.get("event")), bots, None, body.get("nlu_payload"))


def _slack_rtm(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    return _slack_message(
        body, ctx.get("slack_bots", set()), body.get("is_bot") is True, body.get("nlu_payload")
    )


def _slack_interactive(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    channel = s(g(body, "channel", "id")) or s(g(body, "user", "id")) or "(no channel)"
    labels = []
    for action in lst(body.get("actions"))[:5]:
        label = s(g(action, "text", "text")) or s(g(action, "name")) or s(g(action, "action_id"))
        value = s(g(action, "value"))
        if label:
            labels.append(label + (" (" + value + ")" if value else ""))
    details = [("user", str(g(body, "user", "id")))] if s(g(body, "user", "id")) else []
    ts = ms_from_s(g(body, "actions", 0, "action_ts")) or ms_from_s(body.get("action_ts"))
    return [
        Turn(
            USER,
            channel,
            ", ".join(labels) or None,
            s(body.get("type")) or "interactive",
            ts,
            None,
            None,
            details,
        )
    ]


def _google_items(items: Any) -> Optional[str]:
    texts = []
    for item in lst(items):
        simple = d(g(item, "simpleResponse"))
        text = (
            s(simple.get("displayText"))
            or strip_ssml(s(simple.get("textToSpeech")))
            or strip_ssml(s(simple.get("ssml")))
        )
        if text:
            texts.append(text)
    return " ".join(texts) or None


def _google(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    req, resp = d(body.get("request")), d(body.get("response"))
    user = s(g(req, "user", "userId")) or s(g(req, "conversation", "conversationId")) or "(no user id)"
    first = d(g(req, "inputs", 0))
    text = s(g(first, "rawInputs", 0, "query"))
    details = (
        [("input", str(g(first, "rawInputs", 0, "inputType")))]
        if s(g(first, "rawInputs", 0, "inputType"))
        else []
    )
    reply = (
        _google_items(g(resp, "expectedInputs", 0, "inputPrompt", "richInitialPrompt", "items"))
        or _google_items(g(resp, "richResponse", "items"))
        or _google_items(g(resp, "finalResponse", "richResponse", "items"))
    )
    bot_details = [("expects reply", "yes")] if resp.get("expectUserResponse") is True else []
    return [
        Turn(USER, user, text, None if text else "no text", None, s(first.get("intent")), None, details),
        Turn(BOT, user, reply, None if reply else "no speech", None, None, None, bot_details),
    ]


def _dialogflow(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    req, resp = d(body.get("request")), d(body.get("response"))
    session = s(req.get("session")) or ""
    user = session.rsplit("/", 1)[-1] or "(no session)"
    result = d(req.get("queryResult"))
    details = [
        ("parameter", "%s=%s" % (k, s(v) or "…")) for k, v in list(d(result.get("parameters")).items())[:10]
    ]
    text = s(result.get("queryText"))
    reply = s(resp.get("fulfillmentText"))
    if not reply:
        parts = [s(t) for m in lst(resp.get("fulfillmentMessages")) for t in lst(g(m, "text", "text"))]
        reply = " ".join(p for p in parts if p) or _google_items(
            g(resp, "payload", "google", "richResponse", "items")
        )
    return [
        Turn(
            USER,
            user,
            text,
            None if text else "no text",
            None,
            s(g(result, "intent", "displayName")),
            conf(result.get("intentDetectionConfidence")),
            details,
        ),
        Turn(BOT, user, reply, None if reply else "no reply", None, None, None, []),
    ]


def _rbm(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    name = s(body.get("name"))
    if name and name.startswith("phones/"):  # an AgentMessage: the bot to a phone
        user = name.split("/")[1] if len(name.split("/")) > 1 else "(no phone)"
        content = d(body.get("contentMessage"))
        text = s(content.get("text"))
        details = [
            ("suggestion", str(s(g(x, "reply", "text")) or s(g(x, "action", "text"))))
            for x in lst(content.get("suggestions"))[:6]
            if s(g(x, "reply", "text")) or s(g(x, "action", "text"))
        ]
        kind = None if text else (s(content.get("type")) or "rich content")
        return [Turn(BOT, user, text, kind, ms_from_iso(body.get("sendTime")), None, None, details)]
    m = d(g(body, "message", "data_decoded")) or body
    user = s(m.get("senderPhoneNumber")) or "(no phone)"
    text = s(m.get("text")) or s(g(m, "suggestionResponse", "text"))
    kind = None
    if not text:
        if d(m.get("userFile")):
            kind = "file"
        elif s(m.get("eventType")):
            kind = "event: " + str(m.get("eventType"))
        else:
            kind = "no text"
    elif d(m.get("suggestionResponse")):
        kind = "suggestion"
    intent, score, details = nlu_of(body.get("nlu_payload"))
    return [Turn(USER, user, text, kind, ms_from_iso(m.get("sendTime")), intent, score, details)]


def _kik(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    turns = []
    for m in lst(body.get("messages")):
        m = d(m)
        outgoing = "to" in m
        user = s(m.get("to") if outgoing else m.get("from")) or "(no user)"
        text = s(m.get("body"))
        mtype = s(m.get("type")) or "message"
        turns.append(
            Turn(
                BOT if outgoing else USER,
                user,
                text,
                None if text and mtype == "text" else mtype,
                ms_from_ms(m.get("timestamp")),
                None,
                None,
                [],
                bot=s(m.get("from")) if outgoing else None,
            )
        )
    return turns


def _line(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    turns = []
    if "events" in body:
        for ev in lst(body.get("events")):
            ev = d(ev)
            user = s(g(ev, "source", "userId")) or s(g(ev, "source", "groupId")) or "(no user id)"
            etype = s(ev.get("type")) or "event"
            text, kind, details = None, etype, []
            if etype == "message":
                text = s(g(ev, "message", "text"))
                kind = None if text else "message: " + (s(g(ev, "message", "type")) or "?")
            elif etype == "postback" and s(g(ev, "postback", "data")):
                details.append(("data", str(g(ev, "postback", "data"))))
            turns.append(Turn(USER, user, text, kind, ms_from_ms(ev.get("timestamp")), None, None, details))
        return turns
    user = s(body.get("to")) or "(no recipient)"
    for m in lst(body.get("messages")):
        text = s(g(m, "text"))
        turns.append(
            Turn(
                BOT,
                user,
                text,
                None if text else (s(g(m, "type")) or "message"),
                ms_from_ms(body.get("timestamp")),
                None,
                None,
                [],
            )
        )
    return turns


def _viber(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    m = body.get("message")
    if isinstance(m, str):
        return [Turn(USER, "(unknown)", s(m), None, None, None, None, [])]
    m = d(m)
    if "receiver" in m or "event" not in m:  # the bot's send_message call
        user = s(g(m, "receiver", "id")) or "(no receiver)"
        text = s(m.get("text"))
        return [
            Turn(
                BOT,
                user,
                text,
                None if text else (s(m.get("type")) or "message"),
                ms_from_ms(m.get("timestamp")),
                None,
                None,
                [],
                user_name=None,
                bot=s(g(m, "sender", "name")),
            )
        ]
    user = s(g(m, "sender", "id")) or s(g(m, "user", "id")) or s(m.get("user_id")) or "(no user id)"
    event = s(m.get("event")) or "event"
    text = s(g(m, "message", "text"))
    kind = (
        None if event == "message" and text else (event if event != "message" else s(g(m, "message", "type")))
    )
    intent, score, details = nlu_of(body.get("nlu_payload"))
    return [
        Turn(
            USER,
            user,
            text,
            kind,
            ms_from_ms(m.get("timestamp")),
            intent,
            score,
            details,
            user_name=s(g(m, "sender", "name")) or s(g(m, "user", "name")),
        )
    ]


def _watson(body: Dict[str, Any], ctx: Ctx) -> List[Turn]:
    user = (
        s(body.get("user_id"))
        or s(g(body, "context", "metadata", "user_id"))
        or s(g(body, "context", "global", "system", "user_id"))
        or s(g(body, "context", "conversation_id"))
        or "(no user id)"
    )
    ts = ms_from_ms(body.get("timestamp"))
    text = s(g(body, "input", "text"))
    intents = lst(body.get("intents")) or lst(g(body, "output", "intents"))
    entities = lst(body.get("entities")) or lst(g(body, "output", "entities"))
    turns = []
    if text or intents:
        turns.append(
            Turn(
                USER,
                user,
                text,
                None if text else "input not in the record",
                ts,
                s(g(intents, 0, "intent")),
                conf(g(intents, 0, "confidence")),
                entity_details(entities),
            )
        )
    replies = [s(g(x, "text")) for x in lst(g(body, "output", "generic")) if g(x, "response_type") == "text"]
    replies = [r for r in replies if r] or [s(x) for x in lst(g(body, "output", "text")) if s(x)]
    turns.append(
        Turn(
            BOT,
            user,
            " ".join(r for r in replies if r) or None,
            None if replies else "no text",
            ts,
            None,
            None,
            [],
        )
    )
    return turns


EXTRACTORS: Dict[str, Callable[[Dict[str, Any], Ctx], List[Turn]]] = {
    "messages/amazon-alexa/": _alexa,
    "messages/amazon-lex/": _lex,
    "messages/generic/": _generic,
    "twilio/sms/messages/": _twilio,
    "messages/wechat/": _wechat,
    "messages/facebook-messenger/": _messenger,
    "microsoft-bot-framework/messages/": _botframework,
    "rasa/messages/": _rasa,
    "messages/slack/event/": _slack_event,
    "messages/slack/": _slack_rtm,
    "messages/slack/interactive/": _slack_interactive,
    "messages/google-assistant/": _google,
    "messages/google-assistant/dialogflow/": _dialogflow,
    "messages/rbm/": _rbm,
    "messages/kik/": _kik,
    "messages/line/": _line,
    "messages/viber/": _viber,
    "watson-assistant/messages/": _watson,
}


def prepare(records: Iterable[Tuple[str, Any]]) -> Ctx:
    """What some platforms need to know across records (Bot Framework's bot ids) before ``turns_of``."""
    ctx: Ctx = {}
    _botframework_prepare(records, ctx)
    return ctx


def turns_of(path: str, body: Any, ctx: Optional[Ctx] = None) -> List[Turn]:
    """The chat turns in one stored record; [] for a record that is not a message (profiles, settings) or
    that cannot be read."""
    extractor = EXTRACTORS.get(path)
    if extractor is None or not isinstance(body, dict):
        return []
    try:
        return extractor(body, ctx if ctx is not None else {})
    except Exception:  # hostile or unexpected shapes: the record is shown raw instead
        return []

"""Sample events for the benchmark: the repository's ``events/`` (the one shared copy), with built-in
stand-ins only when that folder does not have them yet (reported in RESULTS.md), and turn tags.

A tag ``b.<variant>.<phase>.<i>`` is written into every benchmark event (the Alexa ``requestId``, the
web-chat user's text, which the bot echoes in its reply) so that the records stored by the collector
can be counted per variant and per turn, whatever else is stored alongside.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Dict, Iterable, List, Tuple

from .paths import REPO_ROOT

#: app -> (events/ file, what the app is)
APPS = {
    "alexa": ("alexa/intent", "Alexa skill (IntentRequest)"),
    "webchat": ("generic/webchat_function_url", "generic web-chat webhook behind a Function URL"),
}
#: records one turn produces (Alexa: the request/response pair; web chat: the user's message and the reply)
RECORDS_PER_TURN = {"alexa": 1, "webchat": 2}

TAG_RE = re.compile(r"\[?(b\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.\d+)\]?")

_FALLBACK: Dict[str, Dict[str, Any]] = {
    "alexa": {
        "event": {
            "version": "1.0",
            "session": {
                "new": False,
                "sessionId": "amzn1.echo-api.session.bench",
                "application": {"applicationId": "amzn1.ask.skill.bench"},
                "user": {"userId": "amzn1.ask.account.BENCHUSER"},
            },
            "context": {
                "System": {
                    "application": {"applicationId": "amzn1.ask.skill.bench"},
                    "user": {"userId": "amzn1.ask.account.BENCHUSER"},
                    "device": {"deviceId": "amzn1.ask.device.BENCH", "supportedInterfaces": {}},
                    "apiEndpoint": "https://api.amazonalexa.com",
                }
            },
            "request": {
                "type": "IntentRequest",
                "requestId": "amzn1.echo-api.request.bench",
                "timestamp": "2024-01-01T12:00:00Z",
                "locale": "en-US",
                "intent": {"name": "HelloIntent", "confirmationStatus": "NONE", "slots": {}},
            },
        },
        "response": {
            "version": "1.0",
            "sessionAttributes": {},
            "response": {
                "outputSpeech": {"type": "SSML", "ssml": "<speak>Hello there</speak>"},
                "shouldEndSession": False,
            },
        },
    },
    "webchat": {
        "event": {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/",
            "rawQueryString": "",
            "headers": {"content-type": "application/json", "host": "bench.lambda-url.eu-west-1.on.aws"},
            "requestContext": {
                "accountId": "anonymous",
                "apiId": "bench",
                "domainName": "bench.lambda-url.eu-west-1.on.aws",
                "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                         "userAgent": "bench"},
                "requestId": "bench-request",
                "routeKey": "$default",
                "stage": "$default",
                "time": "01/Jan/2024:12:00:00 +0000",
                "timeEpoch": 1704110400000,
            },
            "body": json.dumps({"user": {"id": "web-user-42", "name": "Ada"}, "message": {"text": "hello bot"}}),
            "isBase64Encoded": False,
        },
        "response": {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"text": "Hi Ada! How can I help you today?"}),
        },
    },
}


def load(app: str) -> Tuple[Dict[str, Any], str]:
    """``({"app", "event", "response"}, source)`` for ``app``; source names the file or says "built-in"."""
    name = APPS[app][0]
    path = REPO_ROOT / "events" / (name + ".json")
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "event" in data and "response" in data:
            return {"app": app, "event": data["event"], "response": data["response"]}, f"events/{name}.json"
    fallback = _FALLBACK[app]
    return {"app": app, "event": fallback["event"], "response": fallback["response"]}, "built-in stand-in"


def tag_event(app: str, event: Dict[str, Any], tag: str) -> Dict[str, Any]:
    """A copy of ``event`` carrying ``tag`` (and a request id of its own)."""
    event = json.loads(json.dumps(event))
    if app == "alexa":
        event.setdefault("request", {})["requestId"] = f"amzn1.echo-api.request.[{tag}]"
        return event
    body = event.get("body") or "{}"
    encoded = bool(event.get("isBase64Encoded"))
    if encoded:
        body = base64.b64decode(body).decode("utf-8")
    message = json.loads(body)
    _tag_text(message, tag)
    body = json.dumps(message)
    event["body"] = base64.b64encode(body.encode("utf-8")).decode("ascii") if encoded else body
    return event


def _tag_text(message: Any, tag: str) -> bool:
    if isinstance(message, dict):
        for key in ("text", "message"):
            if isinstance(message.get(key), str):
                message[key] = f"{message[key]} [{tag}]"
                return True
        return any(_tag_text(v, tag) for v in message.values())
    return False


def tags_in(body: Any) -> List[str]:
    """The distinct turn tags found anywhere in a stored record's body."""
    text = body if isinstance(body, str) else json.dumps(body)
    return sorted(set(TAG_RE.findall(text)))


def count_turns(bodies: Iterable[Any], prefix: str) -> Dict[str, int]:
    """tag -> number of stored records carrying it, for the tags starting with ``prefix``."""
    counts: Dict[str, int] = {}
    for body in bodies:
        for tag in tags_in(body):
            if tag.startswith(prefix):
                counts[tag] = counts.get(tag, 0) + 1
    return counts

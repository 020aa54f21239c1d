"""A Facebook Messenger page webhook behind a Function URL, HTTP API, REST API or ALB.

GET  the subscription check: ``hub.mode=subscribe`` with the right ``hub.verify_token`` → ``hub.challenge``.
POST the page webhook: each user's text message gets a reply through the Send API
     (``POST <graph>/v19.0/me/messages?access_token=<page token>``); the webhook answers ``EVENT_RECEIVED``.

Live person takeover: while Botanalytics' live chat has paused a user (see ``botanalytics.pause`` and the
pause webhook deployed next to this bot), the bot stays silent for that user; the message is still
recorded, because ``@skip_when_paused()`` sits inside ``@botanalytics.track``.

Configuration (environment)
    ``MESSENGER_SECRET_ARN``    a Secrets Manager secret ``{"page_token": ..., "verify_token": ...}``
                                (what the reference stack deploys), read once per container;
    ``MESSENGER_PAGE_TOKEN``, ``MESSENGER_VERIFY_TOKEN``  the same values directly (local runs, tests);
                                they win over the secret;
    ``MESSENGER_GRAPH_URL``     the Graph API base URL (default ``https://graph.facebook.com``).
Sample events: ``events/messenger/*.json``.
"""
import base64
import json
import logging
import os
import urllib.error
import urllib.request
from urllib.parse import quote

import botanalytics
from botanalytics.pause import is_paused, skip_when_paused

logger = logging.getLogger(__name__)

GRAPH_VERSION = "v19.0"
RECEIVED = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "EVENT_RECEIVED"}
_secret_cache = {}


def setting(name, key):
    """``name`` from the environment, else ``key`` of the JSON secret in MESSENGER_SECRET_ARN."""
    value = os.environ.get(name)
    if value:
        return value
    arn = os.environ.get("MESSENGER_SECRET_ARN")
    if not arn:
        return ""
    if arn not in _secret_cache:
        import boto3

        reply = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
        _secret_cache[arn] = json.loads(reply["SecretString"])
    return str(_secret_cache[arn].get(key) or "")


def text_response(status, text):
    return {"statusCode": status, "headers": {"Content-Type": "text/plain"}, "body": text}


def method_of(event):
    http = event.get("requestContext", {}).get("http", {})
    return (http.get("method") or event.get("httpMethod") or "").upper()


def read_body(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return json.loads(body) if body else {}


def verify(event):
    query = event.get("queryStringParameters") or {}
    expected = setting("MESSENGER_VERIFY_TOKEN", "verify_token")
    if query.get("hub.mode") == "subscribe" and expected and query.get("hub.verify_token") == expected:
        return text_response(200, query.get("hub.challenge", ""))
    return text_response(403, "forbidden")


def text_messages(body):
    """(sender PSID, text) for every user's text message in a page webhook (the page's echoes skipped)."""
    for entry in body.get("entry") or []:
        for item in entry.get("messaging") or []:
            message = item.get("message") or {}
            psid = (item.get("sender") or {}).get("id")
            if psid and message.get("text") and not message.get("is_echo"):
                yield str(psid), message["text"]


def reply_to(text):
    words = text.lower().replace(",", " ").strip(" !?.").split()
    if "hours" in words or "open" in words:
        return "We are open 9am-6pm, Monday to Saturday."
    if words and words[0] in ("hi", "hello", "hey"):
        return "Hi! Ask me about our opening hours."
    return "Sorry, I can only tell you our opening hours for now."


def send(psid, text):
    """One Send API call; a failure is logged, never raised (Messenger would redeliver the webhook)."""
    base = os.environ.get("MESSENGER_GRAPH_URL", "https://graph.facebook.com").rstrip("/")
    token = setting("MESSENGER_PAGE_TOKEN", "page_token")
    url = f"{base}/{GRAPH_VERSION}/me/messages?access_token={quote(token, safe='')}"
    payload = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": text}}
    data = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            response.read()
        return True
    except (urllib.error.URLError, OSError) as error:  # the token is in the URL: log only the reason
        logger.warning("Send API call failed: %s", getattr(error, "code", None) or type(error).__name__)
        return False


@botanalytics.track
@skip_when_paused(response=RECEIVED)
def lambda_handler(event, context):
    if method_of(event) == "GET":
        return verify(event)
    try:
        body = read_body(event)
    except ValueError:
        return text_response(400, "invalid body")
    if not isinstance(body, dict) or body.get("object") != "page":
        return text_response(404, "not a page webhook")
    for psid, text in text_messages(body):
        if is_paused(psid):  # a batched webhook: only some of its users may be paused
            continue
        send(psid, reply_to(text))
    return RECEIVED

"""A web-chat (and SMS gateway) webhook behind a Function URL, HTTP API, REST API or ALB.

The chat widget POSTs ``{"user": {"id", "name"}, "message": {"text"}}`` (or a form / a simpler
``{"userId", "text"}``, or an SMS gateway's ``{"from", "text"}``); the bot replies ``{"text": ...}``.
Sample events: ``events/generic/*.json``.
"""
import base64
import json
from urllib.parse import parse_qs

import botanalytics


def read_body(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    for name, values in (event.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = values[-1]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {k: v[-1] for k, v in parse_qs(body).items()}
    return json.loads(body) if body else {}


def read_message(data):
    """(user id, user name, text) from the shapes our clients send."""
    if isinstance(data.get("user"), dict):
        user = data["user"]
        return user.get("id"), user.get("name") or user.get("id"), data.get("message", {}).get("text", "")
    user_id = data.get("userId") or data.get("user_id") or data.get("from")
    name = data.get("name") or data.get("user_name") or user_id
    return user_id, name, data.get("text") or data.get("message") or ""


def reply_to(name, text):
    words = text.lower().strip(" !?.").split()
    if words and words[0] in ("hi", "hello", "hey"):
        return "Hi " + name + "! How can I help you today?"
    if "hours" in words or "open" in words:
        return "We are open every day from 9am to 6pm."
    if words and words[0] == "stop":
        return "You are unsubscribed and will get no more messages."
    return "Sorry, I can only tell you our opening hours for now."


def respond(event, status, payload):
    response = {"statusCode": status, "body": json.dumps(payload)}
    if "elb" in event.get("requestContext", {}):
        response["statusDescription"] = "200 OK" if status == 200 else "400 Bad Request"
        if "multiValueHeaders" in event:
            response["multiValueHeaders"] = {"Content-Type": ["application/json"]}
            response["isBase64Encoded"] = False
            return response
    response["headers"] = {"Content-Type": "application/json"}
    return response


@botanalytics.track
def lambda_handler(event, context):
    try:
        data = read_body(event)
    except ValueError:
        return respond(event, 400, {"error": "invalid body"})
    user_id, name, text = read_message(data)
    if not user_id or not text:
        return respond(event, 400, {"error": "user and text are required"})
    return respond(event, 200, {"text": reply_to(name, text)})

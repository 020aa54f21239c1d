"""The same bots written as a user of the official SDK (``botanalytics==0.2.9``) writes them.

Constructor arguments, read from its installed source (``botanalytics/amazon.py``, ``generic.py``,
``util.py``): ``AmazonAlexa(debug=False, token=None, base_url='https://api.botanalytics.co/v1/',
callback=None, is_async=False)``, ``AmazonAlexaLambda(debug, token, base_url, is_async)`` (async =
one daemon thread per message), ``Generic(debug, token, base_url, callback, is_async)`` (async = a
``ThreadPoolExecutor``; there is no ``GenericLambda``). ``base_url`` is concatenated with the path, so it
must end in ``/``. Delivery is ``requests.post`` with no timeout; the collector's CA is trusted through
``REQUESTS_CA_BUNDLE`` (requests reads it from the environment for every call).
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict

import bots

FAILURES = []  # (reason, error) from the SDK's error callback: kept, not printed


def _callback(err: Any, reason: Any, payload: Any) -> None:
    if len(FAILURES) < 1000:
        FAILURES.append((str(reason)[:200], str(err)[:200]))


def clients(is_async: bool) -> Dict[str, Any]:
    from botanalytics.amazon import AmazonAlexa, AmazonAlexaLambda
    from botanalytics.generic import Generic

    token = os.environ["BENCH_TOKEN"]
    base_url = os.environ["BENCH_API_URL"]
    if is_async:  # "the Lambda classes": AmazonAlexaLambda has no callback argument
        alexa_client = AmazonAlexaLambda(token=token, base_url=base_url, is_async=True)
    else:
        alexa_client = AmazonAlexa(token=token, base_url=base_url, callback=_callback)
    generic_client = Generic(token=token, base_url=base_url, callback=_callback, is_async=is_async)
    return {"alexa": alexa_client, "generic": generic_client}


def make_handlers(is_async: bool) -> Any:
    c = clients(is_async)

    def alexa(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
        response = bots.alexa(event, context)
        c["alexa"].log(event, response)
        return response

    def webchat(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
        message, text = bots.webchat_message(event)
        user = message.get("user") if isinstance(message.get("user"), dict) else {}
        user_id = str(user.get("id") or message.get("userId") or message.get("sender") or "anonymous")
        user = {"id": user_id, "name": str(user.get("name") or user_id)}
        c["generic"].log({"is_sender_bot": False, "user": user, "message": {"timestamp": bots.now_ms(), "text": text}})
        response = bots.webchat(event, context)
        reply = bots.find_text(response) or ""
        if reply == "" and isinstance(response.get("body"), str):
            try:
                reply = bots.find_text(json.loads(response["body"])) or ""
            except ValueError:
                pass
        c["generic"].log({"is_sender_bot": True, "user": user, "message": {"timestamp": bots.now_ms(), "text": reply}})
        return response

    return alexa, webchat

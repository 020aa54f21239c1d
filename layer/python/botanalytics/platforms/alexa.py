"""Amazon Alexa custom skills: the request/response pair → ``messages/amazon-alexa/``.

The body is what every official SDK sends: ``{"request": <entire request envelope>, "response":
<entire response envelope>}``, both untouched (the API reads Alexa's own ISO-8601 ``request.timestamp``).
The pair is one record, so nothing is known before the handler returns: ``incoming`` is empty.

Detected on the Lambda event itself (the usual Alexa → Lambda trigger) and on the JSON body of an HTTP
envelope (a skill hosted at an HTTPS endpoint, e.g. a Function URL): an envelope has a ``version``
string, a ``request`` with a ``type`` string, and a ``context.System`` or ``session`` object.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..record import Record
from ..webhook import HttpResponse
from .base import Platform, Turn

PATH = "messages/amazon-alexa/"


def is_alexa_request(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("version"), str):
        return False
    request = value.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("type"), str):
        return False
    context = value.get("context")
    has_system = isinstance(context, dict) and isinstance(context.get("System"), dict)
    return has_system or isinstance(value.get("session"), dict)


def is_alexa_response(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("response"), dict)


class Alexa(Platform):
    identifier = "alexa"

    def detect(self, turn: Turn) -> bool:
        return self._request(turn) is not None

    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        try:
            request = self._request(turn)
            if request is None:
                return []
            if turn.http is not None:
                response = http_response.json() if http_response is not None else None
            if not is_alexa_response(response):
                return []
            body: Dict[str, Any] = {"request": request, "response": response}
            return [Record(PATH, body, request_id=turn.request_id)]
        except Exception:  # noqa: BLE001 - a platform never raises (base.Platform)
            return []

    @staticmethod
    def _request(turn: Turn) -> Optional[Dict[str, Any]]:
        if turn.http is not None:
            body = turn.http.json()
            return body if is_alexa_request(body) else None
        return turn.event if is_alexa_request(turn.event) else None


PLATFORM = Alexa()

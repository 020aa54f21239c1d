"""Google Assistant: Actions SDK conversation webhooks and Dialogflow ES (v2) fulfillment.

In + out (one record per turn, after the handler: the API wants the request and response together)
    * **Actions SDK** (conversation webhook v2): a request with ``user``, ``conversation`` (objects) and
      ``inputs`` (a list) → ``messages/google-assistant/`` ``{"request": <webhook request>, "response":
      <webhook response>}``, as the Python and Node SDKs send it.
    * **Dialogflow ES fulfillment** (``WebhookRequest``: ``queryResult`` and ``originalDetectIntentRequest``,
      or ``queryResult`` with ``session`` and ``responseId``) → ``messages/google-assistant/dialogflow/``
      ``{"request": <WebhookRequest>, "response": <WebhookResponse>}``, as Node 2.5.3 does.

      **Decision — a Dialogflow pair without ``payload.google``.** Node sends a Dialogflow pair only when
      the response has ``payload.google`` (an Actions on Google answer); it drops the others, and the
      dialogflow path has never received anything else. A Dialogflow agent answering another integration
      (web demo, Messenger/Telegram via Dialogflow, telephony) has no ``payload.google``, and such a turn
      is still a conversation worth recording. We send it to that path too when the *request* came from
      Google Assistant (``originalDetectIntentRequest.source == "google"``); otherwise it goes to
      ``messages/generic/`` as two messages — the user's ``queryResult.queryText`` and the bot's
      ``fulfillmentText`` (or the texts of ``fulfillmentMessages``), ``user.id`` = the session id — so the
      dialogflow path only ever gets Assistant traffic, as with the official SDK, and nothing is lost.

    Both arrive through an AWS HTTP envelope (the request is ``turn.http.json()``, the response is the
    JSON body of the handler's proxy response); an API Gateway *non-proxy* integration, which passes the
    JSON body as the event and returns the handler's dict as the body, works too.
Not captured
    A turn whose response is not a JSON object (the handler failed, returned HTML, ...) records nothing:
    the API requires both halves. Health checks / ``actions.intent.HEALTH_CHECK`` turns are recorded like
    any other (they are real requests Google sends).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..record import Record, now_ms
from ..webhook import HttpResponse
from .base import Platform, Turn
from ._helpers import as_dict, as_list, guarded, json_object

ACTIONS_PATH = "messages/google-assistant/"
DIALOGFLOW_PATH = "messages/google-assistant/dialogflow/"
GENERIC_PATH = "messages/generic/"


def is_actions_sdk(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("user"), dict)
        and isinstance(body.get("conversation"), dict)
        and isinstance(body.get("inputs"), list)
    )


def is_dialogflow(body: Any) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("queryResult"), dict):
        return False
    if isinstance(body.get("originalDetectIntentRequest"), dict):
        return True
    return isinstance(body.get("session"), str) and isinstance(body.get("responseId"), str)


def _request_of(turn: Turn) -> Optional[Dict[str, Any]]:
    if turn.http is not None:
        body = json_object(turn.http)
    else:
        body = turn.event if isinstance(turn.event, dict) else None
    if body is not None and (is_actions_sdk(body) or is_dialogflow(body)):
        return body
    return None


def _response_of(
    turn: Turn, response: Any, http_response: Optional[HttpResponse]
) -> Optional[Dict[str, Any]]:
    if turn.http is not None:
        if http_response is None:
            return None
        data = http_response.json()
    else:
        data = response
    return data if isinstance(data, dict) else None


def _dialogflow_texts(response: Dict[str, Any]) -> List[str]:
    text = response.get("fulfillmentText")
    if isinstance(text, str) and text:
        return [text]
    texts: List[str] = []
    for message in as_list(response.get("fulfillmentMessages")):
        for item in as_list(as_dict(as_dict(message).get("text")).get("text")):
            if isinstance(item, str) and item:
                texts.append(item)
        simple = as_dict(message).get("simpleResponses")
        for item in as_list(as_dict(simple).get("simpleResponses")):
            speech = as_dict(item).get("displayText") or as_dict(item).get("textToSpeech")
            if isinstance(speech, str) and speech:
                texts.append(speech)
    return texts


def _generic(is_bot: bool, user_id: str, text: str, timestamp: int) -> Dict[str, Any]:
    return {
        "is_sender_bot": is_bot,
        "user": {"id": user_id, "name": user_id},
        "message": {"timestamp": timestamp, "text": text},
    }


class Google(Platform):
    identifier = "google"

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _request_of(turn) is not None

    @guarded(list)
    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        request = _request_of(turn)
        reply = _response_of(turn, response, http_response)
        if request is None or reply is None:
            return []
        if is_actions_sdk(request):
            return [Record(ACTIONS_PATH, {"request": request, "response": reply}, request_id=turn.request_id)]
        original = as_dict(request.get("originalDetectIntentRequest"))
        if (
            isinstance(as_dict(reply.get("payload")).get("google"), dict)
            or original.get("source") == "google"
        ):
            return [
                Record(DIALOGFLOW_PATH, {"request": request, "response": reply}, request_id=turn.request_id)
            ]
        return self._as_generic(turn, request, reply)

    def _as_generic(self, turn: Turn, request: Dict[str, Any], reply: Dict[str, Any]) -> List[Record]:
        session = request.get("session")
        user_id = session.rsplit("/", 1)[-1] if isinstance(session, str) and session else ""
        if not user_id:
            return []
        records: List[Record] = []
        now = now_ms()
        query = as_dict(request.get("queryResult")).get("queryText")
        if isinstance(query, str) and query:
            records.append(
                Record(GENERIC_PATH, _generic(False, user_id, query, now), request_id=turn.request_id)
            )
        for text in _dialogflow_texts(reply):
            records.append(
                Record(GENERIC_PATH, _generic(True, user_id, text, now + 1), request_id=turn.request_id)
            )
        return records


PLATFORM = Google()

__all__ = ["ACTIONS_PATH", "DIALOGFLOW_PATH", "PLATFORM", "Google", "is_actions_sdk", "is_dialogflow"]

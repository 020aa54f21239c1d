"""The optional ``nlu_payload`` that every platform's body may carry (reference: "Natural Language
Understanding").

The API takes the result an NLU service returned, unchanged, with one added key, ``type``: ``"luis"``
(Microsoft LUIS), ``"rasa"`` (a Rasa NLU parse result) or ``"watson_assistant"`` (an IBM Watson Assistant
V1 or V2 message response)::

    {"type": "luis", "query": "I am looking for Mexican food",
     "topScoringIntent": {"intent": "...", "score": ...}, "intents": [...], "entities": [...]}

``build(kind, result)`` makes one from a result whose service you know; ``normalize(payload)`` checks one a
user supplied (and adds ``type`` when it is missing but the shape tells); ``detect_type(result)`` names
the service from the shape. None of them raises; each gives None for anything it cannot use.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

LUIS = "luis"
RASA = "rasa"
WATSON_ASSISTANT = "watson_assistant"
TYPES = (LUIS, RASA, WATSON_ASSISTANT)

_ALIASES = {
    "luis": LUIS,
    "microsoft_luis": LUIS,
    "rasa": RASA,
    "rasa_nlu": RASA,
    "watson_assistant": WATSON_ASSISTANT,
    "watson": WATSON_ASSISTANT,
    "watson-assistant": WATSON_ASSISTANT,
    "watsonassistant": WATSON_ASSISTANT,
}


def canonical_type(kind: Any) -> Optional[str]:
    """``"luis"``, ``"rasa"`` or ``"watson_assistant"`` for a known name (any case), else None."""
    if not isinstance(kind, str):
        return None
    return _ALIASES.get(kind.strip().lower())


def build(kind: Any, result: Any) -> Optional[Dict[str, Any]]:
    """``result`` with ``"type": kind`` put first, or None when ``kind`` is unknown or ``result`` no dict."""
    canonical = canonical_type(kind)
    if canonical is None or not isinstance(result, dict):
        return None
    payload: Dict[str, Any] = {"type": canonical}
    for key, value in result.items():
        if key != "type":
            payload[key] = value
    return payload


def detect_type(result: Any) -> Optional[str]:
    """Which service produced ``result``, judged from its shape, or None."""
    if not isinstance(result, dict):
        return None
    # LUIS v2: {"query", "topScoringIntent", "intents", "entities"};
    # LUIS v3: {"query", "prediction": {"topIntent", "intents", "entities"}}
    if isinstance(result.get("query"), str) and (
        isinstance(result.get("topScoringIntent"), dict)
        or (isinstance(result.get("prediction"), dict) and "topIntent" in result["prediction"])
    ):
        return LUIS
    # Rasa NLU parse result: {"text", "intent": {"name", "confidence"}, "entities", "intent_ranking"}
    intent = result.get("intent")
    if isinstance(result.get("text"), str) and isinstance(intent, dict) and "name" in intent:
        return RASA
    # Watson Assistant V1: {"input", "intents", "entities", "output", "context"};
    # V2: {"output": {"generic", "intents", "entities"}, "context"}
    output = result.get("output")
    if isinstance(output, dict):
        if isinstance(result.get("intents"), list) and ("input" in result or "context" in result):
            return WATSON_ASSISTANT
        if isinstance(output.get("generic"), list) or isinstance(output.get("intents"), list):
            return WATSON_ASSISTANT
    return None


def normalize(payload: Any) -> Optional[Dict[str, Any]]:
    """A usable ``nlu_payload`` from what a user supplied, or None.

    A dict whose ``type`` names a known service is kept (``type`` spelled canonically and put first);
    one without ``type`` gets it when its shape tells the service; anything else is dropped, since the
    API would not know what to do with it.
    """
    if not isinstance(payload, dict):
        return None
    kind = canonical_type(payload.get("type")) if "type" in payload else detect_type(payload)
    if kind is None:
        return None
    if payload.get("type") == kind and next(iter(payload), None) == "type":
        return payload
    return build(kind, payload)


def luis(result: Any) -> Optional[Dict[str, Any]]:
    """``nlu_payload`` from a LUIS prediction result."""
    return build(LUIS, result)


def rasa(result: Any) -> Optional[Dict[str, Any]]:
    """``nlu_payload`` from a Rasa NLU parse result (``/model/parse``)."""
    return build(RASA, result)


def watson_assistant(result: Any) -> Optional[Dict[str, Any]]:
    """``nlu_payload`` from a Watson Assistant V1 or V2 message response."""
    return build(WATSON_ASSISTANT, result)


__all__ = ["TYPES", "build", "canonical_type", "detect_type", "luis", "normalize", "rasa", "watson_assistant"]

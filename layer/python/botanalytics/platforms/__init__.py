"""The platform registry: dotted names of platform modules, most specific first.

Each module defines a ``Platform`` subclass and exposes one instance of it as ``PLATFORM``.
Modules are imported lazily, the first time detection needs them, so that ``import botanalytics`` stays
cheap. Order matters: the first module whose ``detect`` returns True owns the turn; ``generic`` is last.
"""
from __future__ import annotations

import importlib
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Dict, List, Optional

from .._log import get_logger
from .base import DidNotDetect, Platform, Turn

logger = get_logger("botanalytics")

# (identifier, module). Identifiers are what users pass as ``platform=`` to force one.
REGISTRY: List[str] = [
    "alexa",
    "lex",
    # Rasa broker events: direct, HTTP, SQS or Kafka/MSK (checked before anything that reads SQS/SNS)
    "rasa",
    # webhook platforms from the platforms issue are inserted here, before the generic catch-all
    "messenger",
    "slack",
    "twilio",
    "line",
    "viber",
    "kik",
    "wechat",
    "google",
    "rbm",
    "botframework",
    "telegram",
    "watson",
    "sms",
    "generic",
]

_loaded: Dict[str, Optional[Platform]] = {}


def get(identifier: str) -> Optional[Platform]:
    """The platform registered as ``identifier``, or None when it is unknown or cannot load."""
    if identifier not in _loaded:
        platform: Optional[Platform] = None
        if identifier in REGISTRY:
            try:
                module = importlib.import_module(f"{__name__}.{identifier}")
                platform = getattr(module, "PLATFORM")
            except DidNotDetect:
                platform = None
            except Exception:  # a broken platform module must not break the bot
                logger.exception("botanalytics: platform module %r failed to load", identifier)
                platform = None
        _loaded[identifier] = platform
    return _loaded[identifier]


def detect(turn: Turn, only: Optional[str] = None) -> Optional[Platform]:
    """The first registered platform that recognises ``turn`` (or ``only``, when the user forced one)."""
    for identifier in [only] if only else REGISTRY:
        platform = get(identifier)
        if platform is None:
            continue
        try:
            if platform.detect(turn):
                return platform
        except Exception:
            logger.debug("botanalytics: %s.detect raised", identifier, exc_info=True)
    return None


__all__ = ["REGISTRY", "Platform", "Turn", "detect", "get"]

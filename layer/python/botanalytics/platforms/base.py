"""What every platform module provides. One module per platform, listed in ``platforms/__init__.py``."""
from __future__ import annotations

TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, List, Optional

from .._value import ValueObject
from ..webhook import HttpRequest, HttpResponse
from ..record import Record


class Turn(ValueObject):
    """One invocation as platforms see it.

    ``event`` is the raw Lambda event; ``http`` is set when the event is a webhook in an AWS HTTP envelope
    (then platforms read ``http`` and never the envelope itself). ``request_id`` is the Lambda request id.
    """
    # event: Any
    # http: Optional[HttpRequest]
    # request_id: Optional[str] = None
    # context: Any = None
    __slots__ = ("event", "http", "request_id", "context")
    _DEFAULTS = {"request_id": None, "context": None}


class Platform:
    """Base class: ``detect`` decides; ``incoming`` is what is known before the handler runs (sent in
    parallel with it); ``outgoing`` is what the handler's ``response`` adds. Neither may raise for any
    input: the caller guards them anyway, but a platform that raises loses the turn.
    """

    identifier: str = ""

    def detect(self, turn: Turn) -> bool:
        raise NotImplementedError

    def incoming(self, turn: Turn) -> List[Record]:
        return []

    def outgoing(self, turn: Turn, response: Any, http_response: Optional[HttpResponse]) -> List[Record]:
        return []


class DidNotDetect(Exception):
    """Raised by a platform module that cannot be used (e.g. a missing optional dependency)."""

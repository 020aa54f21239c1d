"""Post-response delivery through an internal Lambda extension (see the extension issue).

Until the extension is registered, ``deliver_after_response`` returns False and the wrapper waits
in the handler (the bounded in-handler fallback).
"""
from __future__ import annotations

from typing import Any, Optional

from .retry import Deadline

_registered: Optional[Any] = None


def deliver_after_response(dispatcher: Any, deadline: Deadline) -> bool:
    """True when the internal extension will wait for ``dispatcher`` after the response has gone."""
    return False

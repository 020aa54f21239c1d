"""The unit of delivery: one HTTP request to the Botanalytics API."""
from __future__ import annotations

import os
import time
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

from ._value import Factory, ValueObject


def now_ms() -> int:
    """Wall-clock time in integer milliseconds, the unit the API expects."""
    return int(time.time() * 1000)


class Record(ValueObject):
    """One request to send: ``method`` ``path`` (relative to the API base URL) with a JSON ``body``.

    ``record_id`` travels in the ``X-Botanalytics-Record-Id`` header (never in the body, which stays as
    the official SDKs send it) so that a collector can drop the duplicates that at-least-once delivery
    may produce. ``request_id`` is the Lambda request id of the invocation that produced the record.
    """
    # path: str
    # body: Any
    # method: str = "POST"
    # record_id: str = field(default_factory=lambda: os.urandom(16).hex())  # 128 random bits
    # request_id: Optional[str] = None
    # created_ms: int = field(default_factory=now_ms)
    __slots__ = ("path", "body", "method", "record_id", "request_id", "created_ms")
    _DEFAULTS = {"method": "POST", "record_id": Factory(lambda: os.urandom(16).hex()), "request_id": None, "created_ms": Factory(now_ms)}

    def to_dict(self) -> Dict[str, Any]:
        return {
            "path": self.path,
            "body": self.body,
            "method": self.method,
            "record_id": self.record_id,
            "request_id": self.request_id,
            "created_ms": self.created_ms,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Record":
        return cls(
            path=str(data["path"]),
            body=data["body"],
            method=str(data.get("method", "POST")),
            record_id=str(data["record_id"]),
            request_id=data.get("request_id"),
            created_ms=int(data.get("created_ms", 0)),
        )

"""botanalytics: report every conversation turn of a bot on AWS Lambda to Botanalytics.

    import botanalytics

    @botanalytics.track
    def lambda_handler(event, context):
        ...

Standard library only; ``import botanalytics`` is cheap (the transport loads in the delivery thread).
"""
from __future__ import annotations

from .client import Botanalytics, flush
from .config import Config
from .guard import stats
from .record import Record
from .retry import Deadline, RetryPolicy
from .tracker import track

__version__ = "0.1.0"
__all__ = ["Botanalytics", "Config", "Deadline", "Record", "RetryPolicy", "flush", "is_paused", "stats", "track"]


def __getattr__(name: str) -> object:
    """``botanalytics.is_paused`` (live person takeover) loads its module, and boto3, only when used."""
    if name == "is_paused":
        from .pause import is_paused

        return is_paused
    raise AttributeError(f"module 'botanalytics' has no attribute {name!r}")

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
__all__ = ["Botanalytics", "Config", "Deadline", "Record", "RetryPolicy", "flush", "stats", "track"]

"""Loggers that import ``logging`` only when a line is actually logged.

Lambda's runtime has ``logging`` loaded already, but ``import botanalytics`` must stay cheap in any
process: the layer's import path touches none of ``logging``, ``ssl``, ``http.client`` or ``boto3``.
"""
from __future__ import annotations

TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any

DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40


class LazyLogger:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        import logging

        return getattr(logging.getLogger(self.name), attribute)


def get_logger(name: str = "botanalytics") -> Any:
    return LazyLogger(name)

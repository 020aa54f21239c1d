"""Support for the ``collector`` pytest fixture (tests/conftest.py keeps only a thin wrapper).

``running_collector()`` starts a collector, hands it over, stops it, and then fails loudly if the
collector hit a bug of its own while serving (an exception that was not a connection error), so a
test never passes on a collector that silently misbehaved.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from . import TEST_TOKEN
from .core import Collector


class CollectorBug(AssertionError):
    """The collector raised while serving; the traceback is in the message."""


@contextmanager
def running_collector(token: str = TEST_TOKEN, **options: Any) -> Iterator[Collector]:
    collector = Collector(token=token, **options).start()
    try:
        yield collector
    finally:
        collector.stop()
    errors = collector.internal_errors()
    if errors:
        raise CollectorBug("the collector failed while serving:\n" + "\n".join(errors))

"""Fixtures shared by every test folder. Keep them thin: the logic lives in the packages they wrap."""
from __future__ import annotations

import pytest


@pytest.fixture
def collector():
    """A running local Botanalytics collector (HTTPS on 127.0.0.1, fresh test CA, temporary SQLite).

    Use ``collector.url``, ``collector.ca_file`` and ``collector.token``; see ``devtools.collector``.
    Stopped after the test, which then fails if the collector itself hit an internal error.
    """
    from devtools.collector.testing import running_collector

    with running_collector() as running:
        yield running

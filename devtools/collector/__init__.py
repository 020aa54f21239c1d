"""A local Botanalytics-compatible collector: HTTPS on 127.0.0.1, SQLite storage, switchable faults.

Dev tooling only (never shipped in the layer). Importable on Python 3.9+; needs ``trustme`` for TLS.

    from devtools.collector import Collector
    with Collector(token="test-token") as c:      # https://127.0.0.1:PORT/v1/, CA bundle at c.ca_file
        ...
        c.fault("status", code=503, times=2)      # the next two requests get 503, then normal again
        c.records("messages/generic/")

Command line: ``python -m devtools.collector --port 0 --token T --db FILE``.
"""
from __future__ import annotations

from .api import RECORD_ID_HEADER
from .core import Collector
from .faults import KINDS as FAULT_KINDS
from .store import Rejection, StoredRecord

#: The token the ``collector`` pytest fixture uses: distinctive, so a test can search logs for it.
TEST_TOKEN = "test-token-5f0c2b"

__all__ = ["Collector", "StoredRecord", "Rejection", "FAULT_KINDS", "RECORD_ID_HEADER", "TEST_TOKEN"]

"""``Collector``: a local Botanalytics-compatible API server for tests, the demo and manual runs."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from .api import Api, Stats
from .faults import Fault, FaultSwitch, make_fault
from .server import CollectorServer
from .store import Rejection, Store, StoredRecord
from .tls import TestCA

if TYPE_CHECKING:  # pragma: no cover
    from .inspector import InspectorServer


def _cleanup(store: Store, tmpdir: str) -> None:
    store.close()
    shutil.rmtree(tmpdir, ignore_errors=True)


class Collector:
    """A Botanalytics v1 API on ``127.0.0.1``, over HTTPS with a test CA made at ``start()``.

    Example::

        with Collector(token="test-token") as c:
            context = ssl.create_default_context(cafile=c.ca_file)
            ...  # POST to c.url + "messages/generic/" with "Authorization: Token test-token"
            assert c.wait_for(1)
            assert c.records("messages/generic/")[0].body["message"]["text"] == "hi"

    ``db_path=None`` stores into a temporary SQLite file removed when the collector is garbage-collected
    (``records()`` still works after ``stop()``); a given ``db_path`` is kept, and rows already in it are
    part of ``records()`` and of duplicate detection.

    ``inspector=True`` also serves the inspector page (``devtools.collector.inspector``) over plain HTTP on
    a second 127.0.0.1 port (``inspector_port``, 0 = a free one), at ``inspector_url``; ``redact`` (the
    layer's ``BOTANALYTICS_REDACT`` syntax, e.g. ``"email,phone,card,field:ssn"``) masks personal data on
    that page the way the layer would. Neither changes what the API stores or answers.
    """

    def __init__(
        self,
        token: str = "test-token",
        tls: bool = True,
        db_path: Optional[str] = None,
        *,
        port: int = 0,
        idle_timeout: float = 60.0,
        inspector: bool = False,
        inspector_port: int = 0,
        redact: Optional[str] = None,
    ) -> None:
        if not token:
            raise ValueError("the collector needs a non-empty token")
        self.token = token
        self.tls = tls
        self.port = port
        self.idle_timeout = idle_timeout
        self._tmpdir = tempfile.mkdtemp(prefix="botanalytics-collector-")
        self.db_path = db_path or os.path.join(self._tmpdir, "collector.sqlite3")
        self._stats = Stats()
        self._faults = FaultSwitch()
        self._stored = threading.Condition()
        self._store = Store(self.db_path, durable=db_path is not None)
        self._cleanup = weakref.finalize(self, _cleanup, self._store, self._tmpdir)
        self._api = Api(token, self._store, self._stats, on_stored=self._notify_stored)
        self._stopping = threading.Event()
        self._internal: List[str] = []
        self._tls: Optional[TestCA] = None
        self._server: Optional[CollectorServer] = None
        self._thread: Optional[threading.Thread] = None
        self._state_lock = threading.Lock()
        self.inspector = inspector
        self.inspector_port = inspector_port
        self.redact = redact
        self._inspector: Optional["InspectorServer"] = None
        self._inspector_thread: Optional[threading.Thread] = None
        self._demo_report: Optional[Dict[str, Any]] = None
        self._demo_revision = 0

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> "Collector":
        """Make the test CA, bind 127.0.0.1 (a free port unless ``port`` was given) and serve on a
        daemon thread. Returns self."""
        with self._state_lock:
            if self._server is not None:
                return self
            if self._stopping.is_set():
                raise RuntimeError("a stopped collector cannot be started again; make a new one")
            if self.tls:
                self._tls = TestCA(self._tmpdir)
            self._server = CollectorServer(self, self.port)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_until_stopped,
                name="botanalytics-collector:%d" % self.port,
                daemon=True,
            )
            self._thread.start()
            if self.inspector:
                self._start_inspector()
        return self

    def _start_inspector(self) -> None:
        from .inspector import InspectorServer

        try:
            self._inspector = InspectorServer(self, self.inspector_port)
        except BaseException:
            server, self._server = self._server, None
            self._stopping.set()
            if server is not None:
                server.stop_serving()
            raise
        self.inspector_port = self._inspector.server_address[1]
        self._inspector_thread = threading.Thread(
            target=self._inspector.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="botanalytics-inspector:%d" % self.inspector_port,
            daemon=True,
        )
        self._inspector_thread.start()

    def stop(self) -> None:
        """Close the listening socket and every connection (black-holed ones too). Idempotent, quick."""
        with self._state_lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
            server, self._server = self._server, None
            inspector, self._inspector = self._inspector, None
        self._faults.clear()
        if inspector is not None:
            inspector.shutdown()
            inspector.server_close()
        if server is not None:
            server.stop_serving()
        if self._thread is not None:
            self._thread.join(2.0)

    def __enter__(self) -> "Collector":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- where to connect ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The API base URL, ``https://127.0.0.1:PORT/v1/`` (``http://`` when ``tls=False``)."""
        if self._server is None and not self._stopping.is_set():
            raise RuntimeError("the collector is not started")
        return "%s://127.0.0.1:%d/v1/" % ("https" if self.tls else "http", self.port)

    @property
    def ca_file(self) -> Optional[str]:
        """Path of the PEM bundle of the test CA a client must trust (None when ``tls=False``)."""
        if self.tls and self._tls is None:
            raise RuntimeError("the collector is not started")
        return self._tls.ca_file if self._tls is not None else None

    @property
    def inspector_url(self) -> Optional[str]:
        """The inspector page, ``http://127.0.0.1:PORT/`` (None unless started with ``inspector=True``)."""
        if not self.inspector:
            return None
        if self._inspector is None and not self._stopping.is_set():
            raise RuntimeError("the collector is not started")
        return "http://127.0.0.1:%d/" % self.inspector_port

    # -- figures reported by a driver (the demo) ----------------------------------------------------

    def set_demo_report(self, report: Mapping[str, Any]) -> None:
        """Delivery figures measured by whoever drives the bots (``make demo``), shown on the inspector
        page: ``{"bots": [{"bot", "invocations", "added_p50_ms", "added_p99_ms", "delivered"}, ...],
        "layer": {counter: n}, ...}``. Must be JSON-serialisable; replaces the previous report."""
        copy = json.loads(json.dumps(dict(report)))
        with self._state_lock:
            self._demo_report = copy
            self._demo_revision += 1

    def demo_report(self) -> Optional[Dict[str, Any]]:
        """The last ``set_demo_report`` value (a copy), or None."""
        with self._state_lock:
            return json.loads(json.dumps(self._demo_report)) if self._demo_report is not None else None

    def _demo_state(self) -> "tuple[int, Optional[Dict[str, Any]]]":
        with self._state_lock:
            return self._demo_revision, self._demo_report

    # -- what arrived -------------------------------------------------------------------------------

    def records(self, path: Optional[str] = None) -> List[StoredRecord]:
        """Stored records in arrival order, optionally for one path (``"messages/generic/"``)."""
        return self._store.records(path)

    def rejections(self) -> List[Rejection]:
        """Every non-2xx answer given, in order."""
        return self._store.rejections()

    def stats(self) -> Dict[str, int]:
        """Counters: accepted, rejected, duplicates, requests, connections, tls_failures,
        faults_applied, internal_errors."""
        return self._stats.snapshot()

    def internal_errors(self) -> List[str]:
        """Tracebacks of collector bugs (exceptions in the handler that are not connection errors)."""
        with self._state_lock:
            return list(self._internal)

    def wait_for(self, count: int, timeout: float = 5.0, path: Optional[str] = None) -> bool:
        """Wait until at least ``count`` records are stored (for ``path``, if given). False on timeout."""
        deadline = time.monotonic() + timeout
        with self._stored:
            while self._store.count(path) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._stored.wait(remaining)
        return True

    # -- faults -------------------------------------------------------------------------------------

    def fault(self, kind: Any, **params: Any) -> None:
        """Switch to a fault (see ``devtools.collector.faults``) for what arrives from now on.

        ``times=N`` limits it to the next N requests (connections, for ``wrong_cert``) and then it
        clears itself. Replacing a fault releases connections a previous black hole held.
        """
        fault = make_fault(kind, **params)
        if fault.kind == "wrong_cert" and not self.tls:
            raise ValueError("wrong_cert needs a TLS collector")
        self._faults.set(fault)
        server = self._server
        if fault.kind == "wrong_cert" and fault["close_existing"] and server is not None:
            server.cut_connections()

    def clear_fault(self) -> None:
        """Back to normal; black-holed connections are closed (without an answer)."""
        self._faults.clear()

    def active_fault(self) -> Optional[str]:
        """The kind of the active fault, or None."""
        fault = self._faults.current()
        return fault.kind if fault is not None else None

    # -- used by the server -------------------------------------------------------------------------

    def _notify_stored(self) -> None:
        with self._stored:
            self._stored.notify_all()

    def _hold(self, fault: Fault) -> None:
        """Block a black-holed connection's thread until the fault is released or the collector stops."""
        while not fault.released.wait(0.1):
            if self._stopping.is_set():
                return

    def _internal_error(self, text: str) -> None:
        self._stats.inc("internal_errors")
        with self._state_lock:
            self._internal.append(text)

    def __repr__(self) -> str:
        state = "running" if self._server is not None else ("stopped" if self._stopping.is_set() else "new")
        return "<Collector %s port=%d tls=%s>" % (state, self.port, self.tls)

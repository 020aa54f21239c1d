"""A tiny stand-in for ``devtools.collector`` (used only when that package cannot be imported).

HTTPS on 127.0.0.1 with a throw-away test CA (``trustme``), ``Authorization: Token <token>`` checked,
every valid JSON POST stored in memory (duplicates of an ``X-Botanalytics-Record-Id`` dropped), and the
two faults the benchmark needs: ``delay`` (``seconds``) and ``blackhole`` (read the request, never
answer; held connections are closed by ``clear_fault()`` or ``stop()``). Nagle is off on the server
sockets (WIRE-FORMAT.md, item 12), otherwise keep-alive clients stall ~44 ms per request.
"""
from __future__ import annotations

import json
import os
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional


class Recorder:
    def __init__(self, token: str = "t", tls: bool = True) -> None:
        self.token = token
        self.tls = tls
        self._records: List[Dict[str, Any]] = []
        self._ids: set = set()
        self._lock = threading.Condition()
        self._fault: Optional[Dict[str, Any]] = None
        self._release = threading.Event()
        self._server: Optional[ThreadingHTTPServer] = None
        self._dir = tempfile.mkdtemp(prefix="bench-recorder-")
        self.ca_file: Optional[str] = None
        self.url = ""

    def start(self) -> "Recorder":
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = recorder._fault
                if fault and fault["kind"] == "blackhole":
                    recorder._release.wait()
                    self.close_connection = True
                    return
                if fault and fault["kind"] == "delay":
                    time.sleep(float(fault.get("seconds", 1.0)))
                if self.headers.get("Authorization") != f"Token {recorder.token}":
                    return self._answer(401, {"error_message": "invalid token"})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._answer(400, {"error_message": "malformed JSON"})
                path = self.path.split("?")[0]
                path = path[len("/v1/"):] if path.startswith("/v1/") else path.lstrip("/")
                recorder._store(path, body, self.headers.get("X-Botanalytics-Record-Id"))
                self._answer(201, {"ok": True})

            def _answer(self, status: int, payload: Dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        scheme = "http"
        if self.tls:
            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            self.ca_file = os.path.join(self._dir, "ca.pem")
            ca.cert_pem.write_to_path(self.ca_file)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        self._server = server
        self.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/v1/"
        threading.Thread(target=server.serve_forever, name="bench-recorder", daemon=True).start()
        return self

    def _store(self, path: str, body: Any, record_id: Optional[str]) -> None:
        with self._lock:
            if record_id and record_id in self._ids:
                return
            if record_id:
                self._ids.add(record_id)
            self._records.append({"path": path, "body": body})
            self._lock.notify_all()

    def records(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._lock:
            return [r for r in self._records if path is None or r["path"] == path.strip("/") + "/"]

    def count(self) -> int:
        with self._lock:
            return len(self._records)

    def wait_for(self, n: int, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._lock:
            while len(self._records) < n:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    def fault(self, kind: str, **params: Any) -> None:
        if kind not in ("delay", "blackhole"):
            raise ValueError(f"the stand-in recorder has no fault {kind!r}")
        self._release.set()
        self._release = threading.Event()
        self._fault = dict(params, kind=kind)

    def clear_fault(self) -> None:
        self._fault = None
        self._release.set()

    def stats(self) -> Dict[str, int]:
        return {"stored": self.count()}

    def stop(self) -> None:
        self.clear_fault()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

"""The collector's HTTP(S) server: sockets, TLS, keep-alive, and where faults are applied.

A ``ThreadingHTTPServer`` on 127.0.0.1, one thread per connection. The listening socket is plain TCP; each
connection is wrapped in TLS in its own thread, so the certificate can be chosen per connection (the
``wrong_cert`` fault) and a slow handshake never blocks ``accept``. Every live connection is tracked so
``stop()`` can cut them all, black-holed ones included.

Responses are HTTP/1.1 with Content-Length, written in one ``send`` (buffered ``wfile``) with TCP_NODELAY:
two small writes plus Nagle and delayed ACK stall keep-alive clients ~40 ms (WIRE-FORMAT.md item 12).
"""
from __future__ import annotations

import logging
import selectors
import socket
import ssl
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Dict, Optional, Set
from urllib.parse import urlsplit

from .api import Reply, now_ms
from .faults import CONNECT, REQUEST, Fault

if TYPE_CHECKING:  # pragma: no cover
    from .core import Collector

log = logging.getLogger("devtools.collector")

HANDSHAKE_TIMEOUT = 10.0
MAX_BODY_BYTES = 16 * 1024 * 1024
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Conn:
    """One accepted connection: its current socket (raw, then TLS) and how it must end."""

    def __init__(self, sock: socket.socket) -> None:
        self._lock = threading.Lock()
        self.sock = sock
        self.reset = False  # close with RST instead of FIN
        self.aborted = False

    def swap(self, sock: socket.socket) -> bool:
        with self._lock:
            self.sock = sock
            return not self.aborted

    def abort(self) -> None:
        """Cut the connection from another thread: wakes a handler blocked reading it."""
        with self._lock:
            self.aborted = True
            try:
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        sock = self.sock
        if self.reset:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        else:
            try:
                socket.socket.shutdown(sock, socket.SHUT_WR)
            except OSError:
                pass
        try:
            sock.close()
        except OSError:
            pass


class CollectorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, collector: "Collector", port: int) -> None:
        self.collector = collector
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: Set[_Conn] = set()
        self._live_threads: Set[threading.Thread] = set()
        self._closing = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._loop_done = threading.Event()
        super().__init__(("127.0.0.1", port), _Handler)

    # -- the accept loop (instead of serve_forever, whose shutdown() waits up to a poll interval) ----

    def serve_until_stopped(self) -> None:
        """Accept connections until ``stop_serving()``; each is served on its own thread."""
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ, "accept")
                selector.register(self._wake_r, selectors.EVENT_READ, "wake")
                while not self._closing:
                    for key, _ in selector.select():
                        if key.data == "accept" and not self._closing:
                            self._handle_request_noblock()
        finally:
            self._loop_done.set()

    def stop_serving(self) -> None:
        """Stop the accept loop now, close the listening socket, cut every connection."""
        with self._lock:
            self._closing = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._loop_done.wait(2.0)
        self.server_close()
        self._wake_r.close()
        self._wake_w.close()
        self.close_all()

    # -- connection life cycle (accept thread, then one worker thread per connection) ----------------

    def process_request(self, request: Any, client_address: Any) -> None:
        self.collector._stats.inc("connections")
        super().process_request(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        conn = _Conn(request)
        me = threading.current_thread()
        with self._lock:
            if self._closing:
                conn.reset = True
                conn.close()
                return
            self._conns.add(conn)
            self._live_threads.add(me)
        try:
            self._serve_connection(conn, client_address)
        finally:
            conn.close()
            with self._lock:
                self._conns.discard(conn)
                self._live_threads.discard(me)

    def _serve_connection(self, conn: _Conn, client_address: Any) -> None:
        collector = self.collector
        tls = collector._tls
        fault = collector._faults.take(CONNECT)
        if fault is not None:
            collector._stats.inc("faults_applied")
            if fault.kind == "blackhole":
                collector._hold(fault)
                return
            if fault.kind == "reset":
                conn.reset = True
                return
        if tls is not None:
            context = tls.wrong_context if fault is not None and fault.kind == "wrong_cert" else tls.context
            sock = context.wrap_socket(conn.sock, server_side=True, do_handshake_on_connect=False)
            if not conn.swap(sock):
                return
            try:
                sock.settimeout(HANDSHAKE_TIMEOUT)
                sock.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                collector._stats.inc("tls_failures")
                log.debug("TLS handshake with %s failed: %s", client_address, exc)
                return
        self._local.conn = conn
        self.RequestHandlerClass(conn.sock, client_address, self)

    def current_conn(self) -> _Conn:
        return self._local.conn  # type: ignore[no-any-return]

    def shutdown_request(self, request: Any) -> None:
        # finish_request already closed the connection (with FIN or RST); only release this object.
        try:
            request.close()
        except OSError:
            pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):  # peers going away, resets, TLS errors: normal for a test server
            log.debug("connection %s: %s", client_address, exc)
            return
        self.collector._internal_error(traceback.format_exc())

    def cut_connections(self) -> None:
        """Cut every open connection (the clients see the connection closed); keep serving."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.abort()

    def close_all(self, join_timeout: float = 2.0) -> None:
        """Stop accepting, cut every live connection and wait (bounded) for their threads."""
        with self._lock:
            self._closing = True
            conns = list(self._conns)
            threads = list(self._live_threads)
        for conn in conns:
            conn.abort()
        for thread in threads:
            thread.join(join_timeout / max(len(threads), 1))


class _Handler(BaseHTTPRequestHandler):
    server: CollectorServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered: status line, headers and body leave in one send (flushed per request)
    server_version = "botanalytics-collector/1"
    sys_version = ""

    def setup(self) -> None:
        self.timeout = self.server.collector.idle_timeout
        super().setup()

    def do_POST(self) -> None:
        self._serve()

    do_PATCH = do_PUT = do_GET = do_DELETE = do_OPTIONS = do_POST

    # -- one request ---------------------------------------------------------------------------------

    def _serve(self) -> None:
        collector = self.server.collector
        received_ms = now_ms()
        collector._stats.inc("requests")
        headers = self._header_dict()
        path = urlsplit(self.path).path
        try:
            raw = self._read_body(headers)
        except _BodyError as exc:
            self.close_connection = True
            self._send(collector._api.error(exc.status, exc.message, path, self.command, headers, b"",
                                            received_ms))
            return
        fault = collector._faults.take(REQUEST)
        if fault is not None:
            collector._stats.inc("faults_applied")
            if self._apply_fault(fault, path, headers, raw, received_ms):
                return
        self._send(collector._api.handle(self.command, path, headers, raw, received_ms))

    def _apply_fault(self, fault: Fault, path: str, headers: Dict[str, str], raw: bytes,
                     received_ms: int) -> bool:
        """Apply a request-stage fault; True when it fully answered (or refused to answer) the request."""
        collector = self.server.collector
        api = collector._api
        if fault.kind == "delay":
            if collector._stopping.wait(float(fault["seconds"])):
                self.close_connection = True
                return True
            return False
        if fault.kind == "blackhole":
            collector._hold(fault)
            self.close_connection = True
            return True
        if fault.kind == "reset":
            self.server.current_conn().reset = True
            self.close_connection = True
            return True
        if fault.kind in ("status", "429"):
            code = 429 if fault.kind == "429" else int(fault["code"])
            message = fault["error_message"] or self.responses.get(code, ("Injected fault",))[0]
            extra = []
            if fault["retry_after"] is not None:
                extra.append(("Retry-After", str(fault["retry_after"])))
            self._send(api.error(code, message, path, self.command, headers, raw, received_ms, extra))
            return True
        if fault.kind == "malformed":
            if fault["store"]:
                api.handle(self.command, path, headers, raw, received_ms)
            self._send_malformed(int(fault["status"]), str(fault["variant"]))
            return True
        raise AssertionError("fault %r at the request stage" % fault.kind)  # pragma: no cover

    # -- reading -------------------------------------------------------------------------------------

    def _header_dict(self) -> Dict[str, str]:
        result: Dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            result[key] = "%s, %s" % (result[key], value) if key in result else value
        return result

    def _read_body(self, headers: Dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length_text = headers.get("content-length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            raise _BodyError(400, "invalid Content-Length header") from None
        if length > MAX_BODY_BYTES:
            raise _BodyError(413, "request body larger than %d bytes" % MAX_BODY_BYTES)
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionAbortedError("the client closed the connection mid-body")
        return data

    def _read_chunked(self) -> bytes:
        parts = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise _BodyError(400, "malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyError(413, "request body larger than %d bytes" % MAX_BODY_BYTES)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    # -- writing -------------------------------------------------------------------------------------

    def _send(self, reply: Reply) -> None:
        body = reply.body() if reply.status not in (204, 304) else b""
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_malformed(self, status: int, variant: str) -> None:
        if variant == "garbage":
            body, content_type = GARBAGE, "text/html"
        elif variant == "empty":
            body, content_type = b"", "application/json"
        else:  # truncated: announce the whole JSON body, send half of it, then close
            body, content_type = b'{"ok": true, "detail": "this body is cut short"}', "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if variant == "truncated":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(body)

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Errors raised by the base class while parsing (bad request line, headers, unknown method)."""
        collector = self.server.collector
        self.close_connection = True
        text = message or self.responses.get(code, ("Error",))[0]
        path = urlsplit(getattr(self, "path", "") or "").path
        headers = self._header_dict() if getattr(self, "headers", None) is not None else {}
        method = getattr(self, "command", None) or ""
        self._send(collector._api.error(code, text, path, method, headers, b"", now_ms()))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class signature
        log.debug("%s %s", self.address_string(), format % args)

"""Post-response delivery through an internal Lambda extension.

Lambda freezes the sandbox only when the runtime *and every registered extension* have asked for the
next event. An internal extension is a thread of ours in the runtime process, registered (for INVOKE
only: internal extensions cannot receive SHUTDOWN) synchronously while the handler module is imported.
For each invocation it waits until the wrapper hands over (after the handler returned, so the caller
already has the response), lets the dispatcher deliver under a hard post-response budget, spools what
is left, and only then calls ``next``.

Every wait is bounded: by the invocation's own deadline (minus a margin), and, where the runtime client
can be observed, by the runtime posting its result. A handler that never hands over (an untracked
function is the Lambda handler, or the handler crashed) therefore costs nothing extra, and a handler
that runs out of time still leaves the extension room to call ``next`` before the deadline.

Where the Extensions API is not there (outside Lambda, registration refused, Lambda Managed
Instances), ``deliver_after_response`` returns False and the wrapper waits in the handler instead.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
import time
from collections import deque
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple

from .guard import count, guarded
from .retry import Deadline

logger = logging.getLogger("botanalytics")

EXTENSION_NAME = "botanalytics"
API_VERSION = "2020-01-01"
HANDOVER_MARGIN_MS = 20  # call next at the latest this long before the invocation's deadline
REGISTER_TIMEOUT_S = 1.0
MAX_TRACKED_REQUESTS = 100


class _Handover:
    """What the extension thread learns about one request id: the dispatchers the wrapper handed over
    (with their post-response deadlines), and whether the runtime already posted the result."""

    __slots__ = ("ready", "work", "responded")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.work: List[Tuple[Any, Deadline]] = []
        self.responded = False


class InternalExtension:
    def __init__(self, runtime_api: str) -> None:
        self.runtime_api = runtime_api
        self.extension_id: Optional[str] = None
        self._handovers: Dict[str, _Handover] = {}
        self._lock = threading.Lock()
        self._finished: "deque[str]" = deque(maxlen=8)  # request ids whose pass is over
        self.post_response_ms: Dict[str, float] = {}  # the last few, for diagnostics
        #: True when the runtime client's result posts are observed: the extension then starts working
        #: only once the response has gone, so that it never competes with the handler for the GIL.
        self.observes_runtime = False
        self._sock: Any = None
        self._next_request = b""

    # -- the Extensions API (plain HTTP on the sandbox's loopback) ---------------------------------
    def _request(
        self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str], timeout: Optional[float]
    ) -> Tuple[int, Dict[str, str], bytes]:
        import http.client

        host, _, port = self.runtime_api.partition(":")
        conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
        try:
            conn.request(method, f"/{API_VERSION}/extension/{path}", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def register(self) -> Tuple[bool, str]:
        """Register for INVOKE; (True, "") or (False, why not)."""
        body = json.dumps({"events": ["INVOKE"]}).encode()
        status, headers, data = self._request(
            "POST",
            "register",
            body,
            {"Lambda-Extension-Name": EXTENSION_NAME, "Content-Type": "application/json"},
            REGISTER_TIMEOUT_S,
        )
        if status != 200 or not headers.get("lambda-extension-identifier"):
            return False, f"registration refused ({status}: {data[:200].decode('utf-8', 'replace')})"
        self.extension_id = headers["lambda-extension-identifier"]
        return True, ""

    def start(self) -> None:
        thread = threading.Thread(target=self._loop, name="botanalytics-extension", daemon=True)
        thread.start()

    def _next_event(self) -> Optional[Dict[str, Any]]:
        """``GET event/next`` on one kept-alive loopback connection, parsed minimally: the answer arrives
        just as the handler starts, and http.client's header parsing would compete with it for the GIL."""
        assert self.extension_id is not None
        if self._sock is None:
            import socket

            host, _, port = self.runtime_api.partition(":")
            self._sock = socket.create_connection((host, int(port or 80)))
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._next_request = (
                f"GET /{API_VERSION}/extension/event/next HTTP/1.1\r\nHost: {self.runtime_api}\r\n"
                f"Lambda-Extension-Identifier: {self.extension_id}\r\n\r\n"
            ).encode("ascii")
        try:
            self._sock.sendall(self._next_request)
            status, body = _read_reply(self._sock)
        except Exception:
            self._close_socket()
            raise
        if status != 200:
            raise ConnectionError(f"event/next answered {status}")
        event = json.loads(body)
        return event if isinstance(event, dict) else None

    def _close_socket(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # -- the loop: one pass per invocation ---------------------------------------------------------
    def _loop(self) -> None:
        failures = 0
        while True:
            try:
                event = self._next_event()
            except Exception:
                failures += 1
                if failures > 3:
                    logger.warning("botanalytics: extension loop stopped; falling back to in-handler waits")
                    _disable()
                    return
                time.sleep(0.01)
                continue
            failures = 0
            if not event or event.get("eventType") != "INVOKE":
                continue
            with guarded("extension invoke"):
                self._after_invoke(str(event.get("requestId", "")), event.get("deadlineMs"))

    def _after_invoke(self, request_id: str, deadline_ms: Any) -> None:
        """Everything between this invocation's INVOKE event and our next ``next``. Never blocks past
        the invocation's deadline minus HANDOVER_MARGIN_MS."""
        handover = self._handover(request_id)
        try:
            remaining_s = (float(deadline_ms) - time.time() * 1000 - HANDOVER_MARGIN_MS) / 1000.0
        except (TypeError, ValueError):
            remaining_s = 3.0
        invocation_end = Deadline.after(max(0.0, remaining_s))
        try:
            if not handover.ready.wait(invocation_end.remaining()):
                count("extension_handover_missed")  # the handler is still running at the deadline
                return
            with self._lock:
                work = list(handover.work)
            if not work:
                count("extension_no_handover")  # the runtime answered without our wrapper in the path
                return
            started = time.monotonic()
            for dispatcher, deadline in work:
                dispatcher.begin_invocation(deadline.earliest(invocation_end))  # sends may start now
            for dispatcher, deadline in work:
                if not dispatcher.wait(deadline.earliest(invocation_end)):
                    count("deferred_invocations")
                    dispatcher.persist_pending()
                dispatcher.end_invocation()
            self.post_response_ms[request_id] = (time.monotonic() - started) * 1000
            if len(self.post_response_ms) > MAX_TRACKED_REQUESTS:
                self.post_response_ms.pop(next(iter(self.post_response_ms)))
        finally:
            self._drop(request_id)

    def _handover(self, request_id: str) -> _Handover:
        with self._lock:
            handover = self._handovers.get(request_id)
            if handover is None:
                handover = self._handovers[request_id] = _Handover()
                if len(self._handovers) > MAX_TRACKED_REQUESTS:  # never grow without bound on odd ids
                    self._handovers.pop(next(iter(self._handovers)))
            return handover

    def _drop(self, request_id: str) -> None:
        with self._lock:
            self._handovers.pop(request_id, None)
            self._finished.append(request_id)

    def hand_over(self, request_id: str, dispatcher: Any, deadline: Deadline) -> None:
        handover = self._handover(request_id)
        with self._lock:
            if not any(d is dispatcher for d, _ in handover.work):
                handover.work.append((dispatcher, deadline))
        if not self.observes_runtime:
            handover.ready.set()  # else runtime_responded() sets it, once the caller has the answer

    def runtime_responded(self, request_id: str) -> None:
        """The runtime posted this invocation's result: no handover can follow any more."""
        with self._lock:
            if request_id in self._finished:
                return  # the extension was quicker (nothing to deliver) and has moved on
        handover = self._handover(request_id)
        handover.responded = True
        handover.ready.set()


def _read_reply(sock: Any) -> Tuple[int, bytes]:
    """One HTTP/1.1 reply with a Content-Length body (what the Extensions API sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the Extensions API closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(max(65536, length - len(body)))
        if not chunk:
            raise ConnectionError("the Extensions API closed the connection")
        body += chunk
    return status, body[:length]


_extension: Optional[InternalExtension] = None
_decided = False
_decide_lock = threading.Lock()


def _disable() -> None:
    global _extension
    _extension = None


def _announce(message: str, *args: Any) -> None:
    """The delivery mode, once per container. Lambda's Python runtime leaves the root logger at WARNING
    unless the function sets a log level; our logger shows INFO unless someone configured it."""
    if logger.level == logging.NOTSET and not os.environ.get("AWS_LAMBDA_LOG_LEVEL"):
        logger.setLevel(logging.INFO)
    logger.info(message, *args)


def ensure_registered(mode: str) -> Optional[InternalExtension]:
    """Register the internal extension once per process, at init. Logs the delivery mode once."""
    global _extension, _decided
    with _decide_lock:
        if _decided:
            return _extension
        _decided = True
        runtime_api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
        reason = ""
        if mode == "in-handler":
            reason = "configured"
        elif not runtime_api:
            reason = "no Lambda Extensions API here"
        elif os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "lambda-managed-instances" or os.environ.get(
            "AWS_LAMBDA_MAX_CONCURRENCY"
        ):
            reason = "Lambda Managed Instances"
        else:
            try:
                extension = InternalExtension(runtime_api)
                ok, reason = extension.register()
                if ok:
                    extension.observes_runtime = _watch_runtime_results(extension) > 0
                    extension.start()
                    _extension = extension
            except Exception as exc:
                reason = f"registration failed ({type(exc).__name__})"
        if _extension is not None:
            _announce("botanalytics: delivery mode: after the response (internal extension)")
        else:
            _announce("botanalytics: delivery mode: in-handler wait (%s)", reason)
        return _extension


def deliver_after_response(dispatcher: Any, deadline: Deadline, request_id: Optional[str]) -> bool:
    """True when the internal extension will wait for ``dispatcher`` after the response has gone."""
    extension = _extension
    if extension is None or not request_id:
        return False
    extension.hand_over(request_id, dispatcher, deadline)  # it opens the sending window after the response
    return True


def active() -> bool:
    """True when delivery happens after the response (the internal extension is running)."""
    return _extension is not None


# -- seeing the runtime post its result ------------------------------------------------------------
_RESULT_METHODS = ("post_invocation_result", "post_invocation_error")
_PATCHED = "__botanalytics_observed__"


def _watch_runtime_results(extension: InternalExtension) -> int:
    """Observe the runtime client's result posts (awslambdaric, and the managed runtimes' copy of it,
    already imported when the handler module is), so that the extension never waits for a handover
    that cannot come. Best effort: without it, waits stay bounded by the invocation's deadline."""
    patched = 0
    for name, module in list(sys.modules.items()):
        if not name.endswith("lambda_runtime_client") or module is None:
            continue
        for cls in vars(module).values():
            if not isinstance(cls, type):
                continue
            for method_name in _RESULT_METHODS:
                original = cls.__dict__.get(method_name)
                if callable(original) and not getattr(original, _PATCHED, False):
                    setattr(cls, method_name, _observed(original, extension))
                    patched += 1
    return patched


def _observed(original: Callable[..., Any], extension: InternalExtension) -> Callable[..., Any]:
    @functools.wraps(original)
    def post(self: Any, invoke_id: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, invoke_id, *args, **kwargs)
        finally:
            if isinstance(invoke_id, str):
                with guarded("runtime result observer"):
                    extension.runtime_responded(invoke_id)

    setattr(post, _PATCHED, True)
    return post


def reset_for_tests() -> None:
    global _extension, _decided
    _extension = None
    _decided = False

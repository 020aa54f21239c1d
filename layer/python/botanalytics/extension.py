"""Post-response delivery through an internal Lambda extension.

Lambda freezes the sandbox only when the runtime *and every registered extension* have asked for the
next event. An internal extension is a thread of ours in the runtime process, registered (for INVOKE
only: internal extensions cannot receive SHUTDOWN) synchronously while the handler module is imported.
For each invocation it waits until the wrapper hands over (after the handler returned, so the caller
already has the response), lets the dispatcher deliver under a hard post-response budget, spools what
is left, and only then calls ``next``. Every wait is bounded by the invocation's own deadline, so a
handler that never hands over cannot hold the sandbox until the function timeout.

Where the Extensions API is not there (outside Lambda, registration refused, Lambda Managed
Instances), ``deliver_after_response`` returns False and the wrapper waits in the handler instead.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any, Dict, Optional

from .guard import count, guarded
from .retry import Deadline

logger = logging.getLogger("botanalytics")

EXTENSION_NAME = "botanalytics"
API_VERSION = "2020-01-01"
HANDOVER_MARGIN_MS = 20  # call next at the latest this long before the invocation's deadline
REGISTER_TIMEOUT_S = 1.0


class _Handover:
    """What the wrapper gives the extension thread for one request id."""

    __slots__ = ("ready", "dispatcher", "deadline")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.dispatcher: Any = None
        self.deadline: Optional[Deadline] = None


class InternalExtension:
    def __init__(self, runtime_api: str) -> None:
        self.runtime_api = runtime_api
        self.extension_id: Optional[str] = None
        self._handovers: Dict[str, _Handover] = {}
        self._lock = threading.Lock()
        self._current_request: Optional[str] = None
        self.post_response_ms: Dict[str, float] = {}  # last few, for diagnostics

    # -- the Extensions API (plain HTTP on the sandbox's loopback) ---------------------------------
    def _request(self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str],
                 timeout: Optional[float]) -> "tuple[int, Dict[str, str], bytes]":
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

    def register(self) -> bool:
        body = json.dumps({"events": ["INVOKE"]}).encode()
        status, headers, data = self._request(
            "POST", "register", body, {"Lambda-Extension-Name": EXTENSION_NAME, "Content-Type": "application/json"},
            REGISTER_TIMEOUT_S)
        if status != 200 or not headers.get("lambda-extension-identifier"):
            logger.info("botanalytics: extension registration refused (%s): %s", status, data[:200])
            return False
        self.extension_id = headers["lambda-extension-identifier"]
        return True

    def start(self) -> None:
        thread = threading.Thread(target=self._loop, name="botanalytics-extension", daemon=True)
        thread.start()

    def _next_event(self) -> Optional[Dict[str, Any]]:
        assert self.extension_id is not None
        status, _, data = self._request("GET", "event/next", None,
                                        {"Lambda-Extension-Identifier": self.extension_id}, None)
        if status != 200:
            return None
        event = json.loads(data.decode("utf-8"))
        return event if isinstance(event, dict) else None

    # -- the loop: one pass per invocation ---------------------------------------------------------
    def _loop(self) -> None:
        failures = 0
        while True:
            try:
                event = self._next_event()
            except Exception:  # noqa: BLE001 - the Extensions API went away: stop quietly
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
        handover = self._handover(request_id)
        try:
            remaining_s = (float(deadline_ms) - time.time() * 1000 - HANDOVER_MARGIN_MS) / 1000.0
        except (TypeError, ValueError):
            remaining_s = 3.0
        invocation_end = Deadline.after(max(0.0, remaining_s))
        if not handover.ready.wait(invocation_end.remaining()):
            count("extension_handover_missed")  # the handler timed out, crashed, or was not tracked
            self._drop(request_id)
            return
        started = time.monotonic()
        dispatcher = handover.dispatcher
        deadline = invocation_end if handover.deadline is None else handover.deadline.earliest(invocation_end)
        if not dispatcher.wait(deadline):
            count("deferred_invocations")
            dispatcher.persist_pending()
        dispatcher.end_invocation()
        elapsed_ms = (time.monotonic() - started) * 1000
        self.post_response_ms[request_id] = elapsed_ms
        if len(self.post_response_ms) > 50:
            self.post_response_ms.pop(next(iter(self.post_response_ms)))
        self._drop(request_id)

    def _handover(self, request_id: str) -> _Handover:
        with self._lock:
            handover = self._handovers.get(request_id)
            if handover is None:
                handover = self._handovers[request_id] = _Handover()
                if len(self._handovers) > 100:  # never grow without bound on odd request ids
                    self._handovers.pop(next(iter(self._handovers)))
            return handover

    def _drop(self, request_id: str) -> None:
        with self._lock:
            self._handovers.pop(request_id, None)

    def hand_over(self, request_id: str, dispatcher: Any, deadline: Deadline) -> None:
        handover = self._handover(request_id)
        handover.dispatcher = dispatcher
        handover.deadline = deadline
        handover.ready.set()


_extension: Optional[InternalExtension] = None
_decided = False
_decide_lock = threading.Lock()


def _disable() -> None:
    global _extension
    _extension = None


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
        elif os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "lambda-managed-instances":
            reason = "Lambda Managed Instances"
        else:
            try:
                extension = InternalExtension(runtime_api)
                if extension.register():
                    extension.start()
                    _extension = extension
                else:
                    reason = "registration refused"
            except Exception as exc:  # noqa: BLE001
                reason = f"registration failed ({type(exc).__name__})"
        if _extension is not None:
            logger.info("botanalytics: delivery mode: after the response (internal extension)")
        else:
            logger.info("botanalytics: delivery mode: in-handler wait (%s)", reason)
        return _extension


def deliver_after_response(dispatcher: Any, deadline: Deadline, request_id: Optional[str]) -> bool:
    """True when the internal extension will wait for ``dispatcher`` after the response has gone."""
    extension = _extension
    if extension is None or not request_id:
        return False
    dispatcher.begin_invocation(deadline)  # sends from now on end by the post-response deadline
    extension.hand_over(request_id, dispatcher, deadline)
    return True


def reset_for_tests() -> None:
    global _extension, _decided
    _extension = None
    _decided = False

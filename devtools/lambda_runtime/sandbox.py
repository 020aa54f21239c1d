"""One execution environment: the Runtime API and Extensions API on loopback, and one runtime process.

A :class:`Sandbox` lives from init to reset or shutdown. Each sandbox has its own server (a fresh
port), so a request left over from a killed process can never be mistaken for one of its successor.
The HTTP layer only routes; the state machine is the sandbox, guarded by one condition variable:

* init ends when the runtime and every registered extension have called ``next``; the runtime's
  first ``next`` also closes extension registration;
* an invocation is *responded* when the runtime posts ``/response`` or ``/error``, and *complete*
  when the runtime and every extension subscribed to INVOKE have called ``next`` again.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping, Optional, Tuple

from .logs import LogCapture

RUNTIME = "/2018-06-01/runtime"
EXTENSION = "/2020-01-01/extension"
#: Lambda's limit on extensions per function.
MAX_EXTENSIONS = 10
#: Events an internal extension (a thread of the runtime process) may subscribe to.
INTERNAL_EXTENSION_EVENTS = ("INVOKE",)

#: tgkill(2) numbers, to send a signal to the runtime's main thread (see Sandbox.terminate).
_SYS_TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine())

# (status, body, headers), or None to drop the connection (the sandbox closed while the call waited).
Reply = Optional[Tuple[int, bytes, Mapping[str, str]]]

_JSON = {"Content-Type": "application/json"}
_ACCEPTED: Reply = (202, b'{"status":"OK"}', _JSON)
_INVOCATION_PATH = re.compile(r"^" + RUNTIME + r"/invocation/([^/]+)/(response|error)$")


def _error(status: int, error_type: str, message: str) -> Reply:
    """An error in the shape the RIE renders: ``{"errorMessage", "errorType"}``."""
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return status, body, _JSON


@dataclass(frozen=True)
class FunctionConfig:
    """What Lambda knows about the function: everything a sandbox needs to start one."""

    handler: str
    code_dir: str
    python: str
    python_version: Tuple[int, int]
    timeout_s: float
    memory_mb: int
    function_name: str
    region: str
    account_id: str
    env: Mapping[str, str]
    extra_pythonpath: Tuple[str, ...]
    init_timeout_s: float

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"


@dataclass
class Pending:
    """The invocation in flight, as the sandbox sees it (times are ``time.perf_counter()``)."""

    request_id: str
    deadline_ms: int
    started: float
    responded_at: Optional[float] = None
    response: Optional[bytes] = None
    error: Optional[bytes] = None
    runtime_done_at: Optional[float] = None
    extensions_done_at: dict = field(default_factory=dict)   # extension id -> time of its next (or None)

    @property
    def complete(self) -> bool:
        return (self.responded_at is not None and self.runtime_done_at is not None
                and all(t is not None for t in self.extensions_done_at.values()))

    @property
    def completed_at(self) -> float:
        return max([self.runtime_done_at or 0.0, *(t or 0.0 for t in self.extensions_done_at.values())])


class _Extension:
    def __init__(self, name: str, events: Tuple[str, ...]) -> None:
        self.id = str(uuid.uuid4())
        self.name = name
        self.events = events
        self.queue: deque = deque()
        self.next_calls = 0
        self.holding: Optional[str] = None      # request id of the INVOKE it has and has not finished


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without this every invoke pays 40+ ms of Nagle + delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self, method: str) -> None:
        body = self._read_body()
        reply = self.server.sandbox.route(method, self.path.split("?", 1)[0], self.headers, body)
        if reply is None:
            self.close_connection = True
            return
        status, payload, headers = reply
        self.send_response_only(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class Sandbox:
    """Starts the runtime process against its own API server; see the module docstring."""

    def __init__(self, config: FunctionConfig, tmp_dir: str) -> None:
        self.config = config
        self.tmp_dir = tmp_dir
        self._cv = threading.Condition()
        self._closed = False
        self._registration_open = True
        self._extensions: dict = {}
        self._runtime_next_calls = 0
        self._runtime_event: Optional[Tuple[bytes, dict]] = None
        self._runtime_holding: Optional[str] = None
        self._current: Optional[Pending] = None
        self.init_error: Optional[dict] = None
        self.extension_errors: list = []
        self.init_done_at: Optional[float] = None
        self.returncode: Optional[int] = None
        self.frozen = False

        self._server = _Server(self)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name=f"lambda-api-{self.port}", daemon=True).start()
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            [config.python, "-m", "awslambdaric", config.handler],
            cwd=config.code_dir, env=self._environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        assert self.proc.stdout is not None
        self.logs = LogCapture(self.proc.stdout.fileno())
        threading.Thread(target=self._watch, name=f"lambda-proc-{self.proc.pid}", daemon=True).start()

    # ------------------------------------------------------------------ process

    def _environment(self) -> dict:
        c = self.config
        major, minor = c.python_version
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.port}",
            "AWS_LAMBDA_FUNCTION_NAME": c.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(c.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{c.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + uuid.uuid4().hex,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            # awslambdaric polls `next` from a helper thread for these (so the main thread can take
            # SIGTERM), exactly as on the python3.12+ managed runtimes.
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{major}.{minor}",
            "AWS_REGION": c.region,
            "AWS_DEFAULT_REGION": c.region,
            "LAMBDA_TASK_ROOT": c.code_dir,
            "_HANDLER": c.handler,
            "TMPDIR": self.tmp_dir,
            "PYTHONPATH": os.pathsep.join([c.code_dir, *c.extra_pythonpath]),
        }
        if "PYTHONDONTWRITEBYTECODE" in os.environ:
            env["PYTHONDONTWRITEBYTECODE"] = os.environ["PYTHONDONTWRITEBYTECODE"]
        env.update(c.env)
        return env

    def _watch(self) -> None:
        code = self.proc.wait()
        with self._cv:
            self.returncode = code
            self._cv.notify_all()

    @property
    def alive(self) -> bool:
        return self.returncode is None and not self._closed

    @property
    def has_extensions(self) -> bool:
        return bool(self._extensions)

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _states(self) -> dict:
        """Scheduler state of each thread of the runtime process ("T" = stopped), by thread id."""
        states = {}
        try:
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{task}/stat") as f:
                    states[int(task)] = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError, ValueError):
            pass
        return states

    def freeze(self) -> None:
        """SIGSTOP the whole process (group); return once the kernel shows it stopped."""
        if self.returncode is not None or self.frozen:
            return
        self._signal_group(signal.SIGSTOP)
        self.frozen = True
        end = time.monotonic() + 0.2
        while not set(self._states().values()) <= {"T", "t", "Z", "X"} and time.monotonic() < end:
            time.sleep(0.0002)

    def thaw(self, settle: bool = False) -> None:
        """SIGCONT the group. With ``settle``, also wait until every thread has left the stopped state
        and the main thread has run and gone back to sleep: until then the kernel delivers a new
        process signal to some other thread, and a Python main thread blocked in a wait never runs
        its handler (seen on 3.12 and 3.13 when SIGTERM followed SIGCONT at once)."""
        if not self.frozen:
            return
        self.frozen = False
        self._signal_group(signal.SIGCONT)
        end = time.monotonic() + 0.2
        while settle and time.monotonic() < end:
            states = self._states()
            if not states or ("T" not in states.values() and states.get(self.proc.pid) in ("S", "D", "Z", None)):
                return
            time.sleep(0.0002)

    def terminate(self) -> None:
        """Thaw (settled, see :meth:`thaw`), then SIGTERM to the runtime process only, as Lambda does.

        The signal is aimed at the main thread (tgkill), where CPython runs signal handlers. A plain
        process-directed kill() lets the kernel pick any thread, and under load about 1 in 100 landed
        where the main thread, blocked in a wait, never ran the handler."""
        self.thaw(settle=True)
        pid = self.proc.pid
        if _SYS_TGKILL is not None:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.syscall(_SYS_TGKILL, pid, pid, int(signal.SIGTERM)) == 0:
                return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def wait_exit(self, timeout_s: float) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: self.returncode is not None, timeout_s)

    def kill(self) -> None:
        self._signal_group(signal.SIGKILL)
        self.frozen = False
        if not self.wait_exit(5.0):
            raise RuntimeError(f"runtime process {self.proc.pid} survived SIGKILL")

    def close(self) -> None:
        """Release everything: the process must be dead already (see :meth:`kill`)."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        server = self._server
        threading.Thread(target=lambda: (server.shutdown(), server.server_close()), daemon=True).start()
        self.logs.wait_eof(0.5)
        if self.logs.at_eof and self.proc.stdout is not None:
            self.proc.stdout.close()

    # ------------------------------------------------------------------ phases

    def _init_complete(self) -> bool:
        return self._runtime_next_calls > 0 and all(e.next_calls > 0 for e in self._extensions.values())

    def _note_progress(self, now: float) -> None:
        if self.init_done_at is None and self._init_complete():
            self.init_done_at = now
        self._cv.notify_all()

    def wait_init(self) -> str:
        """Block until init ends: "ok", "error" (init error posted), "crash" or "timeout"."""
        with self._cv:
            self._cv.wait_for(lambda: self.init_done_at is not None or self.init_error is not None
                              or self.returncode is not None, self.config.init_timeout_s)
            if self.init_error is not None:
                return "error"
            if self.returncode is not None:
                return "crash"
            return "ok" if self.init_done_at is not None else "timeout"

    def dispatch(self, payload: bytes) -> Pending:
        """Hand one event to the runtime and an INVOKE to each subscribed extension."""
        c = self.config
        request_id = str(uuid.uuid4())
        now_s = time.time()
        deadline_ms = int(now_s * 1000 + c.timeout_s * 1000)
        trace_id = f"Root=1-{int(now_s):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": c.arn,
            "Lambda-Runtime-Trace-Id": trace_id,
        }
        invoke_event = {
            "eventType": "INVOKE",
            "deadlineMs": deadline_ms,
            "requestId": request_id,
            "invokedFunctionArn": c.arn,
            "tracing": {"type": "X-Amzn-Trace-Id", "value": trace_id},
        }
        with self._cv:
            pending = Pending(request_id=request_id, deadline_ms=deadline_ms, started=time.perf_counter())
            for ext in self._extensions.values():
                if "INVOKE" in ext.events:
                    ext.queue.append(invoke_event)
                    pending.extensions_done_at[ext.id] = None
            self._current = pending
            self._runtime_event = (payload, headers)
            self._cv.notify_all()
        return pending

    def wait_done(self, pending: Pending) -> str:
        """Block until the invocation completes: "complete", "crash" or "timeout" (at the deadline)."""
        until = pending.started + self.config.timeout_s
        with self._cv:
            while True:
                if pending.complete:
                    return "complete"
                if self.returncode is not None:
                    return "crash"
                left = until - time.perf_counter()
                if left <= 0:
                    return "timeout"
                self._cv.wait(left)

    # ------------------------------------------------------------------ the HTTP API

    def route(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if method == "GET" and path == RUNTIME + "/invocation/next":
            return self._runtime_next()
        if method == "POST":
            match = _INVOCATION_PATH.match(path)
            if match:
                return self._runtime_result(match.group(1), match.group(2), headers, body)
            if path == RUNTIME + "/init/error":
                return self._runtime_init_error(headers, body)
            if path == EXTENSION + "/register":
                return self._extension_register(headers, body)
            if path in (EXTENSION + "/init/error", EXTENSION + "/exit/error"):
                return self._extension_error(path.rsplit("/", 2)[1], headers)
        if method == "GET" and path == EXTENSION + "/event/next":
            return self._extension_next(headers)
        return _error(404, "NotFound", f"{method} {path} is not part of the Runtime or Extensions API")

    def _runtime_next(self) -> Reply:
        now = time.perf_counter()
        with self._cv:
            self._runtime_next_calls += 1
            self._registration_open = False
            current = self._current
            if current is not None and self._runtime_holding == current.request_id:
                current.runtime_done_at = now
                self._runtime_holding = None
            self._note_progress(now)
            self._cv.wait_for(lambda: self._runtime_event is not None or self._closed)
            if self._closed or self._runtime_event is None:
                return None
            payload, headers = self._runtime_event
            self._runtime_event = None
            self._runtime_holding = headers["Lambda-Runtime-Aws-Request-Id"]
        return 200, payload, headers

    def _runtime_result(self, request_id: str, kind: str, headers: Mapping[str, str], body: bytes) -> Reply:
        now = time.perf_counter()
        with self._cv:
            current = self._current
            if current is None or current.request_id != request_id or self._runtime_holding != request_id:
                return _error(400, "InvalidRequestID", f"Invalid request ID: {request_id}")
            if current.responded_at is not None:
                return _error(403, "InvalidStateTransition", "The invocation already has a result")
            current.responded_at = now
            if kind == "response":
                current.response = body
            else:
                current.error = body or json.dumps(
                    {"errorType": headers.get("Lambda-Runtime-Function-Error-Type", "Unhandled"),
                     "errorMessage": ""}).encode()
            self._cv.notify_all()
        return _ACCEPTED

    def _runtime_init_error(self, headers: Mapping[str, str], body: bytes) -> Reply:
        with self._cv:
            try:
                self.init_error = json.loads(body)
            except ValueError:
                self.init_error = {"errorType": headers.get("Lambda-Runtime-Function-Error-Type", "Runtime.Unknown"),
                                   "errorMessage": body.decode("utf-8", "replace")}
            self._cv.notify_all()
        return _ACCEPTED

    def _extension_register(self, headers: Mapping[str, str], body: bytes) -> Reply:
        name = headers.get("Lambda-Extension-Name", "")
        if not name:
            return _error(403, "Extension.InvalidExtensionName", "Empty extension name")
        try:
            request = json.loads(body or b"{}")
            events = tuple(request.get("events") or ())
        except (ValueError, AttributeError, TypeError) as exc:
            return _error(403, "InvalidRequestFormat", str(exc))
        # Everything registering here is a thread or child of the runtime process: an internal extension.
        for event in events:
            if event == "SHUTDOWN":
                return _error(403, "Extension.InvalidEventType",
                              "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension")
            if event not in INTERNAL_EXTENSION_EVENTS:
                return _error(403, "Extension.InvalidEventType", f"{event}: ErrorInvalidEventType")
        with self._cv:
            if not self._registration_open:
                return _error(403, "Extension.RegistrationClosed", "Extension registration closed already")
            if any(e.name == name for e in self._extensions.values()):
                return _error(403, "Extension.InvalidExtensionState", "Extension with this name already registered")
            if len(self._extensions) >= MAX_EXTENSIONS:
                return _error(403, "Extension.TooManyExtensions", f"Extension limit ({MAX_EXTENSIONS}) reached")
            ext = _Extension(name, events)
            self._extensions[ext.id] = ext
        body_out = json.dumps({"functionName": self.config.function_name, "functionVersion": "$LATEST",
                               "handler": self.config.handler}).encode()
        return 200, body_out, {**_JSON, "Lambda-Extension-Identifier": ext.id}

    def _find_extension(self, headers: Mapping[str, str]) -> Tuple[Optional[_Extension], Reply]:
        ext_id = headers.get("Lambda-Extension-Identifier")
        if not ext_id:
            return None, _error(403, "Extension.MissingExtensionIdentifier",
                                "Missing Lambda-Extension-Identifier header")
        ext = self._extensions.get(ext_id)
        if ext is None:
            return None, _error(403, "Extension.UnknownExtensionIdentifier", f"Unknown extension {ext_id}")
        return ext, None

    def _extension_next(self, headers: Mapping[str, str]) -> Reply:
        now = time.perf_counter()
        with self._cv:
            ext, problem = self._find_extension(headers)
            if ext is None:
                return problem
            ext.next_calls += 1
            current = self._current
            if current is not None and ext.holding == current.request_id:
                current.extensions_done_at[ext.id] = now
                ext.holding = None
            self._note_progress(now)
            self._cv.wait_for(lambda: bool(ext.queue) or self._closed)
            if self._closed or not ext.queue:
                return None
            event = ext.queue.popleft()
            ext.holding = event["requestId"]
        return 200, json.dumps(event).encode(), {**_JSON, "Lambda-Extension-Event-Identifier": str(uuid.uuid4())}

    def _extension_error(self, which: str, headers: Mapping[str, str]) -> Reply:
        error_type = headers.get("Lambda-Extension-Function-Error-Type")
        with self._cv:
            ext, problem = self._find_extension(headers)
            if ext is None:
                return problem
            if not error_type:
                return _error(403, "Extension.MissingHeader", "Missing Lambda-Extension-Function-Error-Type header")
            record = {"extension": ext.name, "phase": which, "errorType": error_type}
            self.extension_errors.append(record)
            if which == "init" and self.init_done_at is None:
                self.init_error = {"errorType": error_type, "errorMessage": f"Extension {ext.name} init error"}
            self._cv.notify_all()
        return _ACCEPTED

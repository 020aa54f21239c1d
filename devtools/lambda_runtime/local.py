"""`LocalLambda`: one function, one execution environment at a time, driven the way Lambda drives it."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Tuple

from .sandbox import FunctionConfig, Pending, Sandbox

_LIVE: "weakref.WeakSet[LocalLambda]" = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    for fn in list(_LIVE):
        fn.close()


@functools.lru_cache(maxsize=None)
def python_version(python: str) -> Tuple[int, int]:
    """(major, minor) of an interpreter, asked once per path."""
    out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


@dataclass(frozen=True)
class Invocation:
    """What one invoke did, with Lambda's two clocks.

    ``response_ms``: from the event's delivery to the runtime's ``/response`` or ``/error`` (what the
    caller feels; add ``init_ms`` on a cold start). ``completion_ms``: until the runtime *and* every
    extension called ``next`` again (what is billed); for a timeout or crash, until the emulator gave up.
    """

    request_id: str
    #: "ok", "error" (handler raised, or init failed), "timeout" or "crash"
    status: str
    #: the JSON the handler returned (parsed), if the runtime posted a response
    response: Any = None
    #: the error document (what /error or /init/error carried, or Lambda's own for timeout/crash)
    error: Optional[dict] = None
    response_ms: Optional[float] = None
    completion_ms: Optional[float] = None
    #: set when this invoke paid for an init (cold start or re-init after a reset)
    init_ms: Optional[float] = None
    #: the runtime process's stdout and stderr during this invoke (and its init)
    logs: str = ""

    @property
    def post_response_ms(self) -> Optional[float]:
        """Billed time after the caller had its answer (extensions' post-response work)."""
        if self.response_ms is None or self.completion_ms is None:
            return None
        return self.completion_ms - self.response_ms


@dataclass(frozen=True)
class ShutdownInfo:
    """How the execution environment ended."""

    #: False if there was no live environment to shut down
    started: bool
    sigterm_sent: bool
    #: how long the runtime was given after SIGTERM (0 when it is simply killed)
    limit_ms: float
    #: time from the first signal to the process's exit, or None if it had to be killed at the limit
    exited_in_ms: Optional[float]
    #: SIGKILL was needed
    killed: bool
    returncode: Optional[int]
    #: why SIGTERM was (not) sent, e.g. "python3.11: no SIGTERM before 3.12, killed"
    reason: str
    logs: str = ""


class LocalLambda:
    """A local Lambda function running ``python -m awslambdaric <handler>`` against our own API.

    Example::

        with LocalLambda(handler="app.lambda_handler", code_dir="handlers", timeout_s=3.0) as fn:
            first = fn.invoke({"hello": "world"})     # cold: first.init_ms is set
            print(first.status, first.response, first.response_ms, first.completion_ms)
            info = fn.shutdown()                      # SIGTERM on 3.12+, then kill at the limit

    The environment is created lazily (the first invoke pays init, as on Lambda), frozen with SIGSTOP
    after each completed invocation and thawed with SIGCONT just before the next event; a timeout or
    crash kills it and the next invoke re-inits a fresh process with the same ``tmp_dir``.
    """

    INIT_TIMEOUT_S = 10.0
    #: Lambda sends SIGTERM at shutdown from these runtimes on (earlier ones block signals in `next`).
    SIGTERM_SINCE = (3, 12)
    SHUTDOWN_LIMIT_MS = 300.0
    SHUTDOWN_LIMIT_WITH_INTERNAL_EXTENSION_MS = 500.0

    def __init__(self, handler: str, code_dir: str | Path, python: str = sys.executable,
                 timeout_s: float = 3.0, memory_mb: int = 128, env: Optional[Mapping[str, str]] = None,
                 freeze: bool = True, tmp_dir: str | Path | None = None,
                 extra_pythonpath: Iterable[str | Path] = (), function_name: str = "local-function",
                 region: str = "us-east-1", account_id: str = "000000000000",
                 init_timeout_s: float = INIT_TIMEOUT_S) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
        code = Path(code_dir).resolve()
        if not code.is_dir():
            raise ValueError(f"code_dir {str(code)!r} is not a folder")
        self.freeze = freeze
        self._owns_tmp = tmp_dir is None
        self.tmp_dir = str(Path(tmp_dir).resolve()) if tmp_dir is not None else tempfile.mkdtemp(prefix="lambda-tmp-")
        Path(self.tmp_dir).mkdir(parents=True, exist_ok=True)
        self.config = FunctionConfig(
            handler=handler, code_dir=str(code), python=str(python), python_version=python_version(str(python)),
            timeout_s=float(timeout_s), memory_mb=int(memory_mb), function_name=function_name, region=region,
            account_id=account_id, env=dict(env or {}),
            extra_pythonpath=tuple(str(Path(p).resolve()) for p in extra_pythonpath),
            init_timeout_s=float(init_timeout_s))
        self._lock = threading.RLock()
        self._sandbox: Optional[Sandbox] = None
        self._log_mark = 0
        #: how many execution environments were started (1 + the number of resets)
        self.init_count = 0
        self._closed = False
        _LIVE.add(self)

    @property
    def python_version(self) -> Tuple[int, int]:
        return self.config.python_version

    @property
    def pid(self) -> Optional[int]:
        """The runtime process's pid, if an execution environment is live."""
        sb = self._sandbox
        return sb.proc.pid if sb is not None and sb.alive else None

    def __enter__(self) -> "LocalLambda":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ lifecycle

    def _start(self) -> Tuple[Sandbox, str, float]:
        if self._closed:
            raise RuntimeError("this LocalLambda is closed")
        sandbox = Sandbox(self.config, self.tmp_dir)
        self.init_count += 1
        self._log_mark = 0
        outcome = sandbox.wait_init()
        end = sandbox.init_done_at if outcome == "ok" and sandbox.init_done_at else time.perf_counter()
        return sandbox, outcome, (end - sandbox.started_at) * 1000.0

    def _discard(self, sandbox: Sandbox) -> str:
        """Kill an environment (timeout, crash, failed init) and return its remaining output."""
        if sandbox.returncode is None:
            sandbox.kill()
        end = sandbox.logs.wait_eof(1.0)
        text = sandbox.logs.text(self._log_mark, end)
        sandbox.close()
        if self._sandbox is sandbox:
            self._sandbox = None
        return text

    def init(self) -> Optional[float]:
        """Start (and freeze) an environment now instead of at the first invoke, like provisioned
        concurrency. Returns the init time in ms, or None if one was already live."""
        with self._lock:
            if self._sandbox is not None and self._sandbox.alive:
                return None
            sandbox, outcome, init_ms = self._start()
            if outcome != "ok":
                logs = self._discard(sandbox)
                raise RuntimeError(f"init failed ({outcome}): {sandbox.init_error}\n{logs}")
            self._sandbox = sandbox
            if self.freeze:
                sandbox.freeze()
            return init_ms

    def invoke(self, event: Any = None) -> Invocation:
        """Deliver one event (JSON-serialisable, or raw bytes) and wait for the invocation to complete."""
        payload = event if isinstance(event, (bytes, bytearray)) else json.dumps(event).encode()
        with self._lock:
            init_ms = None
            sandbox = self._sandbox
            if sandbox is not None and not sandbox.alive:
                self._discard(sandbox)
                sandbox = None
            if sandbox is None:
                sandbox, outcome, init_ms = self._start()
                if outcome != "ok":
                    return self._failed_init(sandbox, outcome, init_ms)
                self._sandbox = sandbox
            sandbox.thaw()
            pending = sandbox.dispatch(bytes(payload))
            outcome = sandbox.wait_done(pending)
            if outcome == "complete":
                if self.freeze:
                    sandbox.freeze()
                end = sandbox.logs.sync()
                logs = sandbox.logs.text(self._log_mark, end)
                self._log_mark = end
                return self._finished(pending, init_ms, logs)
            gave_up_at = time.perf_counter()
            logs = self._discard(sandbox)
            return self._reset(pending, outcome, sandbox.returncode, gave_up_at, init_ms, logs)

    @staticmethod
    def _parse(body: Optional[bytes]) -> Any:
        if body is None:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return body.decode("utf-8", errors="replace")

    def _finished(self, pending: Pending, init_ms: Optional[float], logs: str) -> Invocation:
        assert pending.responded_at is not None
        error = self._parse(pending.error)
        return Invocation(
            request_id=pending.request_id,
            status="error" if pending.error is not None else "ok",
            response=self._parse(pending.response),
            error=error if isinstance(error, dict) or error is None else {"errorMessage": error},
            response_ms=(pending.responded_at - pending.started) * 1000.0,
            completion_ms=(pending.completed_at - pending.started) * 1000.0,
            init_ms=init_ms, logs=logs)

    def _reset(self, pending: Pending, outcome: str, returncode: Optional[int], gave_up_at: float,
               init_ms: Optional[float], logs: str) -> Invocation:
        rid = pending.request_id
        if outcome == "timeout":
            error = {"errorType": "Sandbox.Timedout",
                     "errorMessage": f"RequestId: {rid} Error: Task timed out after {self.config.timeout_s:.2f} seconds"}
        else:
            how = (f"signal: {signal.Signals(-returncode).name}" if returncode is not None and returncode < 0
                   else f"exit status {returncode}")
            error = {"errorType": "Runtime.ExitError",
                     "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: {how}"}
        return Invocation(
            request_id=rid, status=outcome, response=self._parse(pending.response), error=error,
            response_ms=None if pending.responded_at is None else (pending.responded_at - pending.started) * 1000.0,
            completion_ms=(gave_up_at - pending.started) * 1000.0, init_ms=init_ms, logs=logs)

    def _failed_init(self, sandbox: Sandbox, outcome: str, init_ms: float) -> Invocation:
        logs = self._discard(sandbox)
        if sandbox.init_error is not None:
            error = sandbox.init_error
        elif outcome == "timeout":
            error = {"errorType": "Runtime.InitTimeout",
                     "errorMessage": f"Init did not finish in {self.config.init_timeout_s:.2f} seconds"}
        else:
            error = {"errorType": "Runtime.ExitError",
                     "errorMessage": f"Runtime exited during init: exit status {sandbox.returncode}"}
        return Invocation(request_id=str(uuid.uuid4()), status="error" if outcome == "error" else outcome,
                          error=error, init_ms=init_ms, logs=logs)

    def shutdown(self) -> ShutdownInfo:
        """End the environment as Lambda does: on python3.12+ SIGTERM, then SIGKILL at the limit
        (500 ms with an internal extension registered, 300 ms without); before 3.12, SIGKILL."""
        with self._lock:
            sandbox = self._sandbox
            self._sandbox = None
            if sandbox is None or not sandbox.alive:
                if sandbox is not None:
                    self._discard(sandbox)
                return ShutdownInfo(started=False, sigterm_sent=False, limit_ms=0.0, exited_in_ms=None,
                                    killed=False, returncode=None, reason="no live execution environment")
            version = "python%d.%d" % self.python_version
            sigterm = self.python_version >= self.SIGTERM_SINCE
            limit_ms = 0.0
            started = time.perf_counter()
            exited = False
            if sigterm:
                limit_ms = (self.SHUTDOWN_LIMIT_WITH_INTERNAL_EXTENSION_MS if sandbox.has_extensions
                            else self.SHUTDOWN_LIMIT_MS)
                sandbox.terminate()
                exited = sandbox.wait_exit(limit_ms / 1000.0)
                reason = f"{version}: SIGTERM, " + ("exited in time" if exited else f"killed at {limit_ms:.0f} ms")
            else:
                reason = f"{version}: no SIGTERM before 3.12, killed"
            exited_in_ms = (time.perf_counter() - started) * 1000.0 if exited else None
            self._sandbox = sandbox          # so that _discard clears it
            logs = self._discard(sandbox)
            return ShutdownInfo(started=True, sigterm_sent=sigterm, limit_ms=limit_ms, exited_in_ms=exited_in_ms,
                                killed=not exited, returncode=sandbox.returncode, reason=reason, logs=logs)

    def close(self) -> None:
        """Shut down if needed and remove the temporary /tmp folder if this object created it."""
        with self._lock:
            if self._closed:
                return
            if self._sandbox is not None:
                self.shutdown()
            self._closed = True
            _LIVE.discard(self)
            if self._owns_tmp:
                shutil.rmtree(self.tmp_dir, ignore_errors=True)

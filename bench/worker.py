"""One variant of one bot, in a process of its own, driven by ``bench.run`` over stdin/stdout.

Each variant runs in a fresh process so that the peers never share imports, threads or environment
(the official SDK and ours are both called ``botanalytics``; ``layer/python`` is put on ``sys.path`` only
for our variants), and so that what a variant leaves behind (threads blocked on a black-holed API) dies
with it. The parent sends one JSON command per line and reads one JSON answer per line; the SDKs'
own prints go to stderr (the worker's log file), never into the protocol.

Modes: ``inproc`` calls the handler as a plain function with a fake Lambda context; ``runtime`` invokes
it through ``devtools.lambda_runtime.LocalLambda`` (the real ``awslambdaric`` in a child process,
frozen between invocations).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Dict, Optional

from . import events
from .paths import APPS_DIR, LAYER_PYTHON, REPO_ROOT


class FakeContext:
    """What a handler may read from the Lambda context object."""

    function_name = "bench-bot"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench-bot"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/bench-bot"
    log_stream_name = "bench"

    def __init__(self, timeout_s: float) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def rss_kb() -> Dict[str, int]:
    """Current and peak resident set size of this process (Linux ``/proc``), in KiB."""
    out = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


class Worker:
    def __init__(self) -> None:
        self.mode = "inproc"
        self.app = ""
        self.variant = ""
        self.module: Any = None
        self.handler: Optional[Callable[..., Any]] = None
        self.template: Dict[str, Any] = {}
        self.timeout_s = 6.0
        self.lambda_: Any = None
        self.init_ms: Optional[float] = None

    # --- commands -------------------------------------------------------------------------------
    def setup(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        self.mode = cmd.get("mode", "inproc")
        self.app = cmd["app"]
        self.variant = cmd["variant"]
        self.template = cmd["template"]
        self.timeout_s = float(cmd.get("timeout_s", 6.0))
        env = dict(cmd.get("env") or {})
        env["BENCH_TEMPLATE"] = json.dumps(self.template)
        before = rss_kb()
        started = time.perf_counter()
        if self.mode == "runtime":
            return self._setup_runtime(cmd, env)
        os.environ.update(env)
        sys.path.insert(0, str(APPS_DIR))
        if cmd.get("layer"):
            sys.path.insert(0, str(LAYER_PYTHON))
        import importlib

        self.module = importlib.import_module(cmd["module"])
        self.handler = getattr(self.module, self.app)
        return {"ok": True, "import_ms": (time.perf_counter() - started) * 1000, "rss_before": before,
                "rss_after": rss_kb()}

    def _setup_runtime(self, cmd: Dict[str, Any], env: Dict[str, str]) -> Dict[str, Any]:
        try:
            from devtools.lambda_runtime import LocalLambda  # type: ignore[import-not-found]
        except Exception as exc:  # noqa: BLE001 - reported, never a silent skip
            return {"ok": False, "why": f"devtools.lambda_runtime not importable ({type(exc).__name__}: {exc})"}
        kwargs: Dict[str, Any] = dict(
            handler=f"{cmd['module']}.{self.app}",
            code_dir=str(APPS_DIR),
            python=sys.executable,
            timeout_s=self.timeout_s,
            env=env,
            freeze=True,
        )
        if cmd.get("layer"):
            kwargs["extra_pythonpath"] = [str(LAYER_PYTHON)]
        self.lambda_ = LocalLambda(**kwargs)
        return {"ok": True}

    def run(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        n, phase, first = int(cmd["n"]), cmd["phase"], int(cmd.get("first", 0))
        cap_s = cmd.get("cap_s")
        prepared = [events.tag_event(self.app, self.template["event"], f"b.{self.app}_{self.variant}.{phase}.{first + i}")
                    for i in range(n)]
        out: Dict[str, Any] = {"ms": [], "capped": 0, "errors": 0}
        if self.mode == "runtime":
            out["completion_ms"] = []
            for event in prepared:
                inv = self.lambda_.invoke(event)
                if self.init_ms is None and getattr(inv, "init_ms", None) is not None:
                    self.init_ms = inv.init_ms
                    out["init_ms"] = self.init_ms
                logs = getattr(inv, "logs", "") or ""
                if "BENCH-MODE post_response=" in logs:
                    out["post_response"] = "BENCH-MODE post_response=True" in logs
                out["ms"].append(float(inv.response_ms if inv.response_ms is not None else inv.completion_ms))
                out["completion_ms"].append(float(getattr(inv, "completion_ms", inv.response_ms) or 0.0))
                if getattr(inv, "status", "ok") != "ok":
                    out["errors"] += 1
                    out.setdefault("statuses", {}).setdefault(inv.status, 0)
                    out["statuses"][inv.status] += 1
            return out
        handler = self.handler
        assert handler is not None
        perf = time.perf_counter_ns
        if cap_s is None:
            for event in prepared:
                context = FakeContext(self.timeout_s)
                t0 = perf()
                try:
                    handler(event, context)
                except Exception:  # noqa: BLE001 - counted; the bench goes on
                    out["errors"] += 1
                out["ms"].append((perf() - t0) / 1e6)
            return out
        # Capped: the call runs in a thread and the harness stops waiting after cap_s (the official
        # SDK has no timeout; against a black hole it would block until the Lambda timeout).
        for event in prepared:
            context = FakeContext(self.timeout_s)
            done = threading.Event()

            def call(event: Any = event, context: Any = context, done: threading.Event = done) -> None:
                try:
                    handler(event, context)
                except Exception:  # noqa: BLE001
                    out["errors"] += 1
                finally:
                    done.set()

            t0 = perf()
            threading.Thread(target=call, daemon=True).start()
            finished = done.wait(cap_s)
            out["ms"].append((perf() - t0) / 1e6)
            if not finished:
                out["capped"] += 1
        return out

    def flush(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        """Ours: ``botanalytics.flush(timeout)``. The official SDK has no flush (the parent waits for the
        collector's count to settle instead)."""
        timeout = float(cmd.get("timeout", 5.0))
        started = time.perf_counter()
        ok: Any = None
        if self.mode == "inproc" and "botanalytics" in sys.modules and hasattr(sys.modules["botanalytics"], "flush"):
            ok = bool(sys.modules["botanalytics"].flush(timeout))
        return {"ok": ok, "flush_ms": (time.perf_counter() - started) * 1000}

    def stats(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {"rss": rss_kb(), "threads": threading.active_count()}
        ba = sys.modules.get("botanalytics")
        if ba is not None and hasattr(ba, "stats"):
            out["layer"] = dict(ba.stats())
        official = sys.modules.get("official")
        if official is not None:
            out["sdk_failures"] = len(official.FAILURES)
        return out

    def submit(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        """Throughput / burst: queue ``n`` generic messages through our public ``Botanalytics.log``."""
        import botanalytics  # ours: this worker was set up with the layer on sys.path

        n, phase = int(cmd["n"]), cmd["phase"]
        client = botanalytics.Botanalytics()
        messages = [{"is_sender_bot": False, "user": {"id": "bench-user", "name": "Bench"},
                     "message": {"timestamp": 1704110400000 + i, "text": f"msg [b.{self.app}_{self.variant}.{phase}.{i}]"}}
                    for i in range(n)]
        trace = bool(cmd.get("tracemalloc"))
        if trace:
            import tracemalloc

            tracemalloc.start()
        rss0 = rss_kb()
        t0 = time.monotonic()
        queued = sum(1 for m in messages if client.log(m))
        t_submitted = time.monotonic()
        out: Dict[str, Any] = {"queued": queued, "submit_ms": (t_submitted - t0) * 1000, "t0": t0,
                               "rss_before": rss0, "rss_after_submit": rss_kb()}
        if trace:
            import tracemalloc

            out["tracemalloc_after_submit"] = tracemalloc.get_traced_memory()[0]
        if cmd.get("flush", True):
            out["flushed"] = bool(client.flush(float(cmd.get("flush_timeout", 60.0))))
            out["flush_done"] = time.monotonic()
            out["deliver_s"] = out["flush_done"] - t0
        if trace:
            import tracemalloc

            out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        out["rss_end"] = rss_kb()
        out["layer"] = dict(botanalytics.stats())
        return out

    def config(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        """Ours: the configuration the layer reads from this environment (the documented bounds)."""
        import botanalytics

        config = botanalytics.Config.from_env()
        return {"max_queue": getattr(config, "max_queue", None),
                "max_spool_files": getattr(config, "max_spool_files", None),
                "budget_ms": getattr(config, "budget_ms", None)}

    def submit_official(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        """For scale: ``n`` generic messages through the official ``Generic(...).log`` (sync), one after
        another, as fast as it goes."""
        import official  # bench/apps, on sys.path since setup

        n, phase = int(cmd["n"]), cmd["phase"]
        client = official.clients(False)["generic"]
        t0 = time.monotonic()
        for i in range(n):
            client.log({"is_sender_bot": False, "user": {"id": "bench-user", "name": "Bench"},
                        "message": {"timestamp": 1704110400000 + i,
                                    "text": f"msg [b.{self.app}_{self.variant}.{phase}.{i}]"}})
        elapsed = time.monotonic() - t0
        return {"queued": n, "deliver_s": elapsed, "submit_ms": elapsed * 1000, "failures": len(official.FAILURES)}

    def shutdown(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        if self.lambda_ is not None:
            try:
                self.lambda_.shutdown()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
        return {"ok": True}


def main() -> None:
    os.chdir(REPO_ROOT)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by the SDKs goes to the log, never into the protocol
    sys.stdout = sys.stderr
    worker = Worker()
    for line in sys.stdin:
        cmd = json.loads(line)
        name = cmd.get("cmd")
        if name == "exit":
            break
        try:
            result = getattr(worker, name)(cmd)
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            traceback.print_exc()
            result = {"ok": False, "why": f"{type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(result) + "\n")
    if worker.lambda_ is not None:
        worker.shutdown({})
    sys.stderr.flush()
    os._exit(0)  # threads blocked on a black-holed API must not hold the process


if __name__ == "__main__":
    main()

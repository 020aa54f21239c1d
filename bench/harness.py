"""The parent side: the API (the local collector), variant definitions and worker processes."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from . import events
from .paths import REPO_ROOT, SCRATCH

TOKEN = "bench-token-7d1e"


# --- the API ------------------------------------------------------------------------------------------

class Api:
    """The local collector (``devtools.collector``), or the benchmark's stand-in recorder when that
    package cannot be imported; either way HTTPS on 127.0.0.1 with a test CA."""

    def __init__(self) -> None:
        try:
            from devtools.collector import Collector

            self.server: Any = Collector(token=TOKEN, tls=True)
            self.kind = "devtools.collector"
        except ImportError:
            from .recorder import Recorder

            self.server = Recorder(token=TOKEN, tls=True)
            self.kind = "bench.recorder (stand-in: devtools.collector not importable)"
        self.server.start()
        self.url: str = self.server.url
        self.ca_file: str = self.server.ca_file

    def bodies(self) -> List[Any]:
        out = []
        for record in self.server.records():
            out.append(record["body"] if isinstance(record, dict) else record.body)
        return out

    def count(self) -> int:
        """Records stored so far (cheap: the collector's counter when it has one)."""
        stats = self.server.stats()
        for key in ("accepted", "stored"):
            if key in stats:
                return int(stats[key])
        return len(self.server.records())

    def faults_applied(self) -> Optional[int]:
        """Requests (or connections) that met a fault so far, when the collector counts them."""
        value = self.server.stats().get("faults_applied")
        return int(value) if value is not None else None

    def turns(self, prefix: str) -> Dict[str, int]:
        """tag -> records stored, for the turns whose tag starts with ``prefix``."""
        return events.count_turns(self.bodies(), prefix)

    def settle(self, prefix: str, expected: int, timeout: float, quiet_s: float = 0.5) -> Dict[str, int]:
        """Wait until ``expected`` records with ``prefix`` are stored, or nothing new arrived anywhere
        for ``quiet_s``, or ``timeout``; return the per-tag counts."""
        end = time.monotonic() + timeout
        last, last_change, last_check = -1, time.monotonic(), 0.0
        while True:
            total = self.count()
            now = time.monotonic()
            if total != last:
                last, last_change = total, now
            if now - last_change >= quiet_s or now >= end:
                return self.turns(prefix)
            if now - last_check >= max(0.2, quiet_s / 2):
                last_check = now
                turns = self.turns(prefix)
                if sum(turns.values()) >= expected:
                    return turns
            time.sleep(0.05)

    def fault(self, kind: str, **params: Any) -> None:
        self.server.fault(kind, **params)

    def clear_fault(self) -> None:
        self.server.clear_fault()

    def stop(self) -> None:
        self.server.stop()


# --- variants ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    module: str  # in bench/apps
    mode: str = "inproc"  # or "runtime"
    layer: bool = False  # ours: layer/python on the path
    official: bool = False

    @property
    def reference(self) -> str:
        """The bare handler measured the same way."""
        return "bare_rt" if self.mode == "runtime" else "bare"


VARIANTS: Dict[str, Variant] = {v.key: v for v in [
    Variant("bare", "bare handler", "v_bare"),
    Variant("official_sync", "official SDK 0.2.9, sync", "v_official_sync", official=True),
    Variant("official_async", "official SDK 0.2.9, async", "v_official_async", official=True),
    Variant("ours", "ours, in-handler wait", "v_ours", layer=True),
    Variant("bare_rt", "bare handler (local Lambda)", "v_bare", mode="runtime"),
    Variant("official_sync_rt", "official SDK sync (local Lambda)", "v_official_sync", mode="runtime",
            official=True),
    Variant("official_async_rt", "official SDK async (local Lambda)", "v_official_async", mode="runtime",
            official=True),
    Variant("ours_rt", "ours, post-response extension (local Lambda)", "v_ours", mode="runtime", layer=True),
]}


def variant_env(variant: Variant, api: Api, app: str, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """What the handler's environment holds: our ``BOTANALYTICS_*`` or the official SDK's settings."""
    env = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    if variant.layer:
        spool = SCRATCH / "spool" / f"{app}-{variant.key}-{os.getpid()}-{time.monotonic_ns()}"
        env.update({
            "BOTANALYTICS_TOKEN": TOKEN,
            "BOTANALYTICS_API_URL": api.url,
            "BOTANALYTICS_CA_BUNDLE": api.ca_file,
            "BOTANALYTICS_SPOOL_DIR": str(spool),
        })
        if variant.mode == "runtime":
            env["BENCH_PROBE_MODE"] = "1"  # v_ours prints whether the extension registered
    if variant.official:
        env.update({"BENCH_TOKEN": TOKEN, "BENCH_API_URL": api.url, "REQUESTS_CA_BUNDLE": api.ca_file})
    env.update(extra or {})
    return env


# --- worker processes ----------------------------------------------------------------------------------

class WorkerError(RuntimeError):
    pass


class Proc:
    """A ``python -m bench.worker`` child speaking one JSON line per command."""

    def __init__(self, label: str) -> None:
        SCRATCH.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("BOTANALYTICS_", "BENCH_", "AWS_LAMBDA_", "REQUESTS_CA_BUNDLE"))}
        env["PYTHONPATH"] = str(REPO_ROOT)
        env["PYTHONUNBUFFERED"] = "1"
        self.log_path = SCRATCH / "logs" / f"{label}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.worker"], cwd=str(REPO_ROOT), env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )
        self.label = label

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, wait_s: float = 300.0, **cmd: Any) -> Dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(f"{self.label}: worker died (see {self.log_path.name})") from None
        ready, _, _ = select.select([self.proc.stdout], [], [], wait_s)
        if not ready:
            self.kill()
            raise WorkerError(f"{self.label}: no answer to {cmd.get('cmd')} within {wait_s:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(f"{self.label}: worker exited (see {self.log_path.name})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(b'{"cmd": "exit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.kill()
        self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def start_variant(variant: Variant, app: str, api: Api, template: Dict[str, Any], *,
                  timeout_s: float = 6.0, env: Optional[Dict[str, str]] = None,
                  label: str = "") -> "tuple[Optional[Proc], Dict[str, Any]]":
    """A worker set up with ``variant`` of ``app``: ``(proc, setup answer)``; proc is None when the
    variant is not available here (the answer's ``why`` says why)."""
    proc = Proc(label or f"{app}-{variant.key}")
    answer = proc.call(cmd="setup", mode=variant.mode, app=app, variant=variant.key, module=variant.module,
                       layer=variant.layer, template=template, timeout_s=timeout_s,
                       env=variant_env(variant, api, app, env))
    if not answer.get("ok"):
        proc.close()
        return None, answer
    return proc, answer

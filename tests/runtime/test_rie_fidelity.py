"""Second tier: the same toy functions under AWS's own Runtime Interface Emulator.

The RIE binary comes out of the aws-sam-cli wheel at test time (``devtools.rie``, cached in the
gitignored ``build/rie/``), runs natively and is bound to 127.0.0.1 on both of its listeners. What
the real one answers, ours must answer too: same return value, same error document, and an internal
extension accepted for INVOKE and refused for SHUTDOWN.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devtools import rie

FUNCTIONS = Path(__file__).parent / "functions"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RealRie:
    """One RIE process serving one handler; ``invoke(event)`` posts to its invoke endpoint."""

    def __init__(self, binary, handler: str, timeout_s: int = 3) -> None:
        self.port = _free_port()
        cmd = rie.rie_command(binary, invoke_port=self.port, runtime_port=_free_port(),
                              runtime=[sys.executable, "-m", "awslambdaric", handler])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_s),
               "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen(cmd, cwd=FUNCTIONS, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"RIE did not start: {self.proc.stdout.read().decode(errors='replace')}")
                time.sleep(0.02)

    def invoke(self, event):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations",
            data=json.dumps(event).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())

    def stop(self) -> str:
        os.killpg(self.proc.pid, signal.SIGTERM)          # its own session: the RIE and its runtime only
        try:
            out, _ = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, _ = self.proc.communicate()
        return out.decode(errors="replace")


@pytest.fixture(scope="module")
def rie_binary():
    return rie.ensure_rie()


@pytest.fixture
def real_rie(rie_binary):
    started = []

    def start(handler: str) -> RealRie:
        started.append(RealRie(rie_binary, handler))
        return started[-1]

    yield start
    for r in started:
        r.stop()


def both(real_rie, make_lambda, handler, event):
    """The same event through the real RIE and through ours: (rie's answer, our Invocation)."""
    return real_rie(handler).invoke(event), make_lambda(handler).invoke(event)


def test_rie_is_bound_to_loopback_only(real_rie):
    r = real_rie("basic.echo")
    cmd = r.proc.args
    assert cmd[cmd.index("--runtime-interface-emulator-address") + 1].startswith("127.0.0.1:")
    assert cmd[cmd.index("--runtime-api-address") + 1].startswith("127.0.0.1:")


def test_same_return_value(real_rie, make_lambda):
    theirs, ours = both(real_rie, make_lambda, "basic.echo", {"hello": "world"})
    assert ours.status == "ok"
    assert theirs.keys() == ours.response.keys()
    assert theirs["event"] == ours.response["event"] == {"hello": "world"}
    for answer in (theirs, ours.response):
        assert answer["arn"].startswith("arn:aws:lambda:us-east-1:") and ":function:" in answer["arn"]
        assert 2800 < answer["remaining_ms"] <= 3000


def test_same_error_document(real_rie, make_lambda):
    theirs, ours = both(real_rie, make_lambda, "basic.boom", {})
    assert ours.status == "error"
    assert theirs.keys() == ours.error.keys() == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert (theirs["errorType"], theirs["errorMessage"]) == (ours.error["errorType"], ours.error["errorMessage"])
    assert theirs["stackTrace"] == ours.error["stackTrace"]


def test_internal_extension_registers_for_invoke_under_both(real_rie, make_lambda):
    theirs, ours = both(real_rie, make_lambda, "with_extension.handler", {})
    for answer in (theirs, ours.response):
        assert answer["registration_status"] == 200
        assert answer["extension_saw_this_invoke"] is True
        assert answer["invoke_event"]["eventType"] == "INVOKE"
        assert answer["invoke_event"]["requestId"] == answer["request_id"]
    # The RIE leaves out `tracing` when there is no trace id; everything it sends, we send too.
    assert theirs["invoke_event"].keys() <= ours.response["invoke_event"].keys()
    assert theirs["registration_body"].keys() == ours.response["registration_body"].keys()


def test_shutdown_subscription_refused_identically(real_rie, make_lambda):
    theirs, ours = both(real_rie, make_lambda, "shutdown_subscriber.handler", {})
    assert theirs == ours.response
    assert theirs["status"] == 403
    assert theirs["body"]["errorMessage"] == "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension"


def test_late_registration_refused_identically(real_rie, make_lambda):
    theirs, ours = both(real_rie, make_lambda, "late_register.handler", {})
    assert theirs == ours.response

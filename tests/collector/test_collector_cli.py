"""``python -m devtools.collector`` runs the collector until SIGTERM/Ctrl-C and prints where it is."""
from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
TOKEN = "cli-token-9a7e31"


def _start(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "devtools.collector", *args],
        cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _settings(proc: subprocess.Popen, timeout: float = 10.0) -> Dict[str, str]:
    """Read ``NAME=value`` lines up to ``READY``."""
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, "")],
                     daemon=True).start()
    settings: Dict[str, str] = {}
    while True:
        line = lines.get(timeout=timeout).strip()
        if line == "READY":
            return settings
        name, _, value = line.partition("=")
        settings[name] = value


@pytest.fixture
def run_cli():
    started: List[subprocess.Popen] = []

    def run(*args: str) -> subprocess.Popen:
        started.append(_start(*args))
        return started[-1]

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_given_the_cli_when_started_then_it_prints_url_and_ca_serves_and_stops_on_sigterm(tmp_path, run_cli):
    db = tmp_path / "cli.sqlite3"
    proc = run_cli("--port", "0", "--token", TOKEN, "--db", str(db))
    settings = _settings(proc)
    url = urlsplit(settings["BOTANALYTICS_API_URL"])
    assert (url.scheme, url.hostname, url.path) == ("https", "127.0.0.1", "/v1/")

    context = ssl.create_default_context(cafile=settings["BOTANALYTICS_CA_BUNDLE"])
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=5)
    body = {"is_sender_bot": True, "user": {"id": "u"}, "message": {"timestamp": 1, "text": "hi"}}
    conn.request("POST", url.path + "messages/generic/", json.dumps(body),
                 {"Authorization": "Token " + TOKEN, "X-Botanalytics-Record-Id": "cli-1"})
    assert conn.getresponse().status == 201
    conn.close()

    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)

    assert proc.returncode == 0
    assert "accepted': 1" in err
    assert TOKEN not in err
    with sqlite3.connect(str(db)) as rows:
        stored = rows.execute("SELECT record_id, path FROM records").fetchall()
    assert stored == [("cli-1", "messages/generic/")]


def test_given_no_tls_then_plain_http_and_no_ca_line(run_cli):
    proc = run_cli("--token", TOKEN, "--no-tls")
    settings = _settings(proc)

    assert settings["BOTANALYTICS_API_URL"].startswith("http://127.0.0.1:")
    assert "BOTANALYTICS_CA_BUNDLE" not in settings
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 0


def test_given_ca_out_then_the_bundle_is_copied_there(tmp_path, run_cli):
    target = tmp_path / "ca.pem"
    proc = run_cli("--token", TOKEN, "--ca-out", str(target))

    assert _settings(proc)["BOTANALYTICS_CA_BUNDLE"] == str(target)
    assert "BEGIN CERTIFICATE" in target.read_text()
    proc.terminate()
    assert proc.wait(10) == 0


def test_given_no_token_then_the_cli_refuses_to_start(run_cli, monkeypatch):
    monkeypatch.delenv("BOTANALYTICS_TOKEN", raising=False)
    proc = run_cli("--port", "0")
    _, err = proc.communicate(timeout=10)

    assert proc.returncode == 2 and "token is required" in err

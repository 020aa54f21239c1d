"""The inspector's server without a browser: where it listens, its headers, what it refuses, masking,
the token never shown, and the command line printing its address."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import ssl
import subprocess
import sys
import threading
from typing import Dict
from urllib.parse import urlsplit

import pytest

from devtools.collector.inspector import CSP
from devtools.collector.testing import running_collector
from tests.inspector.support import REPO, api_request, generic_turn, get


def test_given_a_collector_with_inspector_when_page_served_then_loopback_http_with_strict_headers(inspected):
    url = urlsplit(inspected.inspector_url)
    assert (url.scheme, url.hostname, url.path) == ("http", "127.0.0.1", "/")
    assert url.port != inspected.port  # a second port: the API's own stays HTTPS and fault-injectable
    for path in (
        "/",
        "/inspector/fragment",
        "/inspector/version",
        "/inspector/state.json",
        "/inspector/static/app.js",
        "/inspector/static/style.css",
    ):
        status, headers, _ = get(inspected.inspector_url, path)
        assert status == 200, path
        assert headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "default-src 'none'" in CSP
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
    status, headers, page = get(inspected.inspector_url)
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "<script>" not in page and " on" + "load=" not in page and "style=" not in page  # nothing inline


def test_given_requests_the_page_does_not_serve_then_they_are_refused(inspected):
    assert (
        get(inspected.inspector_url, host="evil.example:%d" % inspected.inspector_port)[0] == 403
    )  # rebinding
    assert get(inspected.inspector_url, host="localhost:%d" % inspected.inspector_port)[0] == 200
    assert get(inspected.inspector_url, method="POST")[0] == 405
    assert get(inspected.inspector_url, "/inspector/static/../core.py")[0] == 404
    assert get(inspected.inspector_url, "/inspector/static/inspector.py")[0] == 404
    assert get(inspected.inspector_url, "/v1/messages/generic/")[0] == 404


def test_given_default_collector_then_no_inspector_and_api_port_unchanged(collector):
    assert collector.inspector_url is None
    context = ssl.create_default_context(cafile=collector.ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=5)
    conn.request("GET", "/")
    reply = conn.getresponse()
    assert reply.status == 404 and "error_message" in json.loads(reply.read())
    conn.close()


def test_given_records_when_version_polled_then_it_changes_and_state_lists_them(inspected):
    before = json.loads(get(inspected.inspector_url, "/inspector/version")[2])["version"]
    assert api_request(inspected, "messages/generic/", generic_turn("web-1", "hello", name="Ada"))[0] == 201
    assert api_request(inspected, "messages/generic/", generic_turn("web-1", "hi Ada", bot=True))[0] == 201
    after = json.loads(get(inspected.inspector_url, "/inspector/version")[2])["version"]
    assert after != before
    inspected.set_demo_report({"bots": [], "layer": {"retried": 1}})
    assert json.loads(get(inspected.inspector_url, "/inspector/version")[2])["version"] != after
    state = json.loads(get(inspected.inspector_url, "/inspector/state.json")[2])
    (conv,) = state["conversations"]
    assert (conv["platform"], conv["user_id"], conv["user_name"]) == ("generic", "web-1", "Ada")
    assert [(t["direction"], t["text"]) for t in conv["turns"]] == [("user", "hello"), ("bot", "hi Ada")]
    assert state["demo"]["layer"] == {"retried": 1}


def test_given_a_fault_on_the_api_when_page_loaded_then_it_still_answers(inspected):
    inspected.fault("blackhole")
    try:
        assert get(inspected.inspector_url)[0] == 200
    finally:
        inspected.clear_fault()


def test_given_redact_setting_when_page_shows_records_then_personal_data_is_masked_like_the_layer(
    clean_layer,
):
    with running_collector(inspector=True, redact="email,phone,card,field:ssn") as collector:
        body = generic_turn("web-9", "mail ada@example.com or call +1 415 555 2671, card 4111 1111 1111 1111")
        body["ssn"] = "078-05-1120"
        assert api_request(collector, "messages/generic/", body)[0] == 201
        assert (
            api_request(
                collector, "messages/generic/", generic_turn("web-9", "bob@example.org"), token="wrong-token"
            )[0]
            == 401
        )
        _, _, page = get(collector.inspector_url)
        state = get(collector.inspector_url, "/inspector/state.json")[2]
        stored = collector.records()[0].body  # the API side still stores what was sent
    assert stored["ssn"] == "078-05-1120"
    for text in (page, state):
        for secret in (
            "ada@example.com",
            "415 555 2671",
            "4111 1111 1111 1111",
            "078-05-1120",
            "bob@example.org",
        ):
            assert secret not in text
    assert "mail [email] or call [phone], card [card]" in page
    assert "[redacted]" in page and "personal data masked" in page


def test_given_api_token_when_page_shown_then_no_token_appears(inspected):
    assert api_request(inspected, "messages/generic/", generic_turn("web-1", "hi"))[0] == 201
    assert (
        api_request(inspected, "messages/generic/", generic_turn("web-1", "hi"), token="almost-the-token")[0]
        == 401
    )
    for path in ("/", "/inspector/state.json"):
        text = get(inspected.inspector_url, path)[2]
        assert inspected.token not in text and "almost-the-token" not in text


def test_given_collector_stopped_then_the_inspector_port_is_closed(clean_layer):
    with running_collector(inspector=True) as collector:
        port = collector.inspector_port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def _settings(proc: subprocess.Popen, timeout: float = 10.0) -> Dict[str, str]:
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, "")], daemon=True
    ).start()
    settings: Dict[str, str] = {}
    while True:
        line = lines.get(timeout=timeout).strip()
        if line == "READY":
            return settings
        name, _, value = line.partition("=")
        settings[name] = value


@pytest.mark.parametrize("extra", [[], ["--no-inspector"]])
def test_given_the_cli_when_started_then_it_prints_the_inspector_url_unless_disabled(extra):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.collector", "--token", "cli-token-1", *extra],
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        settings = _settings(proc)
        if extra:
            assert "BOTANALYTICS_INSPECTOR_URL" not in settings
        else:
            url = settings["BOTANALYTICS_INSPECTOR_URL"]
            assert url.startswith("http://127.0.0.1:")
            assert get(url)[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0

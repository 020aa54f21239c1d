"""The capture of the bot's outgoing send-API calls (``botanalytics.outgoing``), against a real HTTPS server.

A local TLS server on 127.0.0.1 (certificate from a ``trustme`` test CA) plays the platform. The test makes
platform host names resolve to it (``socket.getaddrinfo`` is patched for those names only), so the
clients connect, verify and send SNI exactly as they would to the real host. Each client — ``http.client``,
``urllib.request``, ``urllib3`` and ``requests`` — must be seen by the sink exactly once per request,
and what the server receives must be byte-identical with and without the hook.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

trustme = pytest.importorskip("trustme")
urllib3 = pytest.importorskip("urllib3")
requests = pytest.importorskip("requests")

from botanalytics import outgoing  # noqa: E402
from botanalytics.platforms.sms import AWS_HOSTS  # noqa: E402
from botanalytics.platforms.sms import PLATFORM as SMS  # noqa: E402
from botanalytics.platforms.telegram import PLATFORM as TELEGRAM  # noqa: E402

PLATFORM_HOST = "api.telegram.org"
OTHER_HOST = "unwatched.example.test"
SMS_HOST = AWS_HOSTS[0]  # sms-voice.<region>.amazonaws.com
TOKEN_PATH = "/bot123456:EXAMPLE-TOKEN-abcdef/sendMessage"


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    received: List[Tuple[str, str, Dict[str, str], bytes]] = []

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(length)
        type(self).received.append((self.command, self.path, dict(self.headers.items()), body))
        payload = b'{"ok":true,"result":{"message_id":1}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PUT = do_GET = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


@pytest.fixture(scope="module")
def server(ca: Any) -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(PLATFORM_HOST, OTHER_HOST, SMS_HOST).configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def loopback_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test-only host alias: the platform host names resolve to 127.0.0.1; nothing else changes."""
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in (PLATFORM_HOST, OTHER_HOST, SMS_HOST):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.fixture()
def ca_file(ca: Any, tmp_path: Any) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture()
def captured() -> Iterator[List[Tuple[str, str, bytes, Dict[str, str]]]]:
    calls: List[Tuple[str, str, bytes, Dict[str, str]]] = []
    outgoing.install(
        lambda host, path, body, headers: calls.append((host, path, body, headers)), hosts=[PLATFORM_HOST]
    )
    yield calls
    outgoing.uninstall()


BODY = json.dumps({"chat_id": 555000111, "text": "Yes! Vegan margherita."}).encode()
HEADERS = {"Content-Type": "application/json", "X-Test": "1"}


def send_http_client(port: int, ca_file: str, host: str = PLATFORM_HOST) -> bytes:
    conn = http.client.HTTPSConnection(
        host, port, context=ssl.create_default_context(cafile=ca_file), timeout=5
    )
    conn.request("POST", TOKEN_PATH, body=BODY, headers=HEADERS)
    data = conn.getresponse().read()
    conn.close()
    return data


def send_urllib(port: int, ca_file: str, host: str = PLATFORM_HOST) -> bytes:
    request = urllib.request.Request(
        f"https://{host}:{port}{TOKEN_PATH}", data=BODY, headers=HEADERS, method="POST"
    )
    with urllib.request.urlopen(
        request, context=ssl.create_default_context(cafile=ca_file), timeout=5
    ) as response:
        return response.read()  # type: ignore[no-any-return]


def send_urllib3(port: int, ca_file: str, host: str = PLATFORM_HOST) -> bytes:
    with urllib3.PoolManager(ca_certs=ca_file, cert_reqs="CERT_REQUIRED") as pool:
        return pool.request(
            "POST", f"https://{host}:{port}{TOKEN_PATH}", body=BODY, headers=HEADERS, retries=False
        ).data  # type: ignore[no-any-return]


def send_urllib3_chunked(port: int, ca_file: str, host: str = PLATFORM_HOST) -> bytes:
    with urllib3.PoolManager(ca_certs=ca_file, cert_reqs="CERT_REQUIRED") as pool:
        return pool.request(
            "POST",
            f"https://{host}:{port}{TOKEN_PATH}",
            body=iter([BODY[:10], BODY[10:]]),
            headers=HEADERS,
            chunked=True,
            retries=False,
        ).data  # type: ignore[no-any-return]


def send_requests(port: int, ca_file: str, host: str = PLATFORM_HOST) -> bytes:
    with requests.Session() as session:
        return session.post(
            f"https://{host}:{port}{TOKEN_PATH}", data=BODY, headers=HEADERS, verify=ca_file, timeout=5
        ).content  # type: ignore[no-any-return]


def send_requests_json(port: int, ca_file: str, host: str = PLATFORM_HOST) -> bytes:
    with requests.Session() as session:
        return session.post(
            f"https://{host}:{port}{TOKEN_PATH}", json=json.loads(BODY), verify=ca_file, timeout=5
        ).content  # type: ignore[no-any-return]


CLIENTS = [
    send_http_client,
    send_urllib,
    send_urllib3,
    send_urllib3_chunked,
    send_requests,
    send_requests_json,
]


@pytest.mark.parametrize("client", CLIENTS, ids=lambda f: f.__name__)
def test_each_client_call_to_a_platform_host_reaches_the_sink_once(
    client: Any, server: int, ca_file: str, loopback_dns: None, captured: List[Any]
) -> None:
    # given the hook installed for the platform's host
    # when the bot calls the send API through this client
    reply = client(server, ca_file)
    # then the call went through unchanged and the sink saw it exactly once, body and headers intact
    assert json.loads(reply)["ok"] is True
    assert len(captured) == 1
    host, path, body, headers = captured[0]
    assert host == PLATFORM_HOST
    assert path == TOKEN_PATH
    assert json.loads(body) == json.loads(BODY)
    assert headers[":method"] == "POST"
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize("client", CLIENTS, ids=lambda f: f.__name__)
def test_the_wire_bytes_are_identical_with_and_without_the_hook(
    client: Any, server: int, ca_file: str, loopback_dns: None
) -> None:
    # given one call made without the hook
    Recorder.received.clear()
    plain_reply = client(server, ca_file)
    # when the same call is made with the hook installed
    outgoing.install(lambda *a: None, hosts=[PLATFORM_HOST])
    try:
        hooked_reply = client(server, ca_file)
    finally:
        outgoing.uninstall()
    # then the server received the same request and the client the same response
    assert plain_reply == hooked_reply
    (m1, p1, h1, b1), (m2, p2, h2, b2) = Recorder.received[-2:]
    assert (m1, p1, b1) == (m2, p2, b2)
    assert h1 == h2


def test_calls_to_other_hosts_never_reach_the_sink(
    server: int, ca_file: str, loopback_dns: None, captured: List[Any]
) -> None:
    # given the hook installed for the platform host only
    # when the bot calls another host through every client
    for client in CLIENTS:
        client(server, ca_file, host=OTHER_HOST)
    # then the sink saw nothing, and the connections were not marked for capture
    assert captured == []


def test_keep_alive_connection_captures_each_request_separately(
    server: int, ca_file: str, loopback_dns: None, captured: List[Any]
) -> None:
    # given one keep-alive connection
    conn = http.client.HTTPSConnection(
        PLATFORM_HOST, server, context=ssl.create_default_context(cafile=ca_file), timeout=5
    )
    # when three requests go over it
    for text in ("one", "two", "three"):
        conn.request(
            "POST", TOKEN_PATH, body=json.dumps({"chat_id": 1, "text": text}).encode(), headers=HEADERS
        )
        conn.getresponse().read()
    conn.close()
    # then each was captured once, in order
    assert [json.loads(c[2])["text"] for c in captured] == ["one", "two", "three"]


def test_captured_telegram_call_becomes_a_record_without_the_token(
    server: int, ca_file: str, loopback_dns: None
) -> None:
    # given the hook routing captured calls through the platforms' sent()
    records: List[Any] = []
    outgoing.install(lambda *call: records.extend(TELEGRAM.sent(*call)), hosts=TELEGRAM.send_hosts)
    try:
        # when the bot replies through the Bot API with requests
        send_requests(server, ca_file)
    finally:
        outgoing.uninstall()
    # then one generic bot message is recorded, and the token appears nowhere in it
    assert len(records) == 1
    assert records[0].path == "messages/generic/"
    assert records[0].body["is_sender_bot"] is True
    assert records[0].body["message"]["text"] == "Yes! Vegan margherita."
    assert "EXAMPLE-TOKEN" not in json.dumps(records[0].to_dict())


def test_a_raising_sink_never_reaches_the_caller(server: int, ca_file: str, loopback_dns: None) -> None:
    # given a sink that raises
    def sink(*_: Any) -> None:
        raise RuntimeError("sink bug")

    outgoing.install(sink, hosts=[PLATFORM_HOST])
    try:
        # when the bot sends
        reply = send_requests(server, ca_file)
    finally:
        outgoing.uninstall()
    # then its call still succeeded
    assert json.loads(reply)["ok"] is True


def test_install_is_idempotent_and_uninstall_restores_http_client() -> None:
    # given the original methods
    originals = {
        name: http.client.HTTPConnection.__dict__[name] for name in ("putrequest", "send", "getresponse")
    }
    # when installed twice (concurrently) and removed
    threads = [
        threading.Thread(target=outgoing.install, args=(lambda *a: None,), kwargs={"hosts": ["a.example"]})
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    patched = http.client.HTTPConnection.__dict__["send"]
    outgoing.install(lambda *a: None, hosts=["b.example"])
    # then the methods were wrapped once, and both host lists are watched
    assert http.client.HTTPConnection.__dict__["send"] is patched
    assert outgoing.watched("a.example") and outgoing.watched("b.example")
    outgoing.uninstall()
    assert {name: http.client.HTTPConnection.__dict__[name] for name in originals} == originals


def test_suffix_hosts_match_subdomains_only() -> None:
    outgoing.install(lambda *a: None, hosts=[".botframework.com", "smba.trafficmanager.net"])
    try:
        assert outgoing.watched("europe.webchat.botframework.com")
        assert outgoing.watched("smba.trafficmanager.net")
        assert not outgoing.watched("botframework.com.evil.example")
        assert not outgoing.watched("api.telegram.org")
    finally:
        outgoing.uninstall()


def test_parse_request_handles_connect_preamble_and_chunked_bodies() -> None:
    raw = (
        b"CONNECT api.telegram.org:443 HTTP/1.0\r\nHost: api.telegram.org:443\r\n\r\n"
        b"POST /botX/sendMessage HTTP/1.1\r\nHost: api.telegram.org\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    method, target, headers, body = outgoing.parse_request(raw)  # type: ignore[misc]
    assert (method, target, body) == ("POST", "/botX/sendMessage", b"hello world")
    assert headers["host"] == "api.telegram.org"


def test_boto3_calls_are_captured_through_botocore(
    server: int, ca_file: str, loopback_dns: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3 = pytest.importorskip("boto3")
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    # given the hook routing captured calls to the SMS platform, and an SMS API client pointed at the
    # local server under the real host name
    records: List[Any] = []
    outgoing.install(lambda *call: records.extend(SMS.sent(*call)), hosts=SMS.send_hosts)
    region = SMS_HOST.split(".")[1]
    client = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name=region,
        endpoint_url=f"https://{SMS_HOST}:{server}",
        verify=ca_file,
    )
    try:
        # when the bot sends an SMS reply with boto3
        client.send_text_message(DestinationPhoneNumber="+15555550123", MessageBody="Your pizza is ready")
    finally:
        outgoing.uninstall()
    # then the reply is recorded as a generic bot message, and no AWS credential is in it
    assert [r.body["message"]["text"] for r in records] == ["Your pizza is ready"]
    assert records[0].body["user"]["id"] == "+15555550123"
    assert "testing" not in json.dumps(records[0].to_dict())

"""A plain stdlib client for the collector's tests: ``http.client`` over TLS that trusts only the
collector's test CA (verification always on)."""
from __future__ import annotations

import http.client
import json
import ssl
from typing import Any, Dict, List, NamedTuple, Optional

import pytest

_DEFAULT = object()


class Reply(NamedTuple):
    status: int
    headers: Dict[str, str]  # lower-case names
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class ApiClient:
    """Talks to one collector over one keep-alive connection (``reconnect()`` for a fresh one)."""

    def __init__(self, collector: Any, timeout: float = 2.0) -> None:
        self.collector = collector
        self.timeout = timeout
        self._opened: List[http.client.HTTPConnection] = []
        self.conn = self.connect()

    def connect(self, timeout: Optional[float] = None) -> http.client.HTTPConnection:
        c = self.collector
        if c.tls:
            context = ssl.create_default_context(cafile=c.ca_file)
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", c.port, context=context, timeout=timeout or self.timeout
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=timeout or self.timeout)
        self._opened.append(conn)
        return conn

    def reconnect(self, timeout: Optional[float] = None) -> None:
        self.conn.close()
        self.conn = self.connect(timeout)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: Optional[bytes] = None,
        token: Any = _DEFAULT,
        headers: Optional[Dict[str, str]] = None,
        conn: Optional[http.client.HTTPConnection] = None,
    ) -> Reply:
        """``path`` is relative to /v1/ unless it starts with "/". ``token=None`` sends no Authorization."""
        sent = {"Content-Type": "application/json"}
        if token is _DEFAULT:
            token = self.collector.token
        if token is not None:
            sent["Authorization"] = "Token %s" % token
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        target = path if path.startswith("/") else "/v1/" + path
        connection = conn or self.conn
        connection.request(method, target, body=data, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def close(self) -> None:
        for conn in self._opened:
            conn.close()


@pytest.fixture
def make_client():
    """``make_client(collector)``: an ApiClient for a collector the test started itself."""
    clients: List[ApiClient] = []

    def make(collector: Any, timeout: float = 2.0) -> ApiClient:
        clients.append(ApiClient(collector, timeout))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(collector, make_client):
    """A client of the ``collector`` fixture, on one keep-alive connection."""
    return make_client(collector)


GENERIC_TURN = {
    "is_sender_bot": False,
    "user": {"id": "user-42", "name": "Test User"},
    "message": {"timestamp": 1704110400000, "text": "hello bot"},
}


@pytest.fixture
def generic_turn() -> Dict[str, Any]:
    """A valid body for messages/generic/ (the Python SDK's captured request, WIRE-FORMAT.md)."""
    return json.loads(json.dumps(GENERIC_TURN))

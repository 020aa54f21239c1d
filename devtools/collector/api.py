"""How the collector answers one request, apart from sockets and faults: route, authenticate, parse,
check the contract, drop duplicates, store.

Order of checks (that of a Django REST Framework API like Botanalytics'): unknown path 404, then the token
401, then the method 405, then the body 400. Every answer is JSON; every error is
``{"error_message": "..."}``. The token is never echoed: it is scrubbed from any message sent back.
"""
from __future__ import annotations

import gzip
import hmac
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

from . import contract
from .store import Store

API_PREFIX = "/v1/"
RECORD_ID_HEADER = "x-botanalytics-record-id"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Reply:
    """What to send back: status, JSON payload, extra headers."""

    status: int
    payload: Any
    headers: List[Tuple[str, str]] = field(default_factory=list)

    def body(self) -> bytes:
        return json.dumps(self.payload).encode("utf-8")


class Stats:
    """Thread-safe counters."""

    NAMES = (
        "accepted",
        "rejected",
        "duplicates",
        "requests",
        "connections",
        "tls_failures",
        "faults_applied",
        "internal_errors",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self.NAMES, 0)

    def inc(self, name: str, by: int = 1) -> None:
        with self._lock:
            self._counts[name] += by

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self._counts)


def _reject_constant(name: str) -> Any:
    raise ValueError("%s is not valid JSON" % name)


class Api:
    """The Botanalytics v1 API as the collector plays it."""

    def __init__(self, token: str, store: Store, stats: Stats, on_stored: Any = None) -> None:
        if not token:
            raise ValueError("the collector needs a non-empty token")
        self._token = token
        self._store = store
        self._stats = stats
        self._on_stored = on_stored

    # -- public entry -------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Dict[str, str], raw: bytes, received_ms: int
    ) -> Reply:
        relative = path[len(API_PREFIX):] if path.startswith(API_PREFIX) else None
        endpoint = contract.find(relative) if relative is not None else None
        if endpoint is None:
            return self.error(404, "Not found: no API endpoint at %s" % path, path, method, headers, raw,
                              received_ms)
        assert relative is not None
        auth_error = self._check_token(headers.get("authorization"))
        if auth_error:
            reply = self.error(401, auth_error, path, method, headers, raw, received_ms)
            reply.headers.append(("WWW-Authenticate", "Token"))
            return reply
        if method not in endpoint.methods:
            reply = self.error(405, "Method %s not allowed on %s" % (method, path), path, method, headers,
                               raw, received_ms)
            reply.headers.append(("Allow", ", ".join(endpoint.methods)))
            return reply
        body, problem = self._parse(headers, raw)
        if problem is None:
            problem = endpoint.validate(body)
        if problem is not None:
            return self.error(400, problem, path, method, headers, raw, received_ms)
        record_id = headers.get(RECORD_ID_HEADER) or None
        stored = self._store.add_record(relative, method, body, headers, record_id, received_ms)
        if not stored:
            self._stats.inc("duplicates")
            return Reply(200, {"ok": True, "duplicate": True})
        self._stats.inc("accepted")
        if self._on_stored is not None:
            self._on_stored()
        return Reply(201, {"ok": True})

    def error(
        self,
        status: int,
        message: str,
        path: str,
        method: str,
        headers: Dict[str, str],
        raw: bytes,
        received_ms: int,
        extra_headers: Optional[List[Tuple[str, str]]] = None,
    ) -> Reply:
        """An error reply, recorded as a rejection when it is not 2xx."""
        message = self.scrub(message)
        if not 200 <= status < 300:
            self._stats.inc("rejected")
            relative = path[len(API_PREFIX):] if path.startswith(API_PREFIX) else path
            text = raw.decode("utf-8", "replace")
            self._store.add_rejection(relative, method, status, message, text, headers, received_ms)
        return Reply(status, {"error_message": message}, list(extra_headers or []))

    def scrub(self, text: str) -> str:
        """Remove the token (and its URL-encoded form) from text that will be sent back."""
        for form in {self._token, _quote_all(self._token)}:
            text = text.replace(form, "***")
        return text

    # -- steps --------------------------------------------------------------------------------------

    def _check_token(self, value: Optional[str]) -> Optional[str]:
        if not value:
            return "Authentication credentials were not provided."
        scheme, _, credential = value.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "token" or not credential or " " in credential:
            return "Invalid token header. Use 'Authorization: Token <token>'."
        expected = self._token.encode("utf-8")
        # The Node SDK sends encodeURIComponent(token); accept both forms.
        for candidate in {credential, unquote(credential)}:
            if hmac.compare_digest(candidate.encode("utf-8"), expected):
                return None
        return "Invalid token."

    @staticmethod
    def _parse(headers: Dict[str, str], raw: bytes) -> Tuple[Any, Optional[str]]:
        encoding = headers.get("content-encoding", "identity").strip().lower()
        try:
            if encoding == "gzip":
                raw = gzip.decompress(raw)
            elif encoding == "deflate":
                raw = zlib.decompress(raw)
            elif encoding not in ("", "identity"):
                return None, "unsupported Content-Encoding %r" % encoding
        except (OSError, EOFError, zlib.error):
            return None, "the body is not valid %s data" % encoding
        if not raw.strip():
            return None, "malformed JSON: the body is empty"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, "malformed JSON: the body is not valid UTF-8"
        try:
            return json.loads(text, parse_constant=_reject_constant), None
        except RecursionError:
            return None, "malformed JSON: nested too deeply"
        except ValueError as exc:
            return None, "malformed JSON: %s" % exc


def _quote_all(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")

"""One keep-alive HTTPS connection to the API, built on the standard library's ``http.client``.

``send`` turns one record into an ``Outcome``; the whole send (connect, TLS, request, reply) is bounded
by a ``Deadline``, re-applied to the socket before every step. A connection that went stale while the
sandbox was frozen is detected on first use, reopened, and the request tried once more at once.
Imported by the delivery thread, never on the handler's path: ``ssl`` and ``http.client`` cost ~30 ms.
"""
from __future__ import annotations

import http.client
import json
import logging
import platform as _platform
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from .config import Config
from .record import Record
from .retry import Deadline, parse_retry_after

logger = logging.getLogger("botanalytics")

VERSION = "0.1.0"
USER_AGENT = f"botanalytics-lambda/{VERSION} (python {_platform.python_version()})"
MAX_REPLY_BYTES = 64 * 1024
IDLE_REOPEN_S = 60.0  # a connection idle this long (e.g. across a freeze) is reopened before use

DELIVERED, RETRY, REJECTED = "delivered", "retry", "rejected"


@dataclass(frozen=True)
class Outcome:
    """What happened to one send. ``kind`` is DELIVERED, RETRY (transient) or REJECTED (permanent)."""

    kind: str
    status: Optional[int] = None
    reason: str = ""
    retry_after_s: Optional[float] = None
    reachable: bool = True  # False for network-level failures (the API could not be reached)


class Transport:
    def __init__(self, config: Config, token_provider: "TokenProvider") -> None:
        parts = urlsplit(config.api_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.base_path = parts.path if parts.path.endswith("/") else parts.path + "/"
        self.ca_bundle = config.ca_bundle
        self.tokens = token_provider
        self._ssl: Optional[ssl.SSLContext] = None
        self._conn: Optional[http.client.HTTPConnection] = None
        self._last_used = 0.0

    # -- connection -------------------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else ssl.create_default_context()
            self._ssl = context
        return self._ssl

    def _connect(self, deadline: Deadline) -> http.client.HTTPConnection:
        timeout = max(0.001, deadline.remaining())
        conn: http.client.HTTPConnection
        if self.https:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self._context())
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        conn.connect()
        if conn.sock is not None:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass

    def warm(self, deadline: Deadline) -> bool:
        """Open the keep-alive connection ahead of the first send (during Lambda's init)."""
        if self._conn is not None:
            return True
        try:
            self._conn = self._connect(deadline)
            self._last_used = time.monotonic()
            return True
        except (OSError, http.client.HTTPException, ValueError):
            self.close()
            return False

    # -- sending ----------------------------------------------------------------------------------
    def send(self, record: Record, deadline: Deadline, payload: Optional[bytes] = None) -> Outcome:
        """Send ``record`` (its body already serialised as ``payload``, when given) by ``deadline``."""
        token = self.tokens.get()
        if not token:
            return Outcome(RETRY, reason="no token available yet", reachable=False)
        body = payload if payload is not None else json.dumps(
            record.body, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-Botanalytics-Client-Id": "python-lambda",
            "X-Botanalytics-Client-Version": VERSION,
            "X-Botanalytics-Record-Id": record.record_id,
        }
        path = self.base_path + record.path.lstrip("/")
        if self._conn is not None and time.monotonic() - self._last_used > IDLE_REOPEN_S:
            self.close()
        reused = self._conn is not None
        outcome = self._attempt(record.method, path, body, headers, deadline)
        if outcome is None and reused and not deadline.expired():
            # A kept-alive connection the server (or a long freeze) closed: reopen and try once more.
            outcome = self._attempt(record.method, path, body, headers, deadline)
        if outcome is None:
            return Outcome(RETRY, reason=self._last_error, reachable=False)
        return outcome

    _last_error = ""

    def _attempt(
        self, method: str, path: str, body: bytes, headers: dict, deadline: Deadline
    ) -> Optional[Outcome]:
        """One request on the kept-alive connection; None on a network-level failure."""
        try:
            if self._conn is None:
                self._conn = self._connect(deadline)
            conn = self._conn
            self._set_timeout(conn, deadline)
            conn.request(method, path, body=body, headers=headers)
            self._set_timeout(conn, deadline)
            response = conn.getresponse()
            self._set_timeout(conn, deadline)
            reply = response.read(MAX_REPLY_BYTES + 1)
            if len(reply) > MAX_REPLY_BYTES or response.will_close:
                self.close()
            self._last_used = time.monotonic()
            return self._classify(response.status, response.getheader("Retry-After"), reply)
        except ssl.SSLCertVerificationError as exc:
            self._last_error = f"TLS certificate verification failed ({exc.verify_message})"
        except (socket.timeout, TimeoutError):
            self._last_error = "timed out"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self._last_error = f"{type(exc).__name__}"
        self.close()
        return None

    @staticmethod
    def _set_timeout(conn: http.client.HTTPConnection, deadline: Deadline) -> None:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        if conn.sock is not None:
            conn.sock.settimeout(remaining)

    @staticmethod
    def _classify(status: int, retry_after: Optional[str], reply: bytes) -> Outcome:
        if 200 <= status < 300:
            return Outcome(DELIVERED, status)
        message = _error_message(reply)
        if status == 429 or status == 408 or status >= 500:
            return Outcome(RETRY, status, message, parse_retry_after(retry_after))
        return Outcome(REJECTED, status, message)


def _error_message(reply: bytes) -> str:
    """The API's ``error_message`` (what every official SDK reads), else a short excerpt."""
    try:
        data = json.loads(reply.decode("utf-8"))
        if isinstance(data, dict) and isinstance(data.get("error_message"), str):
            return data["error_message"][:300]
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    return reply[:120].decode("utf-8", "replace")


class TokenProvider:
    """The API token: given directly, or read lazily (with boto3, in the delivery thread) from Secrets
    Manager or SSM Parameter Store and cached for the container. Never logged."""

    def __init__(self, config: Config) -> None:
        self._token = config.token
        self._secret_arn = config.token_secret_arn
        self._ssm_name = config.token_ssm_name
        self._next_try = 0.0

    def get(self) -> Optional[str]:
        if self._token:
            return self._token
        if not (self._secret_arn or self._ssm_name) or time.monotonic() < self._next_try:
            return None
        try:
            self._token = self._fetch()
        except Exception as exc:  # noqa: BLE001 - boto3 raises many kinds
            self._next_try = time.monotonic() + 5.0
            from .guard import log_once

            log_once(
                "token-fetch",
                logging.ERROR,
                "botanalytics: cannot read the token from %s (%s); records are kept and retried",
                "Secrets Manager" if self._secret_arn else "SSM",
                type(exc).__name__,
            )
            return None
        return self._token

    def _fetch(self) -> Optional[str]:
        import boto3  # lazy: only when the token lives in AWS, and only in the delivery thread

        if self._secret_arn:
            value = boto3.client("secretsmanager").get_secret_value(SecretId=self._secret_arn)["SecretString"]
            try:  # a JSON secret {"token": "..."} or a plain string
                data = json.loads(value)
                if isinstance(data, dict):
                    value = data.get("token") or data.get("BOTANALYTICS_TOKEN") or ""
            except ValueError:
                pass
            return str(value).strip() or None
        response = boto3.client("ssm").get_parameter(Name=self._ssm_name, WithDecryption=True)
        return str(response["Parameter"]["Value"]).strip() or None

"""Small shared pieces for the webhook platform modules (Messenger, Slack, Twilio, Line, Viber, Kik, WeChat).

Standard library only and cheap to import. Nothing here raises for any input: every reader returns
None / an empty value when the input is not what it expects.
"""
from __future__ import annotations

import base64
import functools
import json
import logging
import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar
from urllib.parse import parse_qsl, urlsplit

from ..webhook import HttpRequest

logger = logging.getLogger("botanalytics")

F = TypeVar("F", bound=Callable[..., Any])

#: The debug line of an exception a platform hook swallowed (tests fail on it: it is a bug).
SWALLOWED = "botanalytics: platform hook %s raised and was guarded"

#: Largest XML document we agree to parse (a WeChat message or a TwiML reply is a few hundred bytes).
MAX_XML_BYTES = 64 * 1024
#: Largest outgoing request body we look at when recognising a platform's send API call.
MAX_SENT_BYTES = 1024 * 1024


def guarded(default: Callable[[], Any]) -> Callable[[F], F]:
    """Decorate a platform hook so that it never raises: on any exception it logs at debug level and
    returns ``default()``. (The caller guards hooks too; this keeps one bad field from losing the turn.)"""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception:
                logger.debug(SWALLOWED, func.__qualname__, exc_info=True)
                return default()

        return inner  # type: ignore[return-value]

    return wrap


def json_object(http: Optional[HttpRequest]) -> Optional[Dict[str, Any]]:
    """The request body as a JSON object (dict), or None."""
    if http is None:
        return None
    data = http.json()
    return data if isinstance(data, dict) else None


def as_dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def nonempty_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def lower_headers(headers: Any) -> Dict[str, str]:
    """Headers of an outgoing call as a lower-cased dict, whatever mapping or pair list we were given."""
    out: Dict[str, str] = {}
    try:
        items = headers.items() if hasattr(headers, "items") else headers or []
        for key, value in items:
            k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            v = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            out[k.lower()] = v
    except Exception:
        return out
    return out


def is_post(headers: Dict[str, str]) -> bool:
    """False when the captured call's method (pseudo-header ``:method``) is known and is not POST."""
    method = headers.get(":method")
    return method is None or method.upper() == "POST"


def body_bytes(body: Any) -> Optional[bytes]:
    """An outgoing call's body as bytes (None for streams, iterables and oversized bodies)."""
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    if isinstance(body, (bytes, bytearray, memoryview)):
        data = bytes(body)
        return data if len(data) <= MAX_SENT_BYTES else None
    return None


def split_target(path: Any) -> Tuple[str, Dict[str, str]]:
    """``/v2/x?y=1`` → (``/v2/x``, ``{"y": "1"}``). Accepts an absolute URL too (proxies send one)."""
    if isinstance(path, bytes):
        path = path.decode("latin-1")
    if not isinstance(path, str):
        return "", {}
    try:
        parts = urlsplit(path)
    except ValueError:  # "http://[bad": not a request target we recognise
        return "", {}
    return parts.path or "/", dict(parse_qsl(parts.query, keep_blank_values=True))


def host_matches(host: Any, *names: str) -> bool:
    """True when ``host`` (possibly with a port) is one of ``names``."""
    if isinstance(host, bytes):
        host = host.decode("latin-1")
    if not isinstance(host, str):
        return False
    bare = host.strip().lower()
    if bare.startswith("["):
        return False
    bare = bare.rsplit(":", 1)[0] if bare.count(":") == 1 else bare
    return bare.rstrip(".") in names


def posted_to(host: Any, path: Any, body: Any, headers: Any,
              hosts: Tuple[str, ...]) -> Optional[Tuple[str, Dict[str, str], bytes]]:
    """The first step of every platform's ``sent()``: for a POST with a byte body to one of ``hosts``,
    ``(route without its trailing slash, lower-cased headers, body)``; None for any other call."""
    if not host_matches(host, *hosts):
        return None
    lowered = lower_headers(headers)
    raw = body_bytes(body)
    if not is_post(lowered) or raw is None:
        return None
    route, _query = split_target(path)
    return route.rstrip("/"), lowered, raw


def reply_document(response: Any, http_response: Any) -> Optional[Any]:
    """The document a webhook handler answered with (TwiML, WeChat XML): the HTTP body of a proxy
    response, or a plain str/bytes return; None for a non-2xx answer or nothing usable."""
    if http_response is not None:
        return None if http_response.status >= 300 else http_response.body
    if isinstance(response, (str, bytes)):
        return response
    return None


def parse_json_or_form(body: bytes, headers: Dict[str, str]) -> Optional[Dict[str, Any]]:
    """An outgoing call's body: a JSON object, or a form whose values are kept as strings."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    stripped = text.lstrip()
    if ctype == "application/json" or stripped.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            return data
        if ctype == "application/json":
            return None
    if "=" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    return None


def maybe_json(value: Any) -> Any:
    """A form field that carries JSON (Slack ``blocks``, Messenger ``message``) decoded; else unchanged."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


# --------------------------------------------------------------------------------------------- XML


def parse_xml(data: Any) -> Any:
    """Parse a small, trusted-shape XML document safely; None when it is too big, has a DOCTYPE or
    entity declaration (billion laughs, external entities), or is not well formed."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    if not isinstance(data, (bytes, bytearray)) or not data or len(data) > MAX_XML_BYTES:
        return None
    probe = bytes(data).upper()
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe or b"<!ELEMENT" in probe or b"<!ATTLIST" in probe:
        return None
    try:
        from xml.etree import ElementTree

        return ElementTree.fromstring(bytes(data))
    except Exception:
        return None


def element_to_dict(element: Any, depth: int = 0) -> Dict[str, Any]:
    """``<xml><A>1</A><B><C>2</C></B></xml>`` → ``{"A": "1", "B": {"C": "2"}}`` (text values as strings;
    a repeated child becomes a list)."""
    out: Dict[str, Any] = {}
    if depth > 20:
        return out
    for child in list(element):
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag:
            continue
        value: Any = element_to_dict(child, depth + 1) if len(child) else (child.text or "")
        if tag in out:
            previous = out[tag]
            out[tag] = previous + [value] if isinstance(previous, list) else [previous, value]
        else:
            out[tag] = value
    return out


# ------------------------------------------------------------------------------- bounded memo


class BoundedMap:
    """A small thread-safe LRU map: what one invocation learns (a Line reply token's user, a Slack team)
    for the send API calls made later in the same invocation."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._data: "OrderedDict[str, Any]" = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def get(self, key: str) -> Any:
        with self._lock:
            return self._data.get(key)


# ------------------------------------------------------------------------------- AWS envelopes


def read_http(event: Any) -> Optional[HttpRequest]:
    """The webhook request in ``event``, through the shared envelope reader (``botanalytics.envelope``);
    a minimal reader of the proxy formats is the fallback should that module be unavailable."""
    try:
        from .. import envelope

        reader = getattr(envelope, "read_request", None)
        if reader is not None:
            result = reader(event)
            return result if isinstance(result, HttpRequest) else None
    except ImportError:
        pass
    except Exception:
        logger.debug("botanalytics: envelope.read_request failed", exc_info=True)
        return None
    return _minimal_read(event)


def _minimal_read(event: Any) -> Optional[HttpRequest]:
    if not isinstance(event, dict) or "body" not in event:
        return None
    if not ("httpMethod" in event or "requestContext" in event or "rawPath" in event):
        return None
    headers = {str(k).lower(): str(v) for k, v in as_dict(event.get("headers")).items()}
    method = event.get("httpMethod") or as_dict(as_dict(event.get("requestContext")).get("http")).get("method")
    body = event.get("body")
    raw = b""
    if isinstance(body, str):
        if event.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(body, validate=False)
            except Exception:
                raw = b""
        else:
            raw = body.encode("utf-8", "replace")
    query = {str(k): str(v) for k, v in as_dict(event.get("queryStringParameters")).items()}
    return HttpRequest(
        headers=headers,
        body=raw,
        method=str(method or "POST").upper(),
        path=str(event.get("rawPath") or event.get("path") or "/"),
        query=query,
    )


def proxy_response(status: int, body: str, content_type: str = "text/plain") -> Dict[str, Any]:
    """A response every AWS HTTP front (REST, HTTP API, Function URL, ALB) understands."""
    return {
        "statusCode": status,
        "isBase64Encoded": False,
        "headers": {"Content-Type": content_type},
        "body": body,
    }

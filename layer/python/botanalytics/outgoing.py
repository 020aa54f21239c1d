"""Capture of the bot's replies on webhook platforms, without code changes.

On Messenger, Slack, Line, Viber, Kik, Telegram, Bot Framework, RBM, ... the bot's answer is not in the
webhook's HTTP response: the handler sends it through the platform's send API while it runs. ``install``
observes those calls where every Python HTTP client meets: ``http.client.HTTPConnection``.

Where the hook sits, and why there
    * ``http.client``'s own ``request()`` (and so ``urllib.request``) runs ``putrequest`` →
      ``putheader``… → ``endheaders(body)`` → ``_send_output`` → ``send(header block)``, ``send(body)``.
    * urllib3 2.x (and so ``requests`` and botocore on Python ≥ 3.10) overrides ``request()`` and never
      calls ``http.client``'s: it calls ``putrequest`` / ``putheader`` / ``endheaders()`` itself and then
      ``send(chunk)`` for the body. urllib3 1.26 (the Lambda runtimes' copy) calls ``super().request()``
      for ordinary bodies and ``putrequest``/``putheader``/``endheaders``/``send`` in
      ``request_chunked``. botocore's ``AWSConnection`` overrides ``_send_output``/``send`` and ends in
      ``super().send``.
    So patching ``HTTPConnection.request`` would miss urllib3 2.x. What every path shares is
    ``putrequest`` (start of a request: the host is known), ``send`` (every byte on the wire, headers
    and body, in plain text before TLS) and ``getresponse`` (the request is complete). Those three are
    wrapped. ``putrequest`` decides, with one frozenset lookup (plus a suffix check), whether the
    connection's host is a platform send host; only then are the bytes passed to ``send`` copied (never
    consumed: file-like bodies and iterables are not read by us, such a request is simply not
    captured). On ``getresponse`` the copied bytes are parsed back into request line, headers and body
    (chunked transfer coding undone) and handed to the sink once the response headers have arrived.

Guarantees: installed once (idempotent, under a lock); what is sent is never changed (the originals are
called with the same arguments, first); nothing raises into the caller (every step of ours is guarded);
non-matching hosts cost a set lookup in ``putrequest`` and an attribute read in ``send``. The sink gets
``(host, path, body, headers)``: ``path`` is the request target as sent (path and query), ``headers`` a
lower-cased dict which also carries the pseudo-header ``":method"``. Tokens may be in ``path`` (Telegram)
or ``headers`` (``Authorization``): the sink passes them to the platforms' ``sent()``, which never record
them.
"""

from __future__ import annotations

import http.client
import logging
import threading
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple

logger = logging.getLogger("botanalytics")

Sink = Callable[[str, str, bytes, Dict[str, str]], None]

#: Largest request (headers + body) we copy; a bigger one (a file upload) is not captured.
MAX_CAPTURE_BYTES = 1024 * 1024

_ATTR = "_botanalytics_capture"

_lock = threading.Lock()
_sink: Optional[Sink] = None
_exact: FrozenSet[str] = frozenset()
_suffixes: Tuple[str, ...] = ()
_originals: Dict[str, Any] = {}
_wrappers: Dict[str, Any] = {}


# ----------------------------------------------------------------------------------------- hosts


def _split_hosts(hosts: Iterable[str]) -> Tuple[FrozenSet[str], Tuple[str, ...]]:
    exact = set()
    suffixes = set()
    for host in hosts:
        if not isinstance(host, str) or not host.strip():
            continue
        name = host.strip().lower().rstrip(".")
        if name.startswith("*."):
            name = name[1:]
        if name.startswith("."):
            suffixes.add(name)
        else:
            exact.add(name)
    return frozenset(exact), tuple(sorted(suffixes))


def platform_send_hosts() -> List[str]:
    """Every ``send_hosts`` entry of every registered platform (imports the platform modules)."""
    hosts: List[str] = []
    try:
        from . import platforms

        for identifier in list(platforms.REGISTRY):
            platform = platforms.get(identifier)
            for host in getattr(platform, "send_hosts", ()) or ():
                if isinstance(host, str):
                    hosts.append(host)
    except Exception:
        logger.debug("botanalytics: could not collect the platforms' send hosts", exc_info=True)
    return hosts


def add_hosts(hosts: Iterable[str]) -> None:
    """Watch more hosts (e.g. a Bot Framework ``serviceUrl`` seen in an incoming activity)."""
    global _exact, _suffixes
    try:
        exact, suffixes = _split_hosts(hosts)
        if exact <= _exact and set(suffixes) <= set(_suffixes):
            return
        with _lock:
            _exact = _exact | exact
            _suffixes = tuple(sorted(set(_suffixes) | set(suffixes)))
    except Exception:
        logger.debug("botanalytics: add_hosts failed", exc_info=True)


def watched(host: Any) -> bool:
    """True when calls to ``host`` are passed to the sink."""
    if not isinstance(host, str):
        return False
    name = host.lower().rstrip(".")
    return name in _exact or (bool(_suffixes) and name.endswith(_suffixes))


# ------------------------------------------------------------------------------------- the hooks


def _conn_host(conn: Any) -> str:
    host = getattr(conn, "_tunnel_host", None) or getattr(conn, "host", "")
    return host if isinstance(host, str) else ""


def _putrequest(self: Any, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
    result = _originals["putrequest"](self, method, url, *args, **kwargs)
    try:
        if _sink is not None and watched(_conn_host(self)):
            # [bytes so far, size, complete?]
            setattr(self, _ATTR, [[], 0, True])
        elif self.__dict__.get(_ATTR) is not None:
            setattr(self, _ATTR, None)
    except Exception:
        pass
    return result


def _send(self: Any, data: Any) -> Any:
    try:
        capture = self.__dict__.get(_ATTR)
        if capture is not None and capture[2]:
            if isinstance(data, (bytes, bytearray, memoryview)):
                chunk = bytes(data)
                capture[1] += len(chunk)
                if capture[1] > MAX_CAPTURE_BYTES:
                    capture[0] = []
                    capture[2] = False
                else:
                    capture[0].append(chunk)
            else:  # a file-like object or an iterable: we never consume the caller's stream
                capture[0] = []
                capture[2] = False
    except Exception:
        pass
    return _originals["send"](self, data)


def _getresponse(self: Any, *args: Any, **kwargs: Any) -> Any:
    capture = None
    try:
        capture = self.__dict__.get(_ATTR)
        if capture is not None:
            setattr(self, _ATTR, None)
    except Exception:
        capture = None
    try:
        response = _originals["getresponse"](self, *args, **kwargs)
    except BaseException:
        # urllib3 1.26 first tries getresponse(buffering=True), which raises TypeError on Python 3, then
        # calls getresponse() again: keep the capture for that second call.
        if capture is not None:
            try:
                setattr(self, _ATTR, capture)
            except Exception:
                pass
        raise
    if capture is not None and capture[2] and capture[0]:
        try:
            _deliver(_conn_host(self), b"".join(capture[0]))
        except Exception:
            logger.debug("botanalytics: outgoing capture failed", exc_info=True)
    return response


def _deliver(host: str, raw: bytes) -> None:
    parsed = parse_request(raw)
    sink = _sink
    if parsed is None or sink is None:
        return
    method, target, headers, body = parsed
    headers[":method"] = method
    try:
        sink(host.lower().rstrip("."), target, body, headers)
    except Exception:
        logger.debug("botanalytics: the outgoing sink raised", exc_info=True)


# ----------------------------------------------------------------------------- wire bytes → parts


def parse_request(raw: bytes) -> Optional[Tuple[str, str, Dict[str, str], bytes]]:
    """``(method, target, headers, body)`` from the bytes of one HTTP/1.x request, or None.

    A ``CONNECT`` preamble (a proxy tunnel opened on the first ``send``) is skipped; a chunked body is
    decoded; a body is cut at ``Content-Length``. Header names are lower-cased; a repeated header is
    joined with ``", "``.
    """
    try:
        method = target = ""
        lines: List[bytes] = []
        rest = b""
        for _ in range(4):  # at most a few CONNECT preambles
            head, sep, rest = raw.partition(b"\r\n\r\n")
            if not sep:
                return None
            lines = head.split(b"\r\n")
            request_line = lines[0].decode("latin-1").split(" ")
            if len(request_line) < 3:
                return None
            method, target = request_line[0].upper(), request_line[1]
            if method != "CONNECT":
                break
            raw = rest
        if not method or method == "CONNECT":
            return None
        headers: Dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                continue
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _dechunk(rest)
        else:
            body = rest
            length = headers.get("content-length", "")
            if length.isdigit():
                body = body[: int(length)]
        if target.startswith(("http://", "https://")):  # absolute form, through a forwarding proxy
            from urllib.parse import urlsplit

            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        return method, target or "/", headers, body
    except Exception:
        return None


def _dechunk(data: bytes) -> bytes:
    out = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n", pos)
        if end < 0:
            break
        size_text = data[pos:end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            break
        if size == 0:
            break
        out.append(data[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2
    return b"".join(out)


# --------------------------------------------------------------------------------- install/remove


def install(sink: Sink, hosts: Optional[Iterable[str]] = None) -> None:
    """Start passing the handler's calls to platform send hosts to ``sink(host, path, body, headers)``.

    ``hosts`` defaults to every registered platform's ``send_hosts`` (entries starting with ``.`` match
    as suffixes). Calling it again replaces the sink and adds the hosts; the methods are patched once.
    Never raises.
    """
    global _sink, _exact, _suffixes
    try:
        host_list = list(hosts) if hosts is not None else platform_send_hosts()
        exact, suffixes = _split_hosts(host_list)
        with _lock:
            _exact = _exact | exact
            _suffixes = tuple(sorted(set(_suffixes) | set(suffixes)))
            _sink = sink
            if _originals:
                return
            cls = http.client.HTTPConnection
            wrappers = {"putrequest": _putrequest, "send": _send, "getresponse": _getresponse}
            for name in wrappers:
                _originals[name] = cls.__dict__[name]
            for name, wrapper in wrappers.items():
                setattr(cls, name, wrapper)
                _wrappers[name] = wrapper
    except Exception:
        logger.warning("botanalytics: could not install the capture of outgoing replies", exc_info=True)


def uninstall() -> None:
    """Undo :func:`install` (for tests). A method someone else re-patched since is left alone."""
    global _sink, _exact, _suffixes
    with _lock:
        _sink = None
        _exact = frozenset()
        _suffixes = ()
        cls = http.client.HTTPConnection
        for name, original in list(_originals.items()):
            if cls.__dict__.get(name) is _wrappers.get(name):
                setattr(cls, name, original)
        _originals.clear()
        _wrappers.clear()


def installed() -> bool:
    return bool(_originals)


def dispatch(host: str, path: str, body: bytes, headers: Dict[str, str]) -> List[Any]:
    """The records that the registered platforms' ``sent()`` make of one captured call (never raises).

    A convenience for the wrapper's sink: every loaded platform with a ``sent`` method is asked; the
    first that returns records wins.
    """
    try:
        from . import platforms

        for identifier in list(platforms.REGISTRY):
            platform = platforms.get(identifier)
            sent = getattr(platform, "sent", None)
            if sent is None:
                continue
            try:
                records = sent(host, path, body, headers)
            except Exception:
                logger.debug("botanalytics: %s.sent raised", identifier, exc_info=True)
                continue
            if records:
                return list(records)
    except Exception:
        logger.debug("botanalytics: dispatch failed", exc_info=True)
    return []


__all__ = [
    "MAX_CAPTURE_BYTES",
    "add_hosts",
    "dispatch",
    "install",
    "installed",
    "parse_request",
    "platform_send_hosts",
    "uninstall",
    "watched",
]

"""Helpers for the inspector's tests: run the layer on sample events against a collector, send raw API
requests (good or bad), and open pages with plain HTTP."""

from __future__ import annotations

import http.client
import json
import ssl
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.parse import urlsplit

from tests.events import load_event

REPO = Path(__file__).resolve().parents[2]

XSS_TEXT = (
    '<script>window.__pwned="script"</script><img src=x onerror="window.__pwned=\'img\'">'
    "<img src=x onerror=alert(1)> & <b>bold?</b>"
)
XSS_USER = '"><img src=x onerror=alert(2)>'
XSS_NAME = "<svg onload=alert(3)>Mallory"


class Context:
    """What the Lambda runtime passes as ``context`` (the fields the layer reads)."""

    def __init__(self, timeout_s: float = 3.0) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "inspector-test"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:inspector-test"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def run_layer(collector: Any, names: Iterable[str], spool_dir: str) -> int:
    """Invoke a handler wrapped with ``botanalytics.track`` (pointed at ``collector``) on each sample event;
    the handler answers the sample's ``response``. Returns the number of invocations."""
    import botanalytics

    count = 0
    for name in names:
        data = load_event(name)

        def handler(event: Any, context: Any, _response: Any = data["response"]) -> Any:
            return _response

        wrapped = botanalytics.track(
            token=collector.token,
            api_url=collector.url,
            ca_bundle=str(collector.ca_file),
            spool_dir=spool_dir,
        )(handler)
        wrapped(data["event"], Context())
        count += 1
    assert botanalytics.flush(10.0), "the layer did not deliver in time"
    return count


def api_request(
    collector: Any, path: str, body: Any, token: Optional[str] = None, record_id: Optional[str] = None
) -> Tuple[int, str]:
    """POST ``body`` to ``/v1/<path>`` with ``token`` (default: the collector's); (status, response text)."""
    context = ssl.create_default_context(cafile=collector.ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=5)
    headers = {
        "Authorization": "Token " + (token if token is not None else collector.token),
        "Content-Type": "application/json",
    }
    if record_id:
        headers["X-Botanalytics-Record-Id"] = record_id
    try:
        conn.request("POST", "/v1/" + path, json.dumps(body), headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def generic_turn(user_id: str, text: str, bot: bool = False, name: Optional[str] = None) -> Dict[str, Any]:
    return {
        "is_sender_bot": bot,
        "user": {"id": user_id, "name": name or user_id},
        "message": {"timestamp": int(time.time() * 1000), "text": text},
    }


def get(
    url: str, path: str = "", host: Optional[str] = None, method: str = "GET"
) -> Tuple[int, Dict[str, str], str]:
    """A plain HTTP request to the inspector; (status, lower-case headers, text)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.putrequest(method, path or parts.path, skip_host=True)
        conn.putheader("Host", host or parts.netloc)
        conn.endheaders()
        response = conn.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read().decode("utf-8", "replace"),
        )
    finally:
        conn.close()

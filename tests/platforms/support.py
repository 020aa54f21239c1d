"""Helpers for the webhook platforms' payload tests: run a sample event through detection, ``incoming``,
``outgoing`` and the ``sent`` calls it lists, check records against the collector's contract, and list
every secret a sample event carries (so tests can prove none reaches a record)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit

from botanalytics import envelope, platforms
from botanalytics.platforms.base import Turn
from botanalytics.record import Record
from tests.events import all_events, load_event

SECRET_HEADERS = ("authorization", "x-hub-signature", "x-hub-signature-256", "x-slack-signature",
                  "x-twilio-signature", "x-line-signature", "x-viber-content-signature", "x-viber-auth-token",
                  "x-kik-signature")
SECRET_FIELDS = ("access_token", "token", "auth_token", "fb_token")


@dataclass
class Run:
    name: str
    data: Dict[str, Any]
    turn: Turn
    platform: Optional[platforms.Platform]
    incoming: List[Record] = field(default_factory=list)
    outgoing: List[Record] = field(default_factory=list)
    sent: List[Record] = field(default_factory=list)

    @property
    def records(self) -> List[Record]:
        return self.incoming + self.outgoing + self.sent


def turn_of(event: Any, request_id: str = "req-0001") -> Turn:
    return Turn(event, envelope.read_request(event), request_id, None)


def call_sent(platform: Any, call: Dict[str, Any]) -> List[Record]:
    headers = dict(call.get("headers") or {})
    headers[":method"] = call.get("method", "POST")
    body = call.get("body") or ""
    return list(platform.sent(call["host"], call["path"], body.encode("utf-8"), headers))


def run(name: str) -> Run:
    """Detect, ``incoming``, ``outgoing`` (with the handler's response) and ``sent`` for the sample's calls."""
    data = load_event(name)
    turn = turn_of(data["event"])
    platform = platforms.detect(turn)
    result = Run(name, data, turn, platform)
    if platform is None:
        return result
    result.incoming = list(platform.incoming(turn))
    response = data.get("response")
    result.outgoing = list(platform.outgoing(turn, response, envelope.read_response(response)))
    for call in data.get("sent", []):
        result.sent += call_sent(platform, call)
    return result


def names(prefix: str) -> List[str]:
    return [name for name, _ in all_events(prefix)]


def contract_error(record: Record) -> Optional[str]:
    """What the collector's contract says about this record (None = acceptable)."""
    from devtools.collector import contract

    endpoint = contract.find(record.path)
    if endpoint is None:
        return f"unknown path {record.path!r}"
    if record.method not in endpoint.methods:
        return f"method {record.method} not accepted on {record.path}"
    body = json.loads(json.dumps(record.body))  # as the collector will see it
    return endpoint.validate(body)


def _walk_secret_fields(value: Any, out: List[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str) and len(item) >= 8:
                out.append(item)
            _walk_secret_fields(item, out)
    elif isinstance(value, list):
        for item in value:
            _walk_secret_fields(item, out)
    elif isinstance(value, str) and value[:1] in ("{", "["):
        try:
            _walk_secret_fields(json.loads(value), out)
        except ValueError:
            pass


def secrets_in(data: Dict[str, Any]) -> List[str]:
    """Every token and signature a sample carries: secret headers (incoming and in its send calls),
    ``access_token``/``token``/``auth_token`` in query strings, JSON and form bodies."""
    found: List[str] = []
    request = envelope.read_request(data["event"])
    messages = []
    if request is not None:
        messages.append((request.headers, request.body.decode("utf-8", "replace"), request.query))
    for call in data.get("sent", []):
        query = dict(parse_qsl(urlsplit(call["path"]).query))
        messages.append(({k.lower(): v for k, v in call.get("headers", {}).items()}, call.get("body") or "", query))
    for headers, body, query in messages:
        for name in SECRET_HEADERS:
            value = headers.get(name)
            if value:
                found.append(value)
                found.extend(part for part in value.split() if len(part) >= 8)  # "Bearer xoxb-…"
        for key in SECRET_FIELDS:
            if query.get(key):
                found.append(query[key])
        try:
            _walk_secret_fields(json.loads(body), found)
        except ValueError:
            form = dict(parse_qsl(body))
            _walk_secret_fields(form, found)
    return sorted(set(found))


def assert_no_secrets(data: Dict[str, Any], records: List[Record]) -> None:
    text = json.dumps([r.to_dict() for r in records], ensure_ascii=False)
    for secret in secrets_in(data):
        assert secret not in text, f"a secret from the sample reached a record: {secret[:6]}…"
    assert '"fb_token"' not in text


def post_all(collector: Any, records: List[Record]) -> List[int]:
    """POST (or PATCH) each record to the local collector the way the layer does; the statuses."""
    import http.client
    import ssl

    port = int(urlsplit(collector.url).port or 443)
    context = ssl.create_default_context(cafile=collector.ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    statuses = []
    try:
        for record in records:
            conn.request(
                record.method,
                "/v1/" + record.path,
                body=json.dumps(record.body).encode(),
                headers={"Authorization": f"Token {collector.token}", "Content-Type": "application/json",
                         "X-Botanalytics-Record-Id": record.record_id},
            )
            reply = conn.getresponse()
            reply.read()
            statuses.append(reply.status)
    finally:
        conn.close()
    return statuses

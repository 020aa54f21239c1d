"""The inspector: a local page over what the collector received, to see what the layer really sent.

Started with the collector (``Collector(..., inspector=True)``, ``python -m devtools.collector``,
``make demo``) and served **over plain HTTP on a second port of 127.0.0.1**, not on the API's port:

* the API port speaks HTTPS with a throw-away test CA that no browser trusts (the page would open on a
  certificate warning), while ``http://127.0.0.1`` is a secure context for browsers;
* the API port is where faults are injected (black holes, resets, wrong certificates, 503s) and where
  requests and connections are counted; the page keeps working during a fault and never changes the
  counters that tests assert on.

What the page shows: the bots and platforms seen; one chat transcript per conversation (user turns and bot
turns, intent and NLU details, timestamps) with each record's raw JSON on demand; every rejected request
with the exact JSON error the API answered; the delivery figures (the collector's counters and, when a
driver such as ``make demo`` reports them with ``Collector.set_demo_report``, records, retries and the
added latency per bot). It refreshes by itself: ``/inspector/static/app.js`` polls ``/inspector/version``
and swaps in ``/inspector/fragment`` when something changed (open ``<details>`` stay open).

Security: every value from the API side is untrusted. All of it goes through ``esc`` (``html.escape``)
by construction (``tag`` escapes every child that is not already ``Markup``); the page has no inline
script or style and is served with a strict ``Content-Security-Policy`` (scripts and styles only from
this origin), so even a mistake in escaping could not run injected code. No token is needed (loopback
only), but requests whose ``Host`` is not ``127.0.0.1:PORT`` / ``localhost:PORT`` are refused (DNS
rebinding), the API token is never shown (request headers are filtered) and personal data is masked
with the layer's own redaction code when the collector has a ``redact`` setting.

Command line, for the README's screenshot::

    python -m devtools.collector.inspector --screenshot docs/inspector.png

runs the demo bots once against a fresh collector (plus one request with a wrong token), opens the page in
headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by Selenium) and saves a PNG.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import http.client
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from . import transcripts
from .transcripts import BOT, Turn

if TYPE_CHECKING:  # pragma: no cover
    from .core import Collector

log = logging.getLogger("devtools.collector.inspector")

STATIC_DIR = Path(__file__).resolve().parent / "inspector_static"
STATIC_FILES = {
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)
#: The page shows at most this many of the latest records / rejections.
MAX_RECORDS = 2000
MAX_REJECTIONS = 200
MAX_RAW_CHARS = 20000
#: Request headers worth showing with a record (never Authorization).
SHOWN_HEADERS = (
    "x-botanalytics-record-id",
    "x-botanalytics-client-id",
    "x-botanalytics-client-version",
    "user-agent",
    "content-type",
    "content-encoding",
)
POLL_MS = 1000


# -- HTML that escapes by construction ------------------------------------------------------------------


class Markup(str):
    """Text that is already HTML (made by ``tag``/``esc``); anything else is escaped when rendered."""

    __slots__ = ()


def esc(value: Any) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def _children(items: Iterable[Any]) -> Iterable[Markup]:
    for item in items:
        if item is None or item is False:
            continue
        if isinstance(item, (list, tuple)):
            yield from _children(item)
        else:
            yield esc(item)


def tag(name: str, attrs: Optional[Dict[str, Any]] = None, *children: Any) -> Markup:
    """``<name attrs>children</name>``: attribute values and non-Markup children are escaped."""
    parts = []
    for key, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        parts.append(" " + key if value is True else ' %s="%s"' % (key, html.escape(str(value), quote=True)))
    return Markup("<%s%s>%s</%s>" % (name, "".join(parts), "".join(_children(children)), name))


def table(attrs: Optional[Dict[str, Any]], headers: Sequence[str], rows: Any) -> Markup:
    """A ``<table>`` with one header row of ``headers`` and ``rows`` (already rendered ``<tr>``s)."""
    return tag("table", attrs, tag("thead", None, tag("tr", None, *[tag("th", None, h) for h in headers])),
               tag("tbody", None, rows))


def cat(*children: Any) -> Markup:
    return Markup("".join(_children(children)))


# -- redaction: the layer's own code --------------------------------------------------------------------

_REDACT_MODULE: Any = None


def _redact_module() -> Any:
    """``botanalytics.redact`` loaded from the layer's source file alone (its package ``__init__`` would
    start the layer), or the importable one."""
    global _REDACT_MODULE
    if _REDACT_MODULE is None:
        source = Path(__file__).resolve().parents[2] / "layer" / "python" / "botanalytics" / "redact.py"
        if source.is_file():
            spec = importlib.util.spec_from_file_location("_inspector_botanalytics_redact", source)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _REDACT_MODULE = module
        else:  # pragma: no cover - the layer installed as a package instead
            from botanalytics import redact as module

            _REDACT_MODULE = module
    return _REDACT_MODULE


def redactor_for(setting: Optional[str]) -> Any:
    """A ``Redactor`` for the setting, or None when it masks nothing."""
    if not setting:
        return None
    redactor = _redact_module().Redactor.from_setting(setting)
    return redactor if redactor.enabled else None


# -- what the page shows, as data ---------------------------------------------------------------------


@dataclass
class Group:
    """The turns one record contributes to one conversation, and the record itself."""

    seq: int
    path: str
    method: str
    received_ms: int
    record_id: Optional[str]
    headers: List[Tuple[str, str]]
    raw: str
    turns: List[Turn]


@dataclass
class Conversation:
    anchor: str
    platform: str
    label: str
    user_id: str
    user_name: Optional[str] = None
    bots: List[str] = field(default_factory=list)
    groups: List[Group] = field(default_factory=list)
    first_ms: int = 0
    last_ms: int = 0

    @property
    def turn_count(self) -> int:
        return sum(len(g.turns) for g in self.groups)


@dataclass
class PlatformRow:
    platform: str
    label: str
    bots: List[str] = field(default_factory=list)
    users: List[str] = field(default_factory=list)
    records: int = 0
    last_ms: int = 0


@dataclass
class Other:
    seq: int
    path: str
    label: str
    received_ms: int
    raw: str


@dataclass
class RejectionRow:
    seq: int
    path: str
    method: str
    status: int
    error_json: str
    hint: str
    received_ms: int
    body: str


@dataclass
class View:
    api_url: str
    version: str
    redact: Optional[str]
    total_records: int
    total_rejections: int
    stats: Dict[str, int]
    demo: Optional[Dict[str, Any]]
    platforms: List[PlatformRow]
    conversations: List[Conversation]
    rejections: List[RejectionRow]
    others: List[Other]
    generated_ms: int


def version_of(collector: "Collector") -> str:
    """Changes whenever the page would: a record, a rejection, a counter, a demo report."""
    marks = collector._store.marks()
    stats = collector.stats()
    revision, _ = collector._demo_state()
    text = json.dumps([marks, sorted(stats.items()), revision])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _anchor(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode("utf-8", "replace")).hexdigest()[:12]


def _raw(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return (
        text
        if len(text) <= MAX_RAW_CHARS
        else text[:MAX_RAW_CHARS] + "\n… (%d more characters)" % (len(text) - MAX_RAW_CHARS)
    )


def _auth_hint(headers: Dict[str, str]) -> str:
    value = (headers.get("authorization") or "").strip()
    if not value:
        return "no Authorization header was sent; the layer sends 'Token <BOTANALYTICS_TOKEN>'"
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "token":
        return "the scheme %r was sent; the API wants 'Authorization: Token <token>'" % scheme[:20]
    return (
        "a token of %d characters was sent and is not the collector's token: check BOTANALYTICS_TOKEN"
        % len(credential.strip())
    )


def _hint(status: int, headers: Dict[str, str]) -> str:
    if status == 401:
        return _auth_hint(headers)
    if status == 400:
        return "the body breaks the API contract (devtools/collector/contract.py)"
    if status == 404:
        return "no API endpoint at this path"
    if status == 405:
        return "this method is not accepted on this path"
    if status == 413:
        return "the body is too large"
    return "an error answer (a fault injected in the collector, or the request could not be read)"


def build_view(collector: "Collector") -> View:
    store = collector._store
    version = version_of(collector)
    redactor = redactor_for(collector.redact)
    rows = store.tail_records(MAX_RECORDS)
    total_records, _, total_rejections, _ = store.marks()
    bodies = [(seq, rec, redactor.redact(rec.body) if redactor else rec.body) for seq, rec in rows]
    ctx = transcripts.prepare((rec.path, body) for _, rec, body in bodies)
    conversations: Dict[Tuple[str, str], Conversation] = {}
    platforms: Dict[str, PlatformRow] = {}
    others: List[Other] = []
    for seq, rec, body in bodies:
        key, label = transcripts.platform_of(rec.path)
        row = platforms.setdefault(label, PlatformRow(key, label))
        row.records += 1
        row.last_ms = max(row.last_ms, rec.received_ms)
        raw = _raw(body)
        turns = transcripts.turns_of(rec.path, body, ctx)
        if not turns:
            others.append(Other(seq, rec.path, label, rec.received_ms, raw))
            continue
        per_user: Dict[str, List[Turn]] = {}
        for turn in turns:
            per_user.setdefault(turn.user_id, []).append(turn)
        headers = [(name, rec.headers[name]) for name in SHOWN_HEADERS if name in rec.headers]
        for user, user_turns in per_user.items():
            conv = conversations.get((key, user))
            if conv is None:
                conv = Conversation(_anchor(key, user), key, label, user, first_ms=rec.received_ms)
                conversations[(key, user)] = conv
            conv.groups.append(
                Group(seq, rec.path, rec.method, rec.received_ms, rec.record_id, headers, raw, user_turns)
            )
            conv.last_ms = rec.received_ms
            if user not in row.users:
                row.users.append(user)
            for turn in user_turns:
                if turn.user_name and turn.direction != BOT:
                    conv.user_name = turn.user_name
                if turn.bot and turn.bot not in conv.bots:
                    conv.bots.append(turn.bot)
                if turn.bot and turn.bot not in row.bots:
                    row.bots.append(turn.bot)
    rejections = []
    for seq, rej in store.tail_rejections(MAX_REJECTIONS):
        body = rej.body_text
        try:
            parsed = json.loads(body) if body.strip() else None
        except ValueError:
            parsed = None
        if parsed is not None:
            body = _raw(redactor.redact(parsed) if redactor else parsed)
        else:
            body = redactor.redact_text(body) if redactor else body
            body = body if len(body) <= MAX_RAW_CHARS else body[:MAX_RAW_CHARS] + " …"
        rejections.append(
            RejectionRow(
                seq,
                rej.path,
                rej.method,
                rej.status,
                json.dumps({"error_message": rej.error_message}),
                _hint(rej.status, rej.headers),
                rej.received_ms,
                body,
            )
        )
    revision, demo = collector._demo_state()
    return View(
        api_url="%s://127.0.0.1:%d/v1/" % ("https" if collector.tls else "http", collector.port),
        version=version,
        redact=collector.redact if redactor else None,
        total_records=total_records,
        total_rejections=total_rejections,
        stats=collector.stats(),
        demo=json.loads(json.dumps(demo)) if demo is not None else None,
        platforms=sorted(platforms.values(), key=lambda p: p.label),
        conversations=sorted(conversations.values(), key=lambda c: -c.last_ms),
        rejections=rejections,
        others=others,
        generated_ms=int(time.time() * 1000),
    )


def view_json(view: View) -> Dict[str, Any]:
    """The view as JSON (``/inspector/state.json``), for scripts."""
    return {
        "version": view.version,
        "api_url": view.api_url,
        "redact": view.redact,
        "records": view.total_records,
        "rejections_total": view.total_rejections,
        "stats": view.stats,
        "demo": view.demo,
        "platforms": [vars(p) for p in view.platforms],
        "conversations": [
            {
                "platform": c.platform,
                "label": c.label,
                "user_id": c.user_id,
                "user_name": c.user_name,
                "bots": c.bots,
                "turns": [
                    dict(vars(t), details=[list(x) for x in t.details], seq=g.seq, path=g.path)
                    for g in c.groups
                    for t in g.turns
                ],
            }
            for c in view.conversations
        ],
        "rejected": [vars(r) for r in view.rejections],
        "other_records": [{"seq": o.seq, "path": o.path} for o in view.others],
    }


# -- rendering -----------------------------------------------------------------------------------------


def fmt_ms(ms: Optional[int]) -> str:
    if not ms:
        return "—"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000.0)) + " UTC"
    except (OverflowError, OSError, ValueError):
        return "—"


def _iso(ms: Optional[int]) -> Optional[str]:
    if not ms:
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000.0))
    except (OverflowError, OSError, ValueError):
        return None


def _time(ms: Optional[int], title: Optional[str] = None) -> Markup:
    return tag("time", {"datetime": _iso(ms), "title": title}, fmt_ms(ms))


def _num(value: Any, digits: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    return ("%." + str(digits) + "f") % value if digits else "{:,}".format(int(value))


def _card(label: str, value: Any, note: Optional[str] = None, cls: str = "") -> Markup:
    return tag(
        "div",
        {"class": ("card " + cls).strip(), "data-figure": label},
        tag("div", {"class": "card-value"}, value),
        tag("div", {"class": "card-label"}, label),
        tag("div", {"class": "card-note"}, note) if note else None,
    )


def _summary(view: View) -> Markup:
    stats, demo = view.stats, view.demo or {}
    layer = demo.get("layer") if isinstance(demo.get("layer"), dict) else {}
    retries = layer.get("retried", 0) if demo else None
    bots = (
        [b for b in demo.get("bots", []) if isinstance(b, dict)] if isinstance(demo.get("bots"), list) else []
    )
    p50 = [b.get("added_p50_ms") for b in bots if isinstance(b.get("added_p50_ms"), (int, float))]
    return tag(
        "section",
        {"class": "cards", "id": "summary"},
        _card("records stored", _num(view.total_records)),
        _card("conversations", _num(len(view.conversations))),
        _card("rejected", _num(view.total_rejections), None, "bad" if view.total_rejections else ""),
        _card("duplicates dropped", _num(stats.get("duplicates", 0)), "same record id delivered again"),
        _card(
            "retries",
            _num(retries) if retries is not None else "—",
            "reported by the layer" if demo else "run make demo to see",
        ),
        _card(
            "added latency p50",
            "%s ms" % _num(max(p50), 2) if p50 else "—",
            "worst bot, measured by the demo" if p50 else "run make demo to see",
        ),
    )


def _bots_text(bots: List[str]) -> str:
    return ", ".join(bots[:4]) + (" …" if len(bots) > 4 else "") if bots else "—"


def _platforms(view: View) -> Markup:
    if not view.platforms:
        body = tag(
            "p",
            {"class": "empty"},
            "Nothing received yet. Point the layer at ",
            tag("code", None, view.api_url),
            " (BOTANALYTICS_API_URL) and invoke your bot.",
        )
    else:
        rows = [
            tag(
                "tr",
                {"data-platform": p.platform},
                tag("td", None, p.label),
                tag("td", {"class": "bots"}, _bots_text(p.bots)),
                tag("td", {"class": "n"}, _num(p.records)),
                tag("td", {"class": "n"}, _num(len(p.users))),
                tag("td", None, _time(p.last_ms)),
            )
            for p in view.platforms
        ]
        body = table(None, ("platform", "bot", "records", "users", "last received"), rows)
    return tag("section", {"id": "platforms", "class": "panel"}, tag("h2", None, "Bots & platforms"), body)


def _delivery(view: View) -> Markup:
    stats = view.stats
    names = [
        ("accepted", "records accepted"),
        ("duplicates", "duplicates dropped"),
        ("rejected", "rejected"),
        ("requests", "requests"),
        ("connections", "connections"),
        ("tls_failures", "TLS failures"),
        ("faults_applied", "faults applied"),
        ("internal_errors", "collector errors"),
    ]
    collector_rows = [
        tag(
            "tr",
            None,
            tag("th", None, label),
            tag("td", {"class": "n", "data-stat": key}, _num(stats.get(key, 0))),
        )
        for key, label in names
    ]
    parts: List[Any] = [
        tag("h2", None, "Delivery"),
        tag("h3", None, "Collector (this run)"),
        tag("table", {"class": "kv"}, collector_rows),
    ]
    demo = view.demo
    if demo:
        bots = demo.get("bots") if isinstance(demo.get("bots"), list) else []
        if bots:
            rows = []
            for b in bots:
                b = b if isinstance(b, dict) else {}
                rows.append(
                    tag(
                        "tr",
                        {"data-bot": b.get("bot")},
                        tag("td", None, b.get("bot", "?")),
                        tag("td", {"class": "n"}, _num(b.get("invocations"))),
                        tag("td", {"class": "n"}, _num(b.get("delivered"))),
                        tag("td", {"class": "n"}, _num(b.get("added_p50_ms"), 2)),
                        tag("td", {"class": "n"}, _num(b.get("added_p99_ms"), 2)),
                    )
                )
            rounds = demo.get("rounds")
            parts += [
                tag(
                    "h3",
                    None,
                    "Demo run",
                    " (%s round%s)" % (_num(rounds), "" if rounds == 1 else "s")
                    if rounds is not None
                    else "",
                ),
                table({"id": "demo-bots"}, ("bot", "invocations", "records", "added p50 ms", "added p99 ms"), rows),
            ]
        layer = demo.get("layer") if isinstance(demo.get("layer"), dict) else {}
        if layer:
            parts += [
                tag("h3", None, "Layer counters"),
                tag(
                    "table",
                    {"class": "kv", "id": "layer-counters"},
                    [
                        tag("tr", None, tag("th", None, k), tag("td", {"class": "n"}, _num(v)))
                        for k, v in sorted(layer.items())
                    ],
                ),
            ]
        extra = {k: v for k, v in demo.items() if k not in ("bots", "layer", "rounds")}
        if extra:
            parts.append(tag("pre", {"class": "raw"}, _raw(extra)))
    else:
        parts.append(
            tag(
                "p",
                {"class": "muted"},
                "Retries and added latency appear here when ",
                tag("code", None, "make demo"),
                " reports them.",
            )
        )
    return tag("section", {"id": "delivery", "class": "panel"}, parts)


def _rejections(view: View) -> Markup:
    if not view.rejections:
        return tag(
            "section",
            {"id": "rejections", "class": "panel ok"},
            tag("h2", None, "Rejected requests"),
            tag("p", {"class": "muted"}, "None: every request was accepted."),
        )
    rows = []
    for r in reversed(view.rejections):
        rows.append(
            tag(
                "li",
                {"class": "rejection", "data-status": r.status},
                tag(
                    "div",
                    {"class": "rej-head"},
                    tag("span", {"class": "status"}, r.status),
                    " ",
                    tag(
                        "code", None, r.method or "?", " /v1/" if not r.path.startswith("/") else " ", r.path
                    ),
                    " ",
                    _time(r.received_ms),
                ),
                tag("pre", {"class": "error-json"}, r.error_json),
                tag("div", {"class": "hint"}, r.hint),
                tag(
                    "details",
                    {"id": "j-%d" % r.seq},
                    tag("summary", None, "request body"),
                    tag("pre", {"class": "raw"}, r.body or "(empty)"),
                ),
            )
        )
    more = view.total_rejections - len(view.rejections)
    return tag(
        "section",
        {"id": "rejections", "class": "panel bad"},
        tag("h2", None, "Rejected requests ", tag("span", {"class": "count"}, view.total_rejections)),
        tag("p", {"class": "muted"}, "Newest first; the error is the JSON the API answered."),
        tag("ol", {"class": "rejections"}, rows),
        tag("p", {"class": "muted"}, "(%d older not shown)" % more) if more > 0 else None,
    )


def _chips(turn: Turn) -> List[Markup]:
    chips = []
    if turn.intent:
        label = turn.intent + (" (%.2f)" % turn.confidence if turn.confidence is not None else "")
        chips.append(tag("span", {"class": "chip intent"}, "intent: ", label))
    for name, value in turn.details:
        chips.append(tag("span", {"class": "chip"}, name, ": ", value))
    return chips


def _turn(turn: Turn, group: Group) -> Markup:
    ts = turn.ts_ms or group.received_ms
    title = "received by the collector at %s" % fmt_ms(group.received_ms)
    return tag(
        "li",
        {"class": "turn " + turn.direction, "data-direction": turn.direction},
        tag("div", {"class": "who"}, "bot" if turn.direction == BOT else "user"),
        tag(
            "div",
            {"class": "bubble"},
            tag("span", {"class": "kind"}, turn.kind) if turn.kind else None,
            " " if turn.kind and turn.text is not None else None,
            tag("span", {"class": "text"}, turn.text) if turn.text is not None else None,
        ),
        tag("div", {"class": "meta"}, _time(ts, title), _chips(turn)),
    )


def _conversation(conv: Conversation) -> Markup:
    items: List[Markup] = []
    for group in conv.groups:
        items += [_turn(t, group) for t in group.turns]
        headers = [tag("div", None, tag("strong", None, name, ": "), value) for name, value in group.headers]
        items.append(
            tag(
                "li",
                {"class": "record"},
                tag(
                    "details",
                    {"id": "r-%d-%s" % (group.seq, conv.anchor)},
                    tag(
                        "summary",
                        None,
                        "raw JSON · record #%d · %s /v1/%s · %s"
                        % (group.seq, group.method, group.path, fmt_ms(group.received_ms)),
                    ),
                    tag("div", {"class": "headers"}, headers) if headers else None,
                    tag("pre", {"class": "raw"}, group.raw),
                ),
            )
        )
    who = conv.user_name or conv.user_id
    return tag(
        "details",
        {
            "class": "conversation",
            "id": "c-" + conv.anchor,
            "open": True,
            "data-platform": conv.platform,
            "data-user": conv.user_id,
        },
        tag(
            "summary",
            None,
            tag("span", {"class": "platform"}, conv.label),
            " ",
            tag("strong", {"class": "user"}, who),
            tag("span", {"class": "muted"}, " (", conv.user_id, ")")
            if conv.user_name and conv.user_name != conv.user_id
            else None,
            tag("span", {"class": "muted"}, " · bot ", ", ".join(conv.bots[:2])) if conv.bots else None,
            tag(
                "span",
                {"class": "muted"},
                " · %d turn%s · last %s"
                % (conv.turn_count, "" if conv.turn_count == 1 else "s", fmt_ms(conv.last_ms)),
            ),
        ),
        tag("ol", {"class": "transcript"}, items),
    )


def _conversations(view: View) -> Markup:
    body: Any = [_conversation(c) for c in view.conversations] or tag(
        "p", {"class": "empty"}, "No conversation yet."
    )
    note = None
    if view.total_records > MAX_RECORDS:
        note = tag(
            "p",
            {"class": "muted"},
            "Showing the conversations of the latest %d records of %d." % (MAX_RECORDS, view.total_records),
        )
    return tag(
        "section",
        {"id": "conversations"},
        tag("h2", None, "Conversations"),
        tag(
            "p",
            {"class": "muted"},
            "One transcript per user, most recently active first; user on the left, bot "
            "on the right, in the order the collector received them. Times are the message's own when the "
            "record has one, else when it was received.",
        ),
        note,
        body,
    )


def _others(view: View) -> Markup:
    if not view.others:
        return Markup("")
    items = [
        tag(
            "li",
            None,
            tag(
                "details",
                {"id": "o-%d" % o.seq},
                tag(
                    "summary",
                    None,
                    "#%d · %s · /v1/%s · %s" % (o.seq, o.label, o.path, fmt_ms(o.received_ms)),
                ),
                tag("pre", {"class": "raw"}, o.raw),
            ),
        )
        for o in reversed(view.others)
    ]
    return tag(
        "section",
        {"id": "others", "class": "panel"},
        tag("h2", None, "Other records"),
        tag("p", {"class": "muted"}, "Profiles, settings and records that are not chat turns."),
        tag("ul", {"class": "others"}, items),
    )


def render_content(view: View) -> str:
    """The part of the page that refreshes (``/inspector/fragment``)."""
    return tag(
        "main",
        {"id": "content", "data-version": view.version},
        _summary(view),
        _rejections(view) if view.rejections else None,
        tag("div", {"class": "columns"}, _platforms(view), _delivery(view)),
        _conversations(view),
        _rejections(view) if not view.rejections else None,
        _others(view),
        tag(
            "footer",
            None,
            "Page generated at ",
            fmt_ms(view.generated_ms),
            ". Data: the collector's store; nothing here leaves this machine.",
        ),
    )


def render_page(view: View) -> str:
    redact = (
        tag("span", {"class": "badge", "id": "redaction"}, "personal data masked: ", view.redact)
        if view.redact
        else tag("span", {"class": "badge off", "id": "redaction"}, "no masking")
    )
    return "<!DOCTYPE html>\n" + tag(
        "html",
        {"lang": "en"},
        tag(
            "head",
            None,
            Markup('<meta charset="utf-8">'),
            Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
            tag("title", None, "Botanalytics inspector"),
            Markup('<link rel="icon" href="/inspector/static/icon.svg" type="image/svg+xml">'),
            Markup('<link rel="stylesheet" href="/inspector/static/style.css">'),
            Markup('<script src="/inspector/static/app.js" defer></script>'),
        ),
        tag(
            "body",
            {"data-poll-ms": POLL_MS},
            tag(
                "header",
                None,
                tag("h1", None, "Botanalytics inspector"),
                tag(
                    "div",
                    {"class": "sub"},
                    "what the layer sent to the local collector at ",
                    tag("code", None, view.api_url),
                    " ",
                    redact,
                ),
                tag("div", {"id": "live", "class": "live", "role": "status"}, "static page (JavaScript off)"),
            ),
            Markup(render_content(view)),
        ),
    )


# -- the HTTP server -------------------------------------------------------------------------------------


class InspectorServer(ThreadingHTTPServer):
    """The page, on ``127.0.0.1:port`` (0 = a free port), for one collector."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, collector: "Collector", port: int = 0) -> None:
        self.collector = collector
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def allowed_hosts(self) -> Tuple[str, ...]:
        port = self.server_address[1]
        return ("127.0.0.1:%d" % port, "localhost:%d" % port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.debug("inspector connection %s: %s", client_address, exc)
            return
        self.collector._internal_error("inspector: " + traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: InspectorServer
    protocol_version = "HTTP/1.0"
    server_version = "botanalytics-inspector/1"
    sys_version = ""
    timeout = 10

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _other(self) -> None:
        self._reply(
            405,
            "text/plain; charset=utf-8",
            b"the inspector is read-only: GET only\n",
            extra=[("Allow", "GET, HEAD")],
        )

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _other

    def _serve(self, head: bool) -> None:
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.server.allowed_hosts:
            self._reply(
                403, "text/plain; charset=utf-8", b"forbidden: open the page at http://127.0.0.1:PORT/\n"
            )
            return
        path = urlsplit(self.path).path
        collector = self.server.collector
        try:
            if path in ("/", "/inspector", "/inspector/"):
                body, kind = render_page(build_view(collector)).encode("utf-8"), "text/html; charset=utf-8"
            elif path == "/inspector/fragment":
                body, kind = render_content(build_view(collector)).encode("utf-8"), "text/html; charset=utf-8"
            elif path == "/inspector/version":
                body, kind = json.dumps({"version": version_of(collector)}).encode(), "application/json"
            elif path == "/inspector/state.json":
                body, kind = json.dumps(view_json(build_view(collector))).encode("utf-8"), "application/json"
            elif path.startswith("/inspector/static/") and path.rsplit("/", 1)[-1] in STATIC_FILES:
                name = path.rsplit("/", 1)[-1]
                body, kind = (STATIC_DIR / name).read_bytes(), STATIC_FILES[name]
            elif path == "/favicon.ico":
                self._reply(204, "text/plain", b"", head=head)
                return
            else:
                self._reply(404, "text/plain; charset=utf-8", b"not found\n", head=head)
                return
        except Exception:
            self.server.collector._internal_error("inspector: " + traceback.format_exc())
            self._reply(
                500, "text/plain; charset=utf-8", b"the inspector failed; see the collector's errors\n"
            )
            return
        self._reply(200, kind, body, head=head)

    def _reply(
        self, status: int, kind: str, body: bytes, head: bool = False, extra: Iterable[Tuple[str, str]] = ()
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class signature
        log.debug("%s %s", self.address_string(), format % args)


# -- headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) --------------------------

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def chromium_paths() -> Tuple[str, str]:
    """(browser, driver): Debian's ``chromium`` and ``chromedriver`` on PATH (``CHROMIUM_BIN`` /
    ``CHROMEDRIVER`` override them)."""
    browser = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not driver:
        raise RuntimeError(
            "headless Chromium is missing: run `make browser-deps` (apt-get install -y chromium chromium-driver)"
        )
    return browser, driver


def headless_chromium(width: int = 1280, height: int = 1000, profile_dir: Optional[str] = None) -> Any:
    """A Selenium WebDriver on Debian's chromium with a fresh profile; never downloads a browser or
    driver (both paths are given, so Selenium Manager is not used). The caller quits it; the profile
    folder is removed then if this function made it."""
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = chromium_paths()
    own_profile = profile_dir is None
    profile = profile_dir or tempfile.mkdtemp(prefix="inspector-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + profile)
    options.add_argument("--window-size=%d,%d" % (width, height))
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    if own_profile:
        quit_ = driver.quit

        def quit_and_clean() -> None:
            try:
                quit_()
            finally:
                shutil.rmtree(profile, ignore_errors=True)

        driver.quit = quit_and_clean
    return driver


def screenshot(url: str, out: str, width: int = 1280, max_height: int = 2200) -> str:
    """Open ``url`` in headless Chromium and save a PNG of the page (as tall as it is, up to max_height)."""
    driver = headless_chromium(width, 900)
    try:
        driver.get(url)
        height = int(driver.execute_script("return document.documentElement.scrollHeight") or 900)
        driver.set_window_size(width, min(max(height, 600), max_height))
        time.sleep(0.2)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(out)
    finally:
        driver.quit()
    return out


# -- command line: the README screenshot ----------------------------------------------------------------


def _post_wrong_token(collector: "Collector") -> int:
    """One request with a wrong token, so the page shows what a rejection looks like."""
    import ssl

    context = ssl.create_default_context(cafile=collector.ca_file) if collector.tls else None
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=5)
        if collector.tls
        else http.client.HTTPConnection("127.0.0.1", collector.port, timeout=5)
    )
    body = {
        "is_sender_bot": False,
        "user": {"id": "web-0001", "name": "Kim"},
        "message": {"timestamp": int(time.time() * 1000), "text": "hello?"},
    }
    try:
        conn.request(
            "POST",
            "/v1/messages/generic/",
            json.dumps(body),
            {"Authorization": "Token not-the-right-token", "Content-Type": "application/json"},
        )
        return conn.getresponse().status
    finally:
        conn.close()


def run_demo_bots(collector: "Collector", rounds: int = 1) -> Dict[str, Any]:
    """Run the demo's reference bots (``devtools.demo``) against ``collector``; returns the demo report."""
    from devtools import demo

    for extra in (str(demo.ROOT / "layer" / "python"), str(demo.ROOT / "handlers")):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    workdir = tempfile.mkdtemp(prefix="inspector-demo-")
    os.environ.update(
        {
            "BOTANALYTICS_TOKEN": collector.token,
            "BOTANALYTICS_API_URL": collector.url,
            "BOTANALYTICS_CA_BUNDLE": str(collector.ca_file),
            "BOTANALYTICS_SPOOL_DIR": os.path.join(workdir, "spool"),
            "POWERTOOLS_SERVICE_NAME": "demo",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    import botanalytics

    # the last bot run is the first conversation on the page (most recent first): run the demo's list
    # backwards so the page opens on the Alexa skill, then report the bots in the demo's order
    results = [demo.run_bot(name, folders, rounds, collector) for name, folders in reversed(demo.BOTS)][::-1]
    botanalytics.flush(5.0)
    shutil.rmtree(workdir, ignore_errors=True)
    return {"rounds": rounds, "bots": results, "layer": botanalytics.stats()}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.collector.inspector",
        description="Run the demo bots once against a fresh collector and screenshot its inspector page.",
    )
    parser.add_argument("--screenshot", required=True, metavar="PNG", help="where to save the screenshot")
    parser.add_argument("--rounds", type=int, default=1, help="passes over each bot's sample events")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--max-height", type=int, default=2200)
    args = parser.parse_args(argv)
    from .core import Collector

    collector = Collector(token="demo-token-0000", inspector=True).start()
    try:
        report = run_demo_bots(collector, args.rounds)
        collector.set_demo_report(report)
        _post_wrong_token(collector)
        assert collector.inspector_url is not None
        out = screenshot(collector.inspector_url, args.screenshot, args.width, args.max_height)
    finally:
        collector.stop()
    print("screenshot: %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

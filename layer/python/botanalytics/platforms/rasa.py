"""Rasa: tracker events as a Rasa event broker produces them → ``rasa/messages/``.

In
    Rasa's event brokers publish one JSON object per tracker event: ``{"sender_id", "event", "timestamp"
    (seconds, float), ...}`` with ``event`` in ``user``, ``bot``, ``action``, ``slot``, ``session_started``,
    ``restart``, ... (user events also carry ``text``, ``parse_data``, ``input_channel``, ``message_id``).
    They reach a Lambda function:

    (a) directly as the event: one Rasa event, or a list of them;
    (b) through an HTTP endpoint (any AWS envelope): the body is one event or a list;
    (c) through an **SQS** event source (the SQL or Pika broker feeding a queue):
        ``{"Records": [{"eventSource": "aws:sqs", "body": "<JSON event>"}, ...]}``;
    (d) through **Kafka / MSK** (Rasa's ``KafkaEventBroker``): ``{"eventSource": "aws:kafka" or
        "SelfManagedKafka", "records": {"topic-partition": [{"value": "<base64 JSON event>"}, ...]}}``.

    SQS and Kafka events are otherwise not bot traffic: they are claimed only when every record whose body
    is a JSON object is a Rasa event, and at least one is.
Out
    Exactly what the official Python SDK 0.2.9 (``botanalytics.rasa.Rasa.publish``) sends: only ``user``,
    ``bot`` and ``agent`` events, each as the raw event; the last ``slot`` event seen for that
    ``sender_id`` is attached as ``slot`` to the sender's next ``user`` event, and the last ``action``
    event as ``action`` to the next ``bot`` event (each then forgotten). Slot and action events are never
    sent alone; other event types are not sent. The memory is per container (warm Lambda sandboxes keep
    it), bounded to ``MAX_SENDERS`` senders (least recently seen dropped first), and thread-safe.
    Everything is known before the handler runs, so it is all in ``incoming``; ``outgoing`` adds nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Optional

from ..record import Record
from .base import Platform, Turn
from ._helpers import as_dict, guarded

PATH = "rasa/messages/"

#: Senders whose last slot/action event is remembered (per container).
MAX_SENDERS = 10_000
#: Records of one SQS/Kafka batch looked at (SQS batches hold up to 10 000 messages).
MAX_RECORDS = 10_000

EVENT_TYPES = frozenset(
    {
        "user",
        "bot",
        "agent",
        "action",
        "slot",
        "session_started",
        "restart",
        "rewind",
        "reset_slots",
        "reminder",
        "cancel_reminder",
        "pause",
        "resume",
        "followup",
        "export",
        "undo",
        "action_reverted",
        "user_featurization",
        "active_loop",
        "form",
        "loop_interrupted",
        "form_validation",
        "action_execution_rejected",
        "entities",
        "stack",
        "routing_session_ended",
        "session_ended",
        "flow_started",
        "flow_interrupted",
        "flow_resumed",
        "flow_completed",
        "flow_cancelled",
        "dialogue_stack_updated",
        "user_uttered",
        "bot_uttered",
    }
)
SENT = frozenset({"user", "bot", "agent"})
KAFKA_SOURCES = ("aws:kafka", "SelfManagedKafka")


def is_rasa_event(value: Any) -> bool:
    """A tracker event as a broker publishes it: ``event`` (a known type), ``sender_id`` and a numeric
    ``timestamp``."""
    if not isinstance(value, dict):
        return False
    kind = value.get("event")
    stamp = value.get("timestamp")
    return (
        isinstance(kind, str)
        and kind in EVENT_TYPES
        and isinstance(value.get("sender_id"), str)
        and isinstance(stamp, (int, float))
        and not isinstance(stamp, bool)
    )


def _json(text: Any) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(text, str) or not text or len(text) > 1024 * 1024:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _sqs_bodies(event: Dict[str, Any]) -> Optional[List[Any]]:
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        return None
    if not all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records[:MAX_RECORDS]):
        return None
    return [_json(r.get("body")) for r in records[:MAX_RECORDS]]


def _kafka_bodies(event: Dict[str, Any]) -> Optional[List[Any]]:
    if event.get("eventSource") not in KAFKA_SOURCES:
        return None
    partitions = event.get("records")
    if not isinstance(partitions, dict):
        return None
    bodies: List[Any] = []
    for key in partitions:
        batch = partitions[key]
        if not isinstance(batch, list):
            continue
        for item in batch:
            if len(bodies) >= MAX_RECORDS:
                return bodies
            value = as_dict(item).get("value")
            raw: Optional[bytes] = None
            if isinstance(value, str):
                try:
                    raw = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raw = None
            bodies.append(_json(raw) if raw is not None else None)
    return bodies


def _claimable(bodies: Optional[List[Any]]) -> Optional[List[Dict[str, Any]]]:
    """The Rasa events of a batch, or None when the batch is not (only) Rasa events."""
    if not bodies:
        return None
    events: List[Dict[str, Any]] = []
    for body in bodies:
        items = body if isinstance(body, list) else [body]
        for item in items:
            if isinstance(item, dict):
                if not is_rasa_event(item):
                    return None
                events.append(item)
    return events or None


def _events_of(turn: Turn) -> Optional[List[Dict[str, Any]]]:
    event = turn.event
    if isinstance(event, dict):
        if is_rasa_event(event):
            return [event]
        if "Records" in event:
            return _claimable(_sqs_bodies(event))
        if "records" in event and "eventSource" in event:
            return _claimable(_kafka_bodies(event))
    elif isinstance(event, list) and event:
        if all(is_rasa_event(e) for e in event[:MAX_RECORDS]):
            return list(event[:MAX_RECORDS])
        return None
    if turn.http is not None:
        body = turn.http.json()
        if is_rasa_event(body):
            return [body]
        if isinstance(body, list) and body and all(is_rasa_event(e) for e in body[:MAX_RECORDS]):
            return list(body[:MAX_RECORDS])
    return None


class _SenderMemory:
    """Last slot and last action event per sender: a bounded LRU, thread-safe."""

    def __init__(self, size: int = MAX_SENDERS) -> None:
        self.size = size
        self._data: "OrderedDict[str, Dict[str, Any]]" = OrderedDict()
        self._lock = threading.Lock()

    def put(self, sender: str, kind: str, event: Dict[str, Any]) -> None:
        with self._lock:
            slot = self._data.get(sender)
            if slot is None:
                slot = self._data[sender] = {}
            slot[kind] = event
            self._data.move_to_end(sender)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def pop(self, sender: str, kind: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            slot = self._data.get(sender)
            if not slot:
                return None
            value: Optional[Dict[str, Any]] = slot.pop(kind, None)
            if not slot:
                del self._data[sender]
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class Rasa(Platform):
    identifier = "rasa"

    def __init__(self) -> None:
        self.memory = _SenderMemory()

    @guarded(lambda: False)
    def detect(self, turn: Turn) -> bool:
        return _events_of(turn) is not None

    @guarded(list)
    def incoming(self, turn: Turn) -> List[Record]:
        events = _events_of(turn)
        if not events:
            return []
        return [Record(PATH, body, request_id=turn.request_id) for body in self.publish_all(events)]

    def publish_all(self, events: List[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
        for event in events:
            body = self.publish(event)
            if body is not None:
                yield body

    def publish(self, event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The body to send for one tracker event (None for slot/action/other events), as SDK 0.2.9."""
        if not is_rasa_event(event):
            return None
        kind: str = event["event"]
        sender: str = event["sender_id"]
        if kind == "slot":
            self.memory.put(sender, "slot", event)
            return None
        if kind == "action":
            self.memory.put(sender, "action", event)
            return None
        if kind not in SENT:
            return None
        body: Dict[str, Any] = dict(event)  # never modify the caller's event
        if kind == "user":
            slot = self.memory.pop(sender, "slot")
            if slot is not None:
                body["slot"] = slot
        elif kind == "bot":
            action = self.memory.pop(sender, "action")
            if action is not None:
                body["action"] = action
        return body


PLATFORM = Rasa()

__all__ = ["PATH", "PLATFORM", "Rasa", "is_rasa_event"]

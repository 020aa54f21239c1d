"""The delivery thread: one per configuration, started at decoration time (Lambda's init).

It imports the transport and warms the keep-alive connection while the user's module is still being
imported, re-drives what the ``/tmp`` spool holds from earlier containers, and then sends records as
they are submitted, in parallel with the handler. ``wait(deadline)`` blocks until everything submitted
is settled or the deadline comes, whichever is first; ``flush(timeout)`` is the same for users.
Records are spooled before their first send and unspooled once settled (2xx, or permanently rejected).
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
TYPE_CHECKING = False  # (typing stays off the import path)

from ._log import ERROR, WARNING, get_logger
from .config import Config
from .guard import count, log_once
from .record import Record
from .retry import CircuitBreaker, Deadline
from .spool import Spool

if TYPE_CHECKING:
    from typing import Any, Callable, Deque, Dict, Iterable, List, Optional  # keep ssl/http.client off the import path
    from .transport import Outcome, Transport

logger = get_logger("botanalytics")
deadletter_logger = get_logger("botanalytics.deadletter")
DEADLETTER_TAG = "BOTANALYTICS_DEADLETTER"
FLUSH_RETRY_S = 0.1  # the longest pause between attempts while a flush waits


class _Pending:
    __slots__ = ("record", "payload", "attempts", "not_before", "spooled")

    def __init__(self, record: Record, payload: Optional[bytes] = None, spooled: bool = False) -> None:
        self.record = record
        self.payload = payload  # the body as sent, serialised when submitted (the handler may mutate it)
        self.attempts = 0
        self.not_before = 0.0
        self.spooled = spooled


def encode_body(body: Any) -> Optional[bytes]:
    """The JSON the API receives; values JSON cannot carry (Decimal, datetime, sets) become strings.
    None when the body cannot be serialised at all (a reference cycle, say)."""
    import json  # a dict lookup once loaded; kept off the import path

    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return None


class Dispatcher:
    def __init__(self, config: Config, transport_factory: "Optional[Callable[[Config], Transport]]" = None) -> None:
        self.config = config
        self.spool = Spool(config.spool_dir, config.max_spool_files)
        self.breaker = CircuitBreaker(config.breaker_threshold, config.breaker_cooldown_ms / 1000.0)
        self._transport_factory = transport_factory
        self._queue: Deque[_Pending] = deque()
        self._ids: Dict[str, _Pending] = {}
        self._in_flight: Optional[_Pending] = None
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._pid = 0
        self._invocation_deadline: Optional[Deadline] = None
        self._invocation_started = 0.0  # monotonic time the current invocation began
        self._in_flight_started = 0.0  # monotonic time the send in flight began
        self._flushing_until = 0.0  # during an explicit flush the breaker and long backoffs are ignored
        #: On Lambda the process is frozen between invocations: a send started there would resume in the
        #: next invocation with a stale deadline and hold that invocation's wait. Set by the tracker.
        self.hold_between_invocations = False
        self._stopping = False
        self._redactor: Any = None
        if config.redact:
            from .redact import Redactor  # only when redaction is configured

            self._redactor = Redactor.from_setting(config.redact)

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or, after a fork, restart) the delivery thread. Cheap when already running."""
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._cond:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="botanalytics-delivery", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    # -- producer side (the handler's thread) -----------------------------------------------------
    def submit(self, records: Iterable[Record]) -> int:
        """Queue records for delivery; never blocks, never raises. Returns how many were queued."""
        queued = 0
        with self._cond:
            for record in records:
                if self._redactor is not None:
                    record = self._redacted(record)
                if record.record_id in self._ids:
                    continue
                payload = encode_body(record.body)
                if payload is None:
                    count("dropped_unserializable")
                    log_once("unserializable", ERROR,
                             "botanalytics: a record for %s cannot be serialised to JSON; dropped", record.path)
                    continue
                if len(self._queue) >= self.config.max_queue:
                    dropped = self._queue.popleft()
                    self._ids.pop(dropped.record.record_id, None)
                    count("dropped_queue_full")
                    log_once("queue-full", WARNING, "botanalytics: queue full; oldest records dropped")
                    if not dropped.spooled:
                        _deadletter(dropped.record, "queue full")
                pending = _Pending(record, payload)
                self._queue.append(pending)
                self._ids[record.record_id] = pending
                queued += 1
            if queued:
                count("submitted", queued)
                if not self.hold_between_invocations or self._invocation_deadline is not None:
                    self._cond.notify_all()  # (a holding thread is woken by begin_invocation instead)
        self.start()
        return queued

    def _redacted(self, record: Record) -> Record:
        try:
            body = self._redactor.redact(record.body)
        except Exception:  # noqa: BLE001 - a redaction bug must not leak data: drop the record
            count("dropped_redaction_error")
            log_once("redact-error", ERROR, "botanalytics: redaction failed; record dropped")
            return Record(path=record.path, body=None, record_id=record.record_id)
        return Record(record.path, body, record.method, record.record_id, record.request_id, record.created_ms)

    def begin_invocation(self, deadline: Deadline) -> None:
        """Sends made during this invocation end by ``deadline``."""
        if self._invocation_deadline is None:
            self._invocation_started = time.monotonic()
        if self.hold_between_invocations:
            with self._cond:
                self._invocation_deadline = deadline
                self._cond.notify_all()  # the delivery thread may be holding until now
        else:
            self._invocation_deadline = deadline

    def end_invocation(self) -> None:
        self._invocation_deadline = None

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + (1 if self._in_flight is not None else 0)

    def wait(self, deadline: Deadline, patient: bool = False) -> bool:
        """Block until nothing is pending or no progress is possible before ``deadline``.

        True when everything submitted so far was settled (delivered, or rejected for good).
        """
        with self._cond:
            while self._queue or self._in_flight is not None:
                remaining = deadline.remaining()
                if remaining <= 0 or not self._progress_possible(deadline, patient):
                    return False
                self._cond.wait(remaining)
            return True

    def flush(self, timeout: float) -> bool:
        """Try everything now (ignoring backoff and an open breaker) and wait up to ``timeout`` seconds."""
        deadline = Deadline.after(timeout)
        with self._cond:
            for pending in self._queue:
                pending.not_before = 0.0
            self.breaker.probe_now()
            self._flushing_until = deadline.at
            previous = self._invocation_deadline
            active = previous is not None and not previous.expired()
            self._invocation_deadline = deadline.earliest(previous) if active else deadline
            self._cond.notify_all()
        self.start()
        try:
            return self.wait(deadline, patient=True)
        finally:
            self._invocation_deadline = previous

    def persist_pending(self) -> int:
        """Spool whatever is still pending and was not spooled yet (at the end of a budget)."""
        with self._cond:
            todo = [p for p in self._queue if not p.spooled]
        written = 0
        for pending in todo:
            if self.spool.write(pending.record, pending.payload):
                pending.spooled = True
                written += 1
        return written

    def dead_letter_pending(self, reason: str) -> int:
        """Log every record still pending as a dead letter (the last resort, at shutdown) and stop
        trying to send the queued ones. Spooled copies stay (replay is idempotent). Returns how many."""
        with self._cond:
            todo = [p.record for p in self._queue]
            if self._in_flight is not None:
                todo.insert(0, self._in_flight.record)
            for pending in self._queue:
                self._ids.pop(pending.record.record_id, None)
            self._queue.clear()
            self._cond.notify_all()
        for record in todo:
            _deadletter(record, reason)
        return len(todo)

    def _progress_possible(self, deadline: Deadline, patient: bool = False) -> bool:
        if patient:  # an explicit flush keeps trying (breaker and backoff set aside) until its timeout
            return True
        if self._in_flight is not None:
            # A send left over from before this invocation while the API is failing (outside Lambda,
            # where nothing freezes it) is not worth this invocation's budget: it is kept and retried.
            return self._in_flight_started >= self._invocation_started or not self.breaker.failing
        if self.breaker.wait_s() >= deadline.remaining():
            return False
        return any(p.not_before < deadline.at for p in self._queue)

    # -- the delivery thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            from .transport import Transport, TokenProvider

            if self._transport_factory is not None:
                transport = self._transport_factory(self.config)
            else:
                transport = Transport(self.config, TokenProvider(self.config))
            self._recover_spool()
            if self.config.has_token_source:
                transport.warm(Deadline.after(self.config.send_timeout_ms / 1000.0))
            while True:
                pending = self._next()
                if pending is None:
                    transport.close()
                    return
                try:
                    self._deliver(transport, pending)
                finally:
                    with self._cond:
                        self._in_flight = None
                        self._cond.notify_all()
        except Exception:  # noqa: BLE001 - the thread must never die silently
            count("internal_errors")
            logger.exception("botanalytics: delivery thread failed")
            with self._cond:
                self._thread = None
                self._cond.notify_all()

    def _recover_spool(self) -> None:
        records, _ = self.spool.load()
        if not records:
            return
        with self._cond:
            recovered = 0
            for record in records:
                if record.record_id not in self._ids:
                    pending = _Pending(record, spooled=True)
                    self._queue.append(pending)
                    self._ids[record.record_id] = pending
                    recovered += 1
            # spooled records are older than anything submitted in this container: send them first
            self._queue = deque(sorted(self._queue, key=lambda p: p.record.created_ms))
            count("recovered_from_spool", recovered)
            self._cond.notify_all()
        logger.info("botanalytics: %d record(s) recovered from the spool", recovered)

    def _next(self) -> Optional[_Pending]:
        with self._cond:
            while True:
                if self._stopping:
                    return None
                wait_s: Optional[float] = None
                if self._queue and self.hold_between_invocations and (
                        self._invocation_deadline is None or self._invocation_deadline.expired()):
                    pass  # no invocation running: hold until begin_invocation() or flush() notifies
                elif self._queue:
                    flushing = time.monotonic() < self._flushing_until
                    breaker_wait = 0.0 if flushing else self.breaker.wait_s()
                    if breaker_wait > 0:
                        wait_s = breaker_wait
                    else:
                        now = time.monotonic()
                        for pending in self._queue:
                            if pending.not_before <= now:
                                self._queue.remove(pending)
                                self._in_flight = pending
                                self._in_flight_started = time.monotonic()
                                return pending
                        wait_s = min(p.not_before for p in self._queue) - now
                self._cond.wait(wait_s)

    def _send_deadline(self) -> Deadline:
        deadline = self._invocation_deadline
        if deadline is None or deadline.expired():
            return Deadline.after(self.config.send_timeout_ms / 1000.0)
        return deadline

    def _deliver(self, transport: "Transport", pending: _Pending) -> None:
        from .transport import DELIVERED, REJECTED

        record = pending.record
        if record.body is None:  # emptied by a failed redaction
            self._settle(pending)
            return
        if not pending.spooled:
            pending.spooled = self.spool.write(record, pending.payload)
        outcome = transport.send(record, self._send_deadline(), pending.payload)
        if outcome.kind == DELIVERED:
            count("delivered")
            self._settle(pending)
            if self.breaker.success():
                logger.info("botanalytics: the API is reachable again; sending what was kept")
                with self._cond:
                    for queued in self._queue:
                        queued.not_before = 0.0
            return
        if outcome.kind == REJECTED:
            count("rejected")
            count(f"rejected_{outcome.status}")
            self._report_rejection(record, outcome)
            _deadletter(record, f"{outcome.status} {outcome.reason}")
            self._settle(pending)
            return
        self._retry_later(pending, outcome)

    def _retry_later(self, pending: _Pending, outcome: "Outcome") -> None:
        count("retried")
        if outcome.reachable:
            pending.attempts += 1
            if pending.attempts >= self.config.retry.max_attempts:
                count("dropped_max_attempts")
                log_once("max-attempts", ERROR, "botanalytics: giving up on a record after %d attempts "
                         "(last answer %s); it is logged as a dead letter", pending.attempts, outcome.status)
                _deadletter(pending.record, f"gave up: {outcome.status} {outcome.reason}")
                self._settle(pending)
                return
        else:
            log_once("unreachable", WARNING,
                     "botanalytics: the API could not be reached (%s); records are kept and retried",
                     outcome.reason)
        if outcome.status != 429 and self.breaker.failure():
            count("breaker_opened")
        delay = self.config.retry.backoff_s(max(1, pending.attempts), outcome.retry_after_s)
        if time.monotonic() < self._flushing_until:  # a flush keeps trying until its own timeout
            delay = min(delay, FLUSH_RETRY_S)
        pending.not_before = time.monotonic() + delay
        with self._cond:
            self._queue.appendleft(pending)  # keep the oldest first

    def _settle(self, pending: _Pending) -> None:
        if pending.spooled:
            self.spool.remove(pending.record)
        with self._cond:
            self._ids.pop(pending.record.record_id, None)

    @staticmethod
    def _report_rejection(record: Record, outcome: "Outcome") -> None:
        if outcome.status == 401:
            log_once("401", ERROR, "botanalytics: the API rejected the token (401 Unauthorized): "
                     "check BOTANALYTICS_TOKEN; records are logged as dead letters for replay")
        elif outcome.status == 404:
            log_once(f"404:{record.path}", ERROR, "botanalytics: the API does not know %s (404)", record.path)
        else:
            log_once(f"{outcome.status}:{record.path}:{outcome.reason}", ERROR,
                     "botanalytics: the API rejected a record for %s (%s): %s", record.path, outcome.status,
                     outcome.reason)


def _deadletter(record: Record, reason: str) -> None:
    """One compact, replayable log line for a record that cannot be delivered from here."""
    count("dead_letters")
    import json

    try:
        line = json.dumps({"v": 1, "reason": reason, **record.to_dict()}, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return
    deadletter_logger.warning("%s %s", DEADLETTER_TAG, line)


# -- one dispatcher per configuration, shared by every tracked handler in the process -------------
_dispatchers: Dict[Config, Dispatcher] = {}
_registry_lock = threading.Lock()


def for_config(config: Config) -> Dispatcher:
    with _registry_lock:
        dispatcher = _dispatchers.get(config)
        if dispatcher is None:
            dispatcher = _dispatchers[config] = Dispatcher(config)
        return dispatcher


def all_dispatchers() -> List[Dispatcher]:
    with _registry_lock:
        return list(_dispatchers.values())


def reset() -> None:
    """Stop and forget every dispatcher (tests, and a last resort)."""
    with _registry_lock:
        dispatchers = list(_dispatchers.values())
        _dispatchers.clear()
    for dispatcher in dispatchers:
        dispatcher.stop()

"""What the collector accepted and what it refused, in SQLite, safe to use from many threads.

One connection guarded by a lock: the collector's handler threads write, the test thread reads. Records
carrying an ``X-Botanalytics-Record-Id`` are unique by that id (the column is UNIQUE), which is how
duplicates from at-least-once delivery are detected atomically.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT UNIQUE,
    path TEXT NOT NULL,
    method TEXT NOT NULL,
    body TEXT NOT NULL,
    headers TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS records_path ON records (path);
CREATE TABLE IF NOT EXISTS rejections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    method TEXT NOT NULL,
    status INTEGER NOT NULL,
    error_message TEXT NOT NULL,
    body_text TEXT NOT NULL,
    headers TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class StoredRecord:
    """One accepted request. ``path`` is relative to ``/v1/``; ``body`` is the parsed JSON;
    ``headers`` are the request headers with lower-case names."""

    path: str
    method: str
    body: Any
    headers: Dict[str, str]
    record_id: Optional[str]
    received_ms: int


@dataclass(frozen=True)
class Rejection:
    """One non-2xx answer: the request's path, the status and ``error_message`` sent back, and the
    request's body (as text) and headers."""

    path: str
    status: int
    error_message: str
    body_text: str
    headers: Dict[str, str]
    method: str = ""
    received_ms: int = 0


def normalize_path(path: str) -> str:
    """Accept ``/v1/messages/generic/``, ``v1/messages/generic/`` or ``/messages/generic/`` alike."""
    path = path.lstrip("/")
    if path.startswith("v1/"):
        path = path[3:]
    return path


class Store:
    """SQLite storage for records and rejections. A ``db_path`` that already holds rows is reused."""

    def __init__(self, db_path: str, durable: bool = True) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = sqlite3.connect(
            db_path, check_same_thread=False, isolation_level=None
        )
        if not durable:  # a throw-away file: skip fsyncs
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute("PRAGMA journal_mode = MEMORY")
        self._db.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the collector's store is closed")
        return self._db

    def add_record(
        self,
        path: str,
        method: str,
        body: Any,
        headers: Dict[str, str],
        record_id: Optional[str],
        received_ms: int,
    ) -> bool:
        """Store one record; False (and nothing stored) when ``record_id`` is already there."""
        row = (record_id, path, method, json.dumps(body), json.dumps(headers), received_ms)
        with self._lock:
            try:
                self._conn().execute(
                    "INSERT INTO records (record_id, path, method, body, headers, received_ms)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def add_rejection(
        self,
        path: str,
        method: str,
        status: int,
        error_message: str,
        body_text: str,
        headers: Dict[str, str],
        received_ms: int,
    ) -> None:
        row = (path, method, status, error_message, body_text, json.dumps(headers), received_ms)
        with self._lock:
            self._conn().execute(
                "INSERT INTO rejections (path, method, status, error_message, body_text, headers,"
                " received_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def records(self, path: Optional[str] = None) -> List[StoredRecord]:
        query = "SELECT path, method, body, headers, record_id, received_ms FROM records"
        args: tuple = ()
        if path is not None:
            query += " WHERE path = ?"
            args = (normalize_path(path),)
        with self._lock:
            rows = self._conn().execute(query + " ORDER BY seq", args).fetchall()
        return [
            StoredRecord(p, m, json.loads(b), json.loads(h), rid, ms) for p, m, b, h, rid, ms in rows
        ]

    def count(self, path: Optional[str] = None) -> int:
        with self._lock:
            if path is None:
                row = self._conn().execute("SELECT COUNT(*) FROM records").fetchone()
            else:
                row = self._conn().execute(
                    "SELECT COUNT(*) FROM records WHERE path = ?", (normalize_path(path),)
                ).fetchone()
        return int(row[0])

    def rejections(self) -> List[Rejection]:
        with self._lock:
            rows = self._conn().execute(
                "SELECT path, status, error_message, body_text, headers, method, received_ms FROM rejections"
                " ORDER BY seq"
            ).fetchall()
        return [Rejection(p, s, e, b, json.loads(h), m, ms) for p, s, e, b, h, m, ms in rows]

    # -- for the inspector page: the latest rows with their sequence numbers, and cheap change marks ---

    def tail_records(self, limit: int) -> List[Tuple[int, StoredRecord]]:
        """The last ``limit`` records as ``(seq, record)``, in arrival order."""
        with self._lock:
            rows = self._conn().execute(
                "SELECT seq, path, method, body, headers, record_id, received_ms FROM records"
                " ORDER BY seq DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        return [
            (seq, StoredRecord(p, m, json.loads(b), json.loads(h), rid, ms))
            for seq, p, m, b, h, rid, ms in reversed(rows)
        ]

    def tail_rejections(self, limit: int) -> List[Tuple[int, Rejection]]:
        """The last ``limit`` rejections as ``(seq, rejection)``, in order."""
        with self._lock:
            rows = self._conn().execute(
                "SELECT seq, path, status, error_message, body_text, headers, method, received_ms"
                " FROM rejections ORDER BY seq DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        return [
            (seq, Rejection(p, s, e, b, json.loads(h), m, ms))
            for seq, p, s, e, b, h, m, ms in reversed(rows)
        ]

    def marks(self) -> Tuple[int, int, int, int]:
        """``(records, last record seq, rejections, last rejection seq)``: changes whenever a row is added."""
        with self._lock:
            db = self._conn()
            r = db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM records").fetchone()
            j = db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM rejections").fetchone()
        return int(r[0]), int(r[1]), int(j[0]), int(j[1])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

"""The ``/tmp`` spool: records survive freezes, timeout resets and API outages.

One JSON file per record, written atomically (temporary file, then ``os.replace``), named so that a
directory listing sorts them oldest first. A file that cannot be read or parsed is moved aside
(``*.corrupt``), reported and counted; it never stops the others. Bounded by ``max_files``: beyond it
the oldest records are dropped and counted.
"""
from __future__ import annotations

import os
import threading
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import List, Optional, Tuple

from ._log import WARNING, get_logger
from .guard import count, log_once
from .record import Record

logger = get_logger("botanalytics")
SUFFIX = ".rec.json"


class Spool:
    def __init__(self, directory: str, max_files: int = 10000) -> None:
        self.directory = directory
        self.max_files = max_files
        self._ready = False
        self._count: Optional[int] = None  # files on disk, known after the first listing

    def _ensure_dir(self) -> bool:
        if not self._ready:
            try:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
                self._ready = True
            except OSError as exc:
                log_once("spool-dir", WARNING, "botanalytics: spool unavailable (%s)", exc)
        return self._ready

    def _path(self, record: Record) -> str:
        return os.path.join(self.directory, f"{record.created_ms:015d}-{record.record_id}{SUFFIX}")

    def write(self, record: Record, payload: Optional[bytes] = None) -> bool:
        """Persist ``record`` (with its body as ``payload``, the JSON already serialised, when given);
        True on success. Never raises."""
        if self.max_files <= 0 or not self._ensure_dir():
            return False
        final = self._path(record)
        temp = f"{final}.{os.getpid()}.{threading.get_ident()}.tmp"  # two threads may spool one record
        try:
            import json  # (loaded by then on Lambda; kept off the import path elsewhere)

            if payload is None:
                data = json.dumps(record.to_dict(), separators=(",", ":"), ensure_ascii=False, default=str)
            else:  # splice the serialised body in rather than serialising it again
                meta = {k: v for k, v in record.to_dict().items() if k != "body"}
                data = json.dumps(meta, separators=(",", ":"))[:-1] + ',"body":' + payload.decode("utf-8") + "}"
            with open(temp, "w", encoding="utf-8") as handle:
                handle.write(data)
            os.replace(temp, final)
        except (OSError, TypeError, ValueError) as exc:
            count("spool_write_errors")
            log_once("spool-write", WARNING, "botanalytics: cannot spool a record (%s)", exc)
            try:
                os.unlink(temp)
            except OSError:
                pass
            return False
        count("spooled")
        if self._count is None:
            self._count = len(self._names())
        else:
            self._count += 1
        if self._count > self.max_files:
            self._enforce_bound()
        return True

    def remove(self, record: Record) -> None:
        try:
            os.unlink(self._path(record))
            if self._count:
                self._count -= 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            log_once("spool-remove", WARNING, "botanalytics: cannot remove a spooled record (%s)", exc)

    def _names(self) -> List[str]:
        try:
            return sorted(n for n in os.listdir(self.directory) if n.endswith(SUFFIX))
        except OSError:
            return []

    def _enforce_bound(self) -> None:
        names = self._names()
        excess = len(names) - self.max_files
        self._count = min(len(names), self.max_files)
        for name in names[: max(0, excess)]:
            try:
                os.unlink(os.path.join(self.directory, name))
                count("dropped_spool_full")
            except OSError:
                pass
        if excess > 0:
            log_once("spool-full", WARNING, "botanalytics: spool full; oldest records dropped")

    def load(self) -> Tuple[List[Record], int]:
        """Every readable spooled record, oldest first, and how many corrupt files were set aside."""
        if not os.path.isdir(self.directory):
            return [], 0
        records: List[Record] = []
        corrupt = 0
        for name in self._names():
            path = os.path.join(self.directory, name)
            record = self._read(path)
            if record is None:
                corrupt += 1
                try:
                    os.replace(path, path + ".corrupt")
                except OSError:
                    pass
            else:
                records.append(record)
        if corrupt:
            count("spool_corrupt", corrupt)
            logger.warning("botanalytics: %d corrupt spool file(s) skipped and set aside", corrupt)
        return records, corrupt

    @staticmethod
    def _read(path: str) -> Optional[Record]:
        import json

        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            if not isinstance(data, dict):
                return None
            return Record.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None

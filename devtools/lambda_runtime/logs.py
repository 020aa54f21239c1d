"""Capture of the runtime process's output (stdout and stderr, one pipe), sliced per invocation."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
import threading
import time


class LogCapture:
    """Reads one pipe in a daemon thread and keeps everything, addressable by byte offset.

    Reads happen only while holding the lock, so :meth:`sync` (lock held, nothing left in the pipe)
    guarantees that every byte the process wrote before the call is in the buffer. That is what
    lets an invocation own exactly the output written before its runtime and extensions called
    ``next`` (the process is frozen right after, so it cannot write more).
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._size = 0
        self._eof = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="lambda-runtime-logs", daemon=True)
        self._thread.start()

    def _pending(self) -> int:
        try:
            return struct.unpack("i", fcntl.ioctl(self._fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return 0

    def _pump(self) -> None:
        try:
            while True:
                select.select([self._fd], [], [])
                with self._lock:
                    data = os.read(self._fd, max(self._pending(), 65536))
                    if not data:
                        return
                    self._chunks.append(data)
                    self._size += len(data)
        except OSError:
            return
        finally:
            self._eof.set()

    def sync(self, timeout_s: float = 0.5) -> int:
        """Wait until the pipe is drained; return the current end offset."""
        end = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if self._eof.is_set() or self._pending() == 0 or time.monotonic() > end:
                    return self._size
            time.sleep(0.0002)

    def wait_eof(self, timeout_s: float = 1.0) -> int:
        """After the process died: wait for the pump to read everything up to end-of-file."""
        self._eof.wait(timeout_s)
        with self._lock:
            return self._size

    @property
    def at_eof(self) -> bool:
        return self._eof.is_set()

    def text(self, start: int, end: int | None = None) -> str:
        with self._lock:
            if len(self._chunks) > 1:
                self._chunks = [b"".join(self._chunks)]
            data = self._chunks[0] if self._chunks else b""
        return data[start:end].decode("utf-8", errors="replace")

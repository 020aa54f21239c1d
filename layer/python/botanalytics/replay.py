"""Re-send dead letters: ``python -m botanalytics.replay FILE...``.

A record that the layer could not deliver from its execution environment (shutdown with the API down,
given up after many attempts, rejected with a wrong token) is written to the function's log as one line
``BOTANALYTICS_DEADLETTER {"v":1,"reason":...,"path":...,"body":...,"record_id":...}``. This command
finds those lines in whatever the logs were exported as, and sends each record again to the API with
the normal configuration (``BOTANALYTICS_TOKEN``, ``BOTANALYTICS_API_URL``, ``BOTANALYTICS_CA_BUNDLE``...):

* plain text (the runtime's ``[WARNING]\\t<time>\\t<request id>\\tBOTANALYTICS_DEADLETTER {...}`` lines, an
  S3 export's ``<time> <message>`` lines, ``aws logs tail`` output), gzip-compressed or not;
* JSON lines (Lambda's JSON log format, or one exported event per line, with the line in ``message``);
* one JSON document (``aws logs filter-log-events`` / ``get-log-events`` output: ``{"events": [...]}``).

Replaying is idempotent: each record keeps its id, sent as ``X-Botanalytics-Record-Id``, so the API
drops what it already has; the same record found twice in the input is sent once. Example::

    aws logs filter-log-events --log-group-name /aws/lambda/my-bot \\
        --filter-pattern BOTANALYTICS_DEADLETTER > dead.json
    BOTANALYTICS_TOKEN=... python -m botanalytics.replay dead.json

Exit status: 0 when every record found was delivered, 1 when some were not, 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from .config import Config
from .dispatcher import DEADLETTER_TAG
from .record import Record
from .retry import Deadline, RetryPolicy

_DECODER = json.JSONDecoder()


# -- finding dead letters ---------------------------------------------------------------------------
def _is_dead_letter(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("path"), str)
        and "body" in value
        and isinstance(value.get("record_id"), str)
        and bool(value["record_id"])
    )


def _from_text(text: str) -> Iterator[Dict[str, Any]]:
    """Every ``TAG {json}`` in a piece of text."""
    position = 0
    while True:
        found = text.find(DEADLETTER_TAG, position)
        if found < 0:
            return
        start = text.find("{", found + len(DEADLETTER_TAG))
        if start < 0:
            return
        position = found + len(DEADLETTER_TAG)
        try:
            value, end = _DECODER.raw_decode(text, start)
        except ValueError:
            continue
        if _is_dead_letter(value):
            position = end
            yield value


def _from_json(value: Any, depth: int = 0) -> Iterator[Dict[str, Any]]:
    """Dead letters inside a parsed JSON value: in any string that carries the tag (a log message)."""
    if depth > 20:
        return
    if isinstance(value, str):
        if DEADLETTER_TAG in value:
            yield from _from_text(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _from_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _from_json(item, depth + 1)


def find_dead_letters(text: str) -> List[Dict[str, Any]]:
    """The dead letters in exported logs (any of the formats above), in the order they appear."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except ValueError:
            pass  # JSON lines, or text that happens to start with a brace
        else:
            return list(_from_json(document))
    found: List[Dict[str, Any]] = []
    for line in text.splitlines():
        if DEADLETTER_TAG not in line:
            continue
        line = line.strip()
        if line[:1] == "{":
            try:
                found.extend(_from_json(json.loads(line)))
                continue
            except ValueError:
                pass
        found.extend(_from_text(line))
    return found


def read_file(path: str) -> str:
    """A file's text ("-" is standard input); gzip is recognised by its magic bytes."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as handle:
            data = handle.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def unique_records(dead_letters: Iterable[Dict[str, Any]]) -> List[Record]:
    records: Dict[str, Record] = {}
    for letter in dead_letters:
        try:
            record = Record.from_dict(letter)
        except (KeyError, TypeError, ValueError):
            continue
        records.setdefault(record.record_id, record)
    return list(records.values())


# -- sending ----------------------------------------------------------------------------------------
@dataclass
class Report:
    lines: int = 0  # dead-letter lines found
    records: int = 0  # distinct records among them
    delivered: int = 0
    rejected: int = 0  # the API refused them for good (e.g. 400); see ``problems``
    failed: int = 0  # still not delivered after the retries (API unreachable, 5xx)
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.delivered == self.records

    def summary(self) -> str:
        return (
            f"botanalytics replay: {self.lines} dead-letter line(s), {self.records} record(s): "
            f"{self.delivered} delivered, {self.rejected} rejected, {self.failed} failed"
        )


def replay(records: Sequence[Record], config: Config, attempts: int = 3, transport: Any = None) -> Report:
    """Send each record (in order) with up to ``attempts`` tries for transient failures."""
    from .transport import DELIVERED, REJECTED, TokenProvider, Transport

    report = Report(records=len(records))
    sender = transport if transport is not None else Transport(config, TokenProvider(config))
    policy = RetryPolicy(max_attempts=attempts, backoff_base_s=0.2, backoff_max_s=5.0)
    try:
        for record in records:
            for attempt in range(1, attempts + 1):
                outcome = sender.send(record, Deadline.after(config.send_timeout_ms / 1000.0))
                if outcome.kind == DELIVERED:
                    report.delivered += 1
                    break
                if outcome.kind == REJECTED:
                    report.rejected += 1
                    report.problems.append(f"{record.record_id}: rejected {outcome.status} {outcome.reason}")
                    break
                if attempt == attempts:
                    report.failed += 1
                    report.problems.append(
                        f"{record.record_id}: {outcome.status or 'unreachable'} {outcome.reason}"
                    )
                else:
                    time.sleep(policy.backoff_s(attempt, outcome.retry_after_s))
    finally:
        sender.close()
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m botanalytics.replay",
        description="Re-send BOTANALYTICS_DEADLETTER records found in exported logs to the Botanalytics API "
        "(configured by the usual BOTANALYTICS_* variables).",
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="exported logs (text, JSON lines, JSON, .gz); - for standard input",
    )
    parser.add_argument("--api-url", help="override BOTANALYTICS_API_URL")
    parser.add_argument("--dry-run", action="store_true", help="only list what would be sent")
    parser.add_argument("--attempts", type=int, default=3, help="tries per record for transient failures")
    args = parser.parse_args(argv)

    letters: List[Dict[str, Any]] = []
    for path in args.files:
        try:
            letters.extend(find_dead_letters(read_file(path)))
        except OSError as exc:
            print(f"botanalytics replay: cannot read {path}: {exc}", file=sys.stderr)
            return 2
    records = unique_records(letters)
    if args.dry_run:
        for record in records:
            print(f"{record.record_id} {record.method} {record.path} request_id={record.request_id}")
        print(f"botanalytics replay: {len(letters)} dead-letter line(s), {len(records)} record(s) (dry run)")
        return 0
    overrides = {"api_url": args.api_url} if args.api_url else {}
    config = Config.from_env(**overrides)
    if not config.has_token_source:
        print("botanalytics replay: no token (set BOTANALYTICS_TOKEN)", file=sys.stderr)
        return 2
    report = replay(records, config, attempts=max(1, args.attempts))
    report.lines = len(letters)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The /tmp spool keeps records across freezes and resets; corrupt files never stop it."""
from __future__ import annotations

import os

from botanalytics import guard
from botanalytics.record import Record
from botanalytics.spool import Spool


def make(n: int, created: int = 1_000) -> Record:
    return Record(path="messages/generic/", body={"n": n, "text": "héllo"}, created_ms=created + n, request_id="r1")


def test_records_round_trip_oldest_first(tmp_path):
    spool = Spool(str(tmp_path / "s"))
    for n in (3, 1, 2):
        assert spool.write(make(n))
    records, corrupt = Spool(str(tmp_path / "s")).load()  # a new container reads what the old one left
    assert [r.body["n"] for r in records] == [1, 2, 3] and corrupt == 0
    first = records[0]
    assert (first.path, first.body, first.request_id, first.created_ms) == ("messages/generic/", make(1).body, "r1", 1001)


def test_removed_records_are_gone(tmp_path):
    spool = Spool(str(tmp_path))
    record = make(1)
    spool.write(record)
    spool.remove(record)
    spool.remove(record)  # twice is harmless
    assert spool.load() == ([], 0)


def test_no_temporary_files_are_left_behind(tmp_path):
    spool = Spool(str(tmp_path))
    spool.write(make(1))
    assert all(name.endswith(".rec.json") for name in os.listdir(tmp_path))


def test_a_corrupt_file_is_set_aside_counted_and_the_rest_still_load(tmp_path):
    spool = Spool(str(tmp_path))
    spool.write(make(1))
    spool.write(make(2))
    victim = sorted(os.listdir(tmp_path))[0]
    (tmp_path / victim).write_text('{"path": "messages/gen')  # torn write
    (tmp_path / "000000000000000-x.rec.json").write_bytes(b"\xff\xfe not json")
    records, corrupt = spool.load()
    assert [r.body["n"] for r in records] == [2] and corrupt == 2
    assert guard.stats()["spool_corrupt"] == 2
    assert spool.load() == (records, 0) or spool.load()[1] == 0  # set aside, not read again


def test_the_spool_is_bounded_and_drops_the_oldest(tmp_path):
    spool = Spool(str(tmp_path), max_files=5)
    for n in range(8):
        spool.write(make(n))
    records, _ = spool.load()
    assert [r.body["n"] for r in records] == [3, 4, 5, 6, 7]
    assert guard.stats()["dropped_spool_full"] == 3


def test_an_unwritable_spool_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    spool = Spool(str(blocker / "spool"))  # a path under a regular file cannot be created
    assert spool.write(make(1)) is False
    assert spool.load() == ([], 0)

"""``python -m botanalytics.replay``: dead letters found in every shape logs are exported in, re-sent
with the normal configuration, idempotently (the record id travels in X-Botanalytics-Record-Id)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
from botanalytics import replay
from test_botanalytics_delivery import LAYER


def letter(
    record_id: str, text: str = "hi", path: str = "messages/generic/", request_id: str = "req-1"
) -> dict:
    body = {
        "is_sender_bot": False,
        "user": {"id": "u1", "name": "u1"},
        "message": {"text": text, "timestamp": 1704110410000},
    }
    return {
        "v": 1,
        "reason": "shutdown: not delivered",
        "path": path,
        "body": body,
        "method": "POST",
        "record_id": record_id,
        "request_id": request_id,
        "created_ms": 1704110410000,
    }


def line(value: dict) -> str:
    return "BOTANALYTICS_DEADLETTER " + json.dumps(value, separators=(",", ":"))


def test_runtime_text_lines_and_s3_export_lines():
    tabbed = letter("b", text="tab\there")
    text = "\n".join(
        [
            "START RequestId: req-1 Version: $LATEST",
            f"[WARNING]\t2026-11-26T01:00:00.000Z\treq-1\t{line(letter('a'))}",
            "2026-11-26T01:00:00.000Z " + line(tabbed),
            "[WARNING]\t2026-11-26T01:00:00.000Z\treq-1\tBOTANALYTICS_DEADLETTER {broken",
            "END RequestId: req-1",
        ]
    )
    found = replay.find_dead_letters(text)
    assert [f["record_id"] for f in found] == ["a", "b"]
    assert found[1]["body"]["message"]["text"] == "tab\there"


def test_json_lines_and_a_filter_log_events_document():
    json_lines = "\n".join(
        json.dumps(
            {
                "timestamp": "2026-11-26T01:00:00Z",
                "level": "WARNING",
                "message": line(letter(i)),
                "logger": "botanalytics.deadletter",
                "requestId": "req-1",
            }
        )
        for i in "cd"
    )
    assert [f["record_id"] for f in replay.find_dead_letters(json_lines)] == ["c", "d"]
    document = json.dumps(
        {
            "events": [
                {"logStreamName": "s", "timestamp": 1, "message": line(letter("e")) + "\n"},
                {"logStreamName": "s", "timestamp": 2, "message": "unrelated"},
            ],
            "searchedLogStreams": [],
        },
        indent=2,
    )
    assert [f["record_id"] for f in replay.find_dead_letters(document)] == ["e"]


def test_the_same_record_found_twice_is_sent_once():
    records = replay.unique_records([letter("x"), letter("y"), letter("x")])
    assert [r.record_id for r in records] == ["x", "y"]
    assert records[0].request_id == "req-1" and records[0].path == "messages/generic/"


@pytest.fixture
def api_env(collector, monkeypatch):
    for name, value in (
        ("BOTANALYTICS_API_URL", collector.url),
        ("BOTANALYTICS_CA_BUNDLE", str(collector.ca_file)),
        ("BOTANALYTICS_TOKEN", collector.token),
    ):
        monkeypatch.setenv(name, value)
    return collector


def test_replay_sends_reports_and_is_idempotent(api_env, tmp_path, capsys):
    exported = tmp_path / "logs.txt.gz"
    exported.write_bytes(gzip.compress("\n".join(line(letter(i, text=f"turn {i}")) for i in "abc").encode()))
    assert replay.main([str(exported)]) == 0
    assert replay.main([str(exported)]) == 0
    assert sorted(r.body["message"]["text"] for r in api_env.records()) == ["turn a", "turn b", "turn c"]
    assert sorted(r.record_id for r in api_env.records()) == ["a", "b", "c"]
    assert api_env.stats()["duplicates"] == 3
    assert (
        capsys.readouterr().out.count("3 dead-letter line(s), 3 record(s): 3 delivered, 0 rejected, 0 failed")
        == 2
    )


def test_a_record_the_api_refuses_is_reported_and_the_exit_status_says_so(api_env, tmp_path, capsys):
    exported = tmp_path / "logs.txt"
    exported.write_text(line(letter("ok")) + "\n" + line(letter("bad", path="no/such/endpoint/")) + "\n")
    assert replay.main([str(exported)]) == 1
    captured = capsys.readouterr()
    assert "1 delivered, 1 rejected, 0 failed" in captured.out
    assert "bad: rejected 404" in captured.err


def test_dry_run_and_the_command_line(tmp_path):
    exported = tmp_path / "logs.txt"
    exported.write_text(line(letter("a", request_id="req-9")) + "\n")
    out = subprocess.run(
        [sys.executable, "-m", "botanalytics.replay", "--dry-run", str(exported)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(LAYER), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert "a POST messages/generic/ request_id=req-9" in out.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "botanalytics.replay", str(tmp_path / "none.txt")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(LAYER), "PATH": "/usr/bin:/bin"},
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr

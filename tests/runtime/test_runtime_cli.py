"""The command line: one line per invocation with the caller-facing and the billed time."""
from __future__ import annotations

import json
import re
from pathlib import Path

from devtools.lambda_runtime.__main__ import main

FUNCTIONS = Path(__file__).parent / "functions"


def test_cli_prints_response_and_completion_times(tmp_path, capsys):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"hello": "cli"}))
    code = main(["--handler", "with_extension.handler", "--code-dir", str(FUNCTIONS), "--event", str(event),
                 "--repeat", "3", "--env", "TOY_EXT_WORK_MS=20"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    lines = [line for line in out if line.startswith("#")]
    assert len(lines) == 3
    assert "init_ms=" in lines[0] and "init_ms=" not in lines[1]
    for line in lines:
        match = re.search(r"response_ms=([\d.]+) completion_ms=([\d.]+)", line)
        assert match and float(match.group(2)) >= 20 > float(match.group(1))
    assert out[-1].startswith("shutdown: python3.")

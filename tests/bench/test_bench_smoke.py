"""The benchmark harness runs end to end on tiny sizes and writes its report.

Given the bench interpreter (``.venv-bench``, made by ``make bench-venv``: the official SDK, matplotlib and
the dev tooling), when ``python -m bench --quick`` runs, then RESULTS.md has a table for every scenario
and no harness error, and latency.png is a PNG. Timing numbers are never asserted: machines are noisy.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("## 1. ", "## 2. ", "## 3. ", "## 4. ", "## 5. ")


def bench_python() -> str:
    explicit = os.environ.get("BENCH_PYTHON")
    if explicit:
        return explicit
    venv = ROOT / ".venv-bench" / "bin" / "python"
    if not venv.exists():
        pytest.fail("no bench interpreter: run `make bench-venv` (make test does) or set BENCH_PYTHON")
    return str(venv)


def sections(text: str) -> dict:
    """'## N. ' heading -> the text up to the next '## ' heading."""
    out = {}
    parts = re.split(r"(?m)^(?=## )", text)
    for part in parts:
        for prefix in SCENARIOS:
            if part.startswith(prefix):
                out[prefix] = part
    return out


@pytest.mark.slow
def test_quick_bench_writes_every_scenario(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOTANALYTICS_", "PYTHONPATH"))}
    proc = subprocess.run([bench_python(), "-m", "bench", "--quick", "--out", str(tmp_path)], cwd=str(ROOT),
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    results = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## Errors in this run" not in results
    assert "## Machine and versions" in results and "--quick" in results
    found = sections(results)
    assert sorted(found) == sorted(SCENARIOS), results[:2000]
    for prefix in ("## 1. ", "## 2. ", "## 4. ", "## 5. "):
        assert "|---|" in found[prefix], f"{prefix} has no table"
    assert "|---|" in found["## 3. "] or "not measured" in found["## 3. "]
    for app in ("Alexa skill", "web-chat webhook"):
        assert app in found["## 1. "] and app in found["## 2. "]
    for variant in ("bare handler", "official SDK 0.2.9, sync", "official SDK 0.2.9, async", "ours, in-handler wait"):
        assert variant in found["## 1. "]
    assert "ours" in found["## 1. "] and "local Lambda" in found["## 1. "]  # run, or listed as not run with why

    png = (tmp_path / "latency.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000

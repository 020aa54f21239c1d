"""The layer zip: reproducible, only python/botanalytics/..., small enough."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from devtools.layer_build import FIXED_DATE_TIME, ROOT_FILES, SIZE_LIMIT_BYTES, build_layer_zip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_bytes_twice(tmp_path: Path, repo_root: Path) -> None:
    # A snapshot of layer/, so that colleagues editing the package meanwhile cannot change the input.
    snapshot = tmp_path / "layer"
    shutil.copytree(repo_root / "layer", snapshot, ignore=shutil.ignore_patterns("__pycache__"))
    first = build_layer_zip(tmp_path / "a.zip", source=snapshot / "python")
    time.sleep(1.1)
    later = time.time()
    for path in snapshot.rglob("*"):  # new mtimes: a timestamp leaking into the zip would show up now
        os.utime(path, (later, later))
    second = build_layer_zip(tmp_path / "b.zip", source=snapshot / "python")
    assert _sha256(first) == _sha256(second)


def test_size_within_budget(layer_zip: Path) -> None:
    size = layer_zip.stat().st_size
    assert size <= SIZE_LIMIT_BYTES, f"layer zip is {size} bytes, budget {SIZE_LIMIT_BYTES}"


def test_entries_are_the_package_only_sorted_with_fixed_metadata(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as archive:
        infos = archive.infolist()
        assert archive.testzip() is None
    names = [info.filename for info in infos]
    assert names, "empty layer zip"
    assert names == sorted(names)
    assert all(name.startswith("python/botanalytics/") or name in ROOT_FILES for name in names)
    assert "python/botanalytics/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    for info in infos:
        assert info.date_time == FIXED_DATE_TIME
        mode = info.external_attr >> 16
        expected = 0o755 if info.filename in ROOT_FILES else 0o644
        assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == expected, (info.filename, oct(mode))


def test_byte_code_and_junk_are_left_out(tmp_path: Path) -> None:
    package = tmp_path / "src" / "botanalytics"
    (package / "__pycache__").mkdir(parents=True)
    (package / "sub").mkdir()
    (package / "__init__.py").write_text("x = 1\n")
    (package / "sub" / "mod.py").write_text("y = 2\n")
    (package / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (package / "stray.pyc").write_bytes(b"\0")
    (package / ".DS_Store").write_bytes(b"\0")
    out = build_layer_zip(tmp_path / "out.zip", source=tmp_path / "src")
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["python/botanalytics/__init__.py", "python/botanalytics/sub/mod.py"]


def test_cli_prints_the_size(tmp_path: Path, repo_root: Path) -> None:
    out = tmp_path / "cli.zip"
    result = subprocess.run(
        [sys.executable, "-m", "devtools.layer_build", "--out", str(out)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{out.stat().st_size} bytes" in result.stdout

"""Build the Lambda layer zip reproducibly: the same source gives the same bytes.

    python -m devtools.layer_build --out build/botanalytics-layer.zip

The zip holds ``python/botanalytics/...`` (Lambda puts ``/opt/python`` on ``sys.path``) and, when
present, the exec wrapper ``botanalytics-wrapper`` at its root (``/opt/botanalytics-wrapper``); nothing else.
Reproducible because every entry is written in sorted order, with a fixed timestamp, fixed permissions,
no directory entries, no extra fields and a fixed compression level, and byte-code caches are left out.
The same bytes twice means a stable CDK asset hash, so a new layer version is published only when the
code changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / "layer" / "python"
DEFAULT_OUT = REPO_ROOT / "build" / "botanalytics-layer.zip"
PACKAGE = "botanalytics"
ARCHIVE_PREFIX = "python"

# 1980-01-01 00:00:00 is the earliest date the zip format can store.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755
# Files taken from the folder above the source (layer/), placed at the root of the zip (/opt/...).
ROOT_FILES = ("botanalytics-wrapper",)
COMPRESS_LEVEL = 9
SIZE_LIMIT_BYTES = 150 * 1024

EXCLUDED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
EXCLUDED_NAMES = frozenset({".DS_Store"})


def _included(name: str) -> bool:
    return name not in EXCLUDED_NAMES and not name.endswith(EXCLUDED_SUFFIXES)


def iter_sources(source: Path, package: str = PACKAGE) -> Iterator[tuple[str, Path]]:
    """Yield ``(archive name, file)`` for every file of the package, sorted by archive name."""
    root = source / package
    if not (root / "__init__.py").is_file() and not any(root.glob("*.py")):
        raise FileNotFoundError(f"no Python package at {root}")
    entries: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith("."))
        for filename in filenames:
            if not _included(filename):
                continue
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(source).as_posix()
            entries.append((f"{ARCHIVE_PREFIX}/{relative}", path))
    for name in ROOT_FILES:
        path = source.parent / name
        if path.is_file() and not path.is_symlink():
            entries.append((name, path))
    yield from sorted(entries)


def _mode(path: Path) -> int:
    return EXECUTABLE_MODE if os.access(path, os.X_OK) else FILE_MODE


def build_layer_zip(out: Path = DEFAULT_OUT, source: Path = DEFAULT_SOURCE, package: str = PACKAGE) -> Path:
    """Write the layer zip to ``out`` (atomically) and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".layer-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for name, path in iter_sources(Path(source), package):
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, so external_attr carries the permission bits
                info.external_attr = (0o100000 | _mode(path)) << 16
                archive.writestr(info, path.read_bytes(), compresslevel=COMPRESS_LEVEL)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, out)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip to write (default: %(default)s)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder holding the package")
    parser.add_argument(
        "--max-kb",
        type=int,
        default=SIZE_LIMIT_BYTES // 1024,
        help="fail above this size (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    out = build_layer_zip(args.out, args.source)
    size = out.stat().st_size
    with zipfile.ZipFile(out) as archive:
        count = len(archive.infolist())
    print(f"{out}: {size} bytes ({size / 1024:.1f} KiB), {count} files")
    if size > args.max_kb * 1024:
        print(f"error: layer zip is larger than {args.max_kb} KiB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

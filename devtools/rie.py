"""AWS's Lambda Runtime Interface Emulator (RIE), taken out of the ``aws-sam-cli`` wheel on demand.

There is no package that ships the RIE by name, but the ``aws-sam-cli`` wheel on PyPI carries the
static Go binaries at ``samcli/local/rapid/aws-lambda-rie-<arch>``. :func:`ensure_rie` downloads that
wheel once with ``pip download --no-deps`` into ``build/rie/`` (gitignored) and extracts only the
binary; nothing is installed and nothing is committed.

Safety: the RIE listens on ``0.0.0.0:8080`` by default and even ``--help`` starts it. Always start it
through :func:`rie_command`, which binds both of its servers to 127.0.0.1.

Example::

    binary = ensure_rie()
    cmd = rie_command(binary, invoke_port=18080, runtime_port=19001,
                      runtime=[sys.executable, "-m", "awslambdaric", "app.handler"])
"""

from __future__ import annotations

import os
import platform
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Sequence

#: The aws-sam-cli release the binary is taken from (checked: 1.170.0 ships both architectures).
SAM_CLI_VERSION = "1.170.0"

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO_ROOT / "build" / "rie"

_ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


class RieUnavailable(RuntimeError):
    """The RIE binary could not be obtained (no registry access, unknown architecture...)."""


def _arch() -> str:
    machine = platform.machine().lower()
    try:
        return _ARCHES[machine]
    except KeyError:
        raise RieUnavailable(f"no RIE binary for architecture {machine!r}") from None


def rie_path(cache_dir: Path = DEFAULT_CACHE, version: str = SAM_CLI_VERSION) -> Path:
    """Where the binary for this machine lives once extracted."""
    return Path(cache_dir) / version / f"aws-lambda-rie-{_arch()}"


def ensure_rie(cache_dir: Path = DEFAULT_CACHE, version: str = SAM_CLI_VERSION,
               python: str = sys.executable) -> Path:
    """Return the path of an executable RIE binary, downloading the wheel only the first time."""
    target = rie_path(cache_dir, version)
    if target.is_file() and os.access(target, os.X_OK):
        return target
    download_dir = Path(cache_dir) / version / "wheel"
    download_dir.mkdir(parents=True, exist_ok=True)
    wheels = sorted(download_dir.glob(f"aws_sam_cli-{version}-*.whl"))
    if not wheels:
        proc = subprocess.run(
            [python, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q",
             "-d", str(download_dir), f"aws-sam-cli=={version}"],
            capture_output=True, text=True)
        wheels = sorted(download_dir.glob(f"aws_sam_cli-{version}-*.whl"))
        if proc.returncode != 0 or not wheels:
            raise RieUnavailable(f"pip download aws-sam-cli=={version} failed:\n{proc.stderr.strip()}")
    member = f"samcli/local/rapid/{target.name}"
    with zipfile.ZipFile(wheels[0]) as wheel:
        try:
            data = wheel.read(member)
        except KeyError:
            raise RieUnavailable(f"{wheels[0].name} has no {member}") from None
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    partial.replace(target)
    return target


def rie_command(binary: Path, invoke_port: int, runtime_port: int, runtime: Sequence[str]) -> list[str]:
    """The RIE command line with both listeners on loopback (never start the binary any other way)."""
    return [str(binary),
            "--runtime-interface-emulator-address", f"127.0.0.1:{invoke_port}",
            "--runtime-api-address", f"127.0.0.1:{runtime_port}",
            *runtime]


if __name__ == "__main__":  # pragma: no cover - convenience: `python -m devtools.rie` prints the path
    print(ensure_rie())

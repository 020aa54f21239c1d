"""Interpreters for the runtime: a venv with awslambdaric for any Python that pyenv has.

The Lambda managed runtimes exist for 3.9 to 3.14; here pyenv provides 3.9-3.13. Venvs go under the
gitignored ``build/venvs/py<X.Y>`` and are reused once made (``.installed`` marks a finished one).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO_ROOT / "build" / "venvs"

#: awslambdaric 4.2.x needs Python >= 3.10; 4.0.4 is the last release with a cp39 wheel.
AWSLAMBDARIC_PINS = {(3, 9): "4.0.4"}
AWSLAMBDARIC_DEFAULT = "4.2.2"


def pyenv_root() -> Path:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    return Path.home() / ".pyenv"


def _key(path: Path) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.]", path.parent.parent.name))


def find_python(version: str) -> Path:
    """The newest pyenv interpreter ``<version>.*`` (e.g. "3.13" -> .../versions/3.13.0/bin/python)."""
    versions = pyenv_root() / "versions"
    found = [p for p in versions.glob(f"{version}.*/bin/python") if re.fullmatch(rf"{re.escape(version)}\.\d+", p.parent.parent.name)]
    if not found:
        raise FileNotFoundError(f"no Python {version}.* under {versions} (pyenv install {version})")
    return max(found, key=_key)


def runtime_python(version: str, root: Path = DEFAULT_ROOT, base: Optional[Path] = None) -> Path:
    """Path of a ``python`` that has awslambdaric, in a venv made on first use for that version."""
    venv = Path(root) / f"py{version}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.is_file() and python.exists():
        return python
    base = base or find_python(version)
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True, capture_output=True)
    major, minor = (int(x) for x in version.split(".")[:2])
    pin = AWSLAMBDARIC_PINS.get((major, minor), AWSLAMBDARIC_DEFAULT)
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           f"awslambdaric=={pin}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"installing awslambdaric=={pin} for Python {version} failed:\n{proc.stderr}")
    marker.write_text(f"awslambdaric=={pin}\n")
    return python

"""Scenario 3 (cold start) and the zip helpers of scenario 5.

Import cost is measured in fresh processes, ``cold_runs`` times per case, the cases interleaved round
by round so that machine noise hits them alike: the wall time of the whole process (spawn to exit) and
the import itself timed inside the child (``perf_counter`` around the import statement).

Cases per interpreter (3.9 and 3.13 from pyenv):

* ``python -c pass`` (the base interpreter, and the peer venv's interpreter, whose ``site`` differs);
* ours, ``import botanalytics`` from the layer's files **as shipped** (the layer zip holds no byte-code and
  ``/opt`` is read-only on Lambda, so every cold start compiles: ``PYTHONDONTWRITEBYTECODE=1``, no
  ``__pycache__``), and the same files **with byte-code** compiled for that interpreter beforehand;
* the official SDK, ``import botanalytics.amazon`` (what a skill imports; it pulls in ``requests``) from a
  venv of that interpreter with ``bench/requirements-peer.txt`` (made by ``make bench``).

Then the init phase (import of the handler module, decorator included) through the local Lambda.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .paths import LAYER_PYTHON, REPO_ROOT, SCRATCH

VERSIONS = ("3.9", "3.13")
OFFICIAL_DISTS = ("botanalytics", "requests", "urllib3", "idna", "certifi", "charset_normalizer")
_TIMED = "import time; t = time.perf_counter(); import {mod}; print((time.perf_counter() - t) * 1000)"


def pyenv_root() -> Optional[Path]:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    return None


def find_python(version: str) -> Optional[Path]:
    """``$(pyenv root)/versions/<version>.N/bin/python`` (newest N), or None."""
    root = pyenv_root()
    if root is None:
        return None
    found = sorted((root / "versions").glob(f"{version}.*/bin/python"),
                   key=lambda p: [int(x) if x.isdigit() else -1 for x in p.parent.parent.name.split(".")])
    found = [p for p in found if p.parent.parent.name.count(".") == 2]
    return found[-1] if found else None


def peer_python(version: str) -> Optional[Path]:
    """The interpreter of ``.venv-bench-py<version>`` (the official SDK installed), or None."""
    python = REPO_ROOT / f".venv-bench-py{version}" / "bin" / "python"
    return python if python.exists() else None


def interpreter_version(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True).stdout.strip()


def _layer_copy(version: str, python: Path, compiled: bool) -> Path:
    """A copy of the layer's files (what the zip holds), optionally byte-compiled by ``python``."""
    dest = SCRATCH / "cold" / (f"layer-pyc-{version}" if compiled else "layer-src")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(LAYER_PYTHON / "botanalytics", dest / "botanalytics",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if compiled:
        subprocess.run([str(python), "-m", "compileall", "-q", str(dest)], check=True)
    return dest


def _run_once(argv: List[str], env: Dict[str, str]) -> Tuple[float, Optional[float], str]:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=str(SCRATCH))
    wall = (time.perf_counter() - t0) * 1000
    inner = None
    if proc.returncode == 0 and proc.stdout.strip():
        try:
            inner = float(proc.stdout.strip().splitlines()[-1])
        except ValueError:
            inner = None
    return wall, inner, proc.stderr.strip()[-300:] if proc.returncode else ""


def measure_imports(runs: int) -> Dict[str, Any]:
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("PYTHON", "BOTANALYTICS_", "VIRTUAL_ENV"))}
    out: Dict[str, Any] = {"versions": {}, "missing": []}
    for version in VERSIONS:
        python = find_python(version)
        if python is None:
            out["missing"].append(f"Python {version}: not found under $(pyenv root)/versions")
            continue
        peer = peer_python(version)
        src = _layer_copy(version, python, compiled=False)
        pyc = _layer_copy(version, python, compiled=True)
        cases: Dict[str, Tuple[List[str], Dict[str, str]]] = {
            "pass": ([str(python), "-c", "pass"], dict(base_env)),
            "ours (as shipped, no byte-code)": (
                [str(python), "-c", _TIMED.format(mod="botanalytics")],
                dict(base_env, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")),
            "ours (byte-code compiled)": (
                [str(python), "-c", _TIMED.format(mod="botanalytics")],
                dict(base_env, PYTHONPATH=str(pyc), PYTHONDONTWRITEBYTECODE="1")),
        }
        if peer is not None:
            cases["pass (peer venv)"] = ([str(peer), "-c", "pass"], dict(base_env))
            cases["official SDK 0.2.9 (import botanalytics.amazon)"] = (
                [str(peer), "-c", _TIMED.format(mod="botanalytics.amazon")], dict(base_env))
        else:
            out["missing"].append(f"official SDK on Python {version}: .venv-bench-py{version} missing "
                                  "(make bench creates it from bench/requirements-peer.txt)")
        for name, (argv, env) in cases.items():  # warm the page cache and byte-code once, not timed
            _run_once(argv, env)
        samples: Dict[str, Dict[str, List[float]]] = {name: {"wall": [], "import": []} for name in cases}
        errors: Dict[str, str] = {}
        for _ in range(runs):
            for name, (argv, env) in cases.items():
                wall, inner, err = _run_once(argv, env)
                if err:
                    errors[name] = err
                samples[name]["wall"].append(wall)
                if inner is not None:
                    samples[name]["import"].append(inner)
        out["versions"][version] = {"python": interpreter_version(python), "samples": samples, "errors": errors,
                                    "peer": peer is not None}
    return out


def measure_init(res: Any, templates: Dict[str, Any]) -> Dict[str, Any]:
    """Init phase of the Alexa handler module through the local Lambda: fresh environment each time."""
    from .harness import VARIANTS, Api, start_variant

    out: Dict[str, Any] = {"variants": {}, "skipped": {}}
    api = Api()
    try:
        for key in ("bare_rt", "official_sync_rt", "ours_rt"):
            values: List[float] = []
            for i in range(res.sizes.init_runs):
                proc, answer = start_variant(VARIANTS[key], "alexa", api, templates["alexa"], label=f"s3-init-{key}")
                if proc is None:
                    out["skipped"][key] = answer.get("why")
                    break
                try:
                    got = proc.call(cmd="run", n=1, phase="init")
                    if got.get("init_ms") is not None:
                        values.append(float(got["init_ms"]))
                finally:
                    proc.close()
            if values:
                out["variants"][key] = values
    finally:
        api.stop()
    return out


def scenario_coldstart(res: Any, templates: Dict[str, Any]) -> None:
    res.s3 = {"imports": measure_imports(res.sizes.cold_runs)}
    res.s3["init"] = measure_init(res, templates)


# --- zips (scenario 5) -----------------------------------------------------------------------------------

def site_packages_of(python: str) -> Path:
    out = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return Path(out)


def zip_tree(root: Path, names: Sequence[str], dest: Path) -> None:
    """Zip ``root/<name>`` for each name under ``python/``, as a Lambda layer holds them (no byte-code)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in names:
            top = root / name
            if not top.exists():
                continue
            for path in sorted(top.rglob("*")):
                if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                    continue
                zf.write(path, "python/" + str(path.relative_to(root)))


def zip_info(path: Path) -> Dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
    return {"zip_bytes": path.stat().st_size, "unzipped_bytes": sum(i.file_size for i in infos),
            "files": len(infos)}


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")

"""Where things are, relative to the repository (never an absolute path written into a file)."""
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
APPS_DIR = BENCH_DIR / "apps"
LAYER_PYTHON = REPO_ROOT / "layer" / "python"
SCRATCH = REPO_ROOT / ".bench-tmp"  # gitignored


def rel(path: Path) -> str:
    """``path`` relative to the repository when inside it (for reports)."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return Path(path).name

"""The sample events in ``events/``: the one copy that tests, the demo and the docs read.

Each ``events/<platform>/<case>.json`` holds ``{"description", "event", "response"}``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> Dict[str, Any]:
    """The file ``events/<name>.json`` as a dict, e.g. ``load_event("alexa/intent")``."""
    with open(EVENTS_DIR / (name + ".json"), encoding="utf-8") as handle:
        data: Dict[str, Any] = json.load(handle)
    return data


def event_names(prefix: Optional[str] = None) -> List[str]:
    """Every event name (``"<platform>/<case>"``), sorted, optionally only those under ``prefix``."""
    paths = EVENTS_DIR.glob("*/*.json")
    names = sorted(path.relative_to(EVENTS_DIR).with_suffix("").as_posix() for path in paths)
    if prefix:
        names = [name for name in names if name == prefix or name.startswith(prefix.rstrip("/") + "/")]
    return names


def all_events(prefix: Optional[str] = None) -> List[Tuple[str, Dict[str, Any]]]:
    """``(name, data)`` for every event file, sorted by name, optionally only those under ``prefix``."""
    return [(name, load_event(name)) for name in event_names(prefix)]

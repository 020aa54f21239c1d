"""Fixtures for the inspector's tests: a collector serving the inspector page, the layer's global state
kept clean around runs of the layer, and one headless Chromium for the whole session (Debian's
``chromium`` + ``chromium-driver``, driven by Selenium; ``make browser-deps`` installs them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.inspector.support import REPO

#: Test artefacts (screenshots); build/ is git-ignored.
ARTIFACTS = REPO / "build" / "inspector-tests"


@pytest.fixture
def clean_layer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No BOTANALYTICS_* variables and no dispatchers left over, before and after."""
    from botanalytics import dispatcher, guard

    for name in list(os.environ):
        if name.startswith("BOTANALYTICS_"):
            monkeypatch.delenv(name)
    dispatcher.reset()
    guard.reset_stats()
    yield
    dispatcher.reset()
    errors = list(guard.internal_errors)
    guard.reset_stats()
    assert not errors, f"the layer swallowed internal errors: {errors!r}"


@pytest.fixture
def inspected(clean_layer: None) -> Iterator[Any]:
    """A running collector with its inspector page (``inspected.inspector_url``)."""
    from devtools.collector.testing import running_collector

    with running_collector(inspector=True) as collector:
        yield collector


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium with a fresh profile. Missing Chromium fails the tests (run ``make browser-deps``);
    ``BOTANALYTICS_SKIP_BROWSER_TESTS=1`` skips them instead."""
    if os.environ.get("BOTANALYTICS_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("BOTANALYTICS_SKIP_BROWSER_TESTS=1")
    from devtools.collector.inspector import chromium_paths, headless_chromium

    try:
        chromium_paths()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    driver = headless_chromium(1280, 1000)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

"""Which Lambda Python runtimes the layer declares, derived from aws-cdk-lib rather than hard-coded.

A hard-coded list silently leaves out each new Python runtime until someone edits it (the layer then
does not show up in the console's layer picker for that runtime, and ``Function.add_layers`` refuses
it). Here the list is every Python runtime that the installed aws-cdk-lib knows, from
``MIN_PYTHON`` up: upgrading aws-cdk-lib is enough to declare a new version. The layer is
standard-library-only pure Python, so nothing in it depends on the minor version or the architecture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import aws_lambda as lambda_

MIN_PYTHON: tuple[int, int] = (3, 9)
# Versions the project's own tests run the layer on (tox / `make test-layer-pythons`).
TESTED_PYTHONS: tuple[tuple[int, int], ...] = ((3, 9), (3, 10), (3, 11), (3, 12), (3, 13))
# Runtimes Lambda has deprecated (still run, but cannot be created/updated after the block dates).
DEPRECATED_PYTHONS: tuple[tuple[int, int], ...] = ((3, 9),)
# The Lambda API accepts at most this many CompatibleRuntimes per layer version.
MAX_COMPATIBLE_RUNTIMES = 15

_PYTHON_NAME = re.compile(r"^python(\d+)\.(\d+)$")


def python_version(runtime: lambda_.Runtime | None) -> tuple[int, int] | None:
    """``(3, 12)`` for ``python3.12``; None for a non-Python or unparseable runtime."""
    if runtime is None:
        return None
    match = _PYTHON_NAME.match(runtime.name or "")
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def is_python(runtime: lambda_.Runtime | None) -> bool:
    return runtime is not None and runtime.family == lambda_.RuntimeFamily.PYTHON


def supported_python_runtimes(
    minimum: tuple[int, int] = MIN_PYTHON, known: Sequence[lambda_.Runtime] | None = None
) -> list[lambda_.Runtime]:
    """Every Python runtime in ``known`` (default ``Runtime.ALL``) from ``minimum`` up, oldest first."""
    found = []
    for runtime in lambda_.Runtime.ALL if known is None else known:
        version = python_version(runtime)
        if is_python(runtime) and version is not None and version >= minimum:
            found.append((version, runtime))
    found.sort(key=lambda pair: pair[0])
    runtimes = [runtime for _, runtime in found]
    # Keep the newest ones if aws-cdk-lib ever lists more than the API accepts.
    return runtimes[-MAX_COMPATIBLE_RUNTIMES:]


def is_supported(runtime: lambda_.Runtime | None, minimum: tuple[int, int] = MIN_PYTHON) -> bool:
    """True for a Python runtime at or above ``minimum``, including versions newer than aws-cdk-lib knows."""
    version = python_version(runtime)
    return is_python(runtime) and version is not None and version >= minimum


def format_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"

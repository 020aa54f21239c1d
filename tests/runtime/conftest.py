"""Fixtures for the runtime tests: toy functions (``functions/``) run by ``devtools.lambda_runtime``.

``make_lambda(handler, **options)`` starts a :class:`LocalLambda` on the toy code and closes it after
the test. ``runtime_python`` gives an interpreter with awslambdaric for a Python version (the dev
venv for 3.11; a venv made once under ``build/venvs/`` for the others).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devtools.lambda_runtime import LocalLambda, runtime_python as _venv_python

FUNCTIONS = Path(__file__).parent / "functions"
DEV = "%d.%d" % sys.version_info[:2]
#: The oldest and newest Lambda Python runtimes available here, besides the dev interpreter.
OTHER_PYTHONS = ["3.9", "3.13"]


def python_for(version: str) -> str:
    return sys.executable if version == DEV else str(_venv_python(version))


@pytest.fixture(scope="session")
def runtime_python():
    return python_for


@pytest.fixture
def make_lambda(tmp_path):
    made = []

    def make(handler: str, **options) -> LocalLambda:
        options.setdefault("tmp_dir", tmp_path / "sandbox-tmp")
        fn = LocalLambda(handler=handler, code_dir=FUNCTIONS, **options)
        made.append(fn)
        return fn

    yield make
    for fn in made:
        fn.close()


@pytest.fixture(params=[DEV, *OTHER_PYTHONS], ids=lambda v: f"py{v}")
def any_python(request):
    """Run the test once per interpreter: the dev one, the oldest and the newest runtime."""
    return python_for(request.param)

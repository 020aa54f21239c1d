"""Zero-code attach: point the function's handler at ``botanalytics.handler.lambda_handler`` and name
the original in ``BOTANALYTICS_LAMBDA_HANDLER`` (or use ``AWS_LAMBDA_EXEC_WRAPPER=/opt/botanalytics-wrapper``,
which does both). The original is resolved once, at init, exactly as the Lambda runtime resolves a
handler string (``folder/module.function``; a folder may be named ``lambda``). A handler that already
carries ``@botanalytics.track`` is not wrapped twice.
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from .tracker import track

ENV_NAME = "BOTANALYTICS_LAMBDA_HANDLER"


class HandlerNotFound(ImportError):
    """The original handler named in BOTANALYTICS_LAMBDA_HANDLER cannot be imported (an init error)."""


def resolve(spec: str) -> Callable[..., Any]:
    module_path, _, function_name = spec.strip().rpartition(".")
    if not module_path or not function_name:
        raise HandlerNotFound(f"{ENV_NAME}={spec!r} is not of the form 'module.function'")
    module_name = module_path.replace("/", ".").strip(".")
    if module_name == "botanalytics.handler":
        raise HandlerNotFound(f"{ENV_NAME} names this wrapper itself; name the function's own handler")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HandlerNotFound(f"{ENV_NAME}: cannot import module {module_name!r}: {exc}") from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        raise HandlerNotFound(f"{ENV_NAME}: module {module_name!r} has no handler function {function_name!r}")
    return function  # type: ignore[no-any-return]


def _load() -> Callable[..., Any]:
    spec = os.environ.get(ENV_NAME, "")
    if not spec:
        raise HandlerNotFound(f"{ENV_NAME} is not set: it must name the function's original handler")
    return track(resolve(spec))


lambda_handler = _load()

"""A local AWS Lambda: the Runtime API and Extensions API on loopback, driving the real ``awslambdaric``.

Dev tooling only (never shipped in the layer). Public surface::

    from devtools.lambda_runtime import LocalLambda, Invocation, ShutdownInfo, runtime_python

See :class:`LocalLambda`, and ``python -m devtools.lambda_runtime --help`` for the CLI.
"""

from .local import Invocation, LocalLambda, ShutdownInfo, python_version
from .venvs import find_python, runtime_python

__all__ = ["Invocation", "LocalLambda", "ShutdownInfo", "find_python", "python_version", "runtime_python"]

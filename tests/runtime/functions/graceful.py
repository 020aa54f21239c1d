"""Installs a SIGTERM handler that writes a marker file to /tmp (TMPDIR) and exits."""

import os
import signal
import sys


def _on_sigterm(signum, frame):
    with open(os.path.join(os.environ["TMPDIR"], "sigterm-received"), "w") as f:
        f.write(str(os.getpid()))
    sys.exit(0)


signal.signal(signal.SIGTERM, _on_sigterm)


def handler(event, context):
    return {"pid": os.getpid()}

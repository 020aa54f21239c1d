"""A function with its own SIGTERM handler, installed before the decorator: ours must chain to it."""

import os
import signal
import sys

import botanalytics
from reply import respond


def _on_sigterm(signum, frame):
    with open(os.path.join(os.environ["TMPDIR"], "user-sigterm-ran"), "w") as marker:
        marker.write("yes")
    sys.stdout.flush()
    os._exit(0)


signal.signal(signal.SIGTERM, _on_sigterm)


@botanalytics.track
def handler(event, context):
    return respond(event, context)

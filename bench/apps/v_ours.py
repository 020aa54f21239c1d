"""Variant "ours": the bots decorated with ``@botanalytics.track``, configured from the environment
(``BOTANALYTICS_TOKEN``, ``BOTANALYTICS_API_URL``, ``BOTANALYTICS_CA_BUNDLE``, ...), as a user would."""
import os
import sys

import botanalytics

import bots

alexa = botanalytics.track(bots.alexa)
webchat = botanalytics.track(bots.webchat)


def _post_response_registered() -> bool:
    """Whether the internal extension registered (post-response delivery), by whatever name the layer
    exposes it; False when the layer has no extension yet."""
    ext = sys.modules.get("botanalytics.extension")
    for name in ("is_registered", "registered", "_extension", "_registered"):
        value = getattr(ext, name, None)
        if callable(value):
            try:
                value = value()
            except Exception:  # noqa: BLE001
                value = None
        if value:
            return True
    return False


if os.environ.get("BENCH_PROBE_MODE"):  # read by the benchmark from the runtime's init log
    print(f"BENCH-MODE post_response={_post_response_registered()}", file=sys.stderr, flush=True)

"""The toy bot with ``@botanalytics.track``; options a test needs that have no BOTANALYTICS_* variable
come from TOY_* variables."""

import os

import botanalytics
from reply import respond

OPTIONS = {}
if os.environ.get("TOY_BREAKER_COOLDOWN_MS"):
    OPTIONS["breaker_cooldown_ms"] = int(os.environ["TOY_BREAKER_COOLDOWN_MS"])
if os.environ.get("TOY_RESERVE_MS"):
    OPTIONS["reserve_ms"] = int(os.environ["TOY_RESERVE_MS"])


@botanalytics.track(**OPTIONS)
def handler(event, context):
    return respond(event, context)


def untracked_handler(event, context):
    """The Lambda handler of a function that decorated something else: it never hands over."""
    return respond(event, context)


_SENTINEL = {"same": "object"}


@botanalytics.track(**OPTIONS)
def _returns_sentinel(event, context):
    return _SENTINEL


def identity(event, context):
    """Whether the wrapper returns the handler's own object (not a copy)."""
    return {"same_object": _returns_sentinel(event, context) is _SENTINEL}

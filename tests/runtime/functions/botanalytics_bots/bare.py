"""The toy bot without the layer (the baseline for latency)."""

from reply import respond


def handler(event, context):
    return respond(event, context)

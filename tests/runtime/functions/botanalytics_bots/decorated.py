"""A function that already carries the decorator, also attached through the zero-code wrapper."""

import botanalytics
from reply import respond


@botanalytics.track
def handler(event, context):
    return respond(event, context)

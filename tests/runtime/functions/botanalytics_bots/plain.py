"""An existing function, not edited: instrumented only through botanalytics.handler.lambda_handler."""

from reply import respond


def handler(event, context):
    return respond(event, context)

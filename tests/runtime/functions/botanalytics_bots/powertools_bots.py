"""The toy bot under Powertools' Logger and Tracer decorators, in both orders."""

import botanalytics
from aws_lambda_powertools import Logger, Tracer
from reply import respond

logger = Logger(service="toy-bot")
tracer = Tracer(service="toy-bot")  # POWERTOOLS_TRACE_DISABLED=true locally


@logger.inject_lambda_context
@botanalytics.track
def logger_outside(event, context):
    logger.info("answering")
    return respond(event, context)


@botanalytics.track
@logger.inject_lambda_context
def logger_inside(event, context):
    logger.info("answering")
    return respond(event, context)


@tracer.capture_lambda_handler
@botanalytics.track
def tracer_outside(event, context):
    return respond(event, context)


@botanalytics.track
@tracer.capture_lambda_handler
def tracer_inside(event, context):
    return respond(event, context)

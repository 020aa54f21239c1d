"""CDK infrastructure for botanalytics-lambda: the layer stack, the reference bots and the construct."""

from .construct import HANDLER_REDIRECT, Botanalytics, BotanalyticsAspect
from .layer_stack import LayerStack, latest_parameter_name, version_parameter_name
from .reference_bots_stack import BOTS, Bot, ReferenceBotsStack
from .runtimes import supported_python_runtimes

__all__ = [
    "BOTS",
    "HANDLER_REDIRECT",
    "Bot",
    "Botanalytics",
    "BotanalyticsAspect",
    "LayerStack",
    "ReferenceBotsStack",
    "latest_parameter_name",
    "supported_python_runtimes",
    "version_parameter_name",
]

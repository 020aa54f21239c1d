"""Variant "official SDK, async": ``AmazonAlexaLambda(is_async=True)`` / ``Generic(is_async=True)``."""
from official import make_handlers

alexa, webchat = make_handlers(is_async=True)

"""Variant "official SDK, sync": ``AmazonAlexa`` / ``Generic`` (the default mode)."""
from official import make_handlers

alexa, webchat = make_handlers(is_async=False)

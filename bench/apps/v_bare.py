"""Variant "bare": the bots with no analytics (handlers ``v_bare.alexa``, ``v_bare.webchat``)."""
from bots import alexa, webchat

__all__ = ["alexa", "webchat"]

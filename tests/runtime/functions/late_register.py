"""Registers an extension from inside the handler, i.e. after init: too late."""

from toy_extension import register


def handler(event, context):
    status, ext_id, body = register("late-ext", ["INVOKE"])
    return {"status": status, "body": body}

"""An internal extension that (wrongly) asks for SHUTDOWN too: Lambda refuses it with a 403."""

from toy_extension import register

STATUS, EXT_ID, BODY = register("greedy-ext", ["INVOKE", "SHUTDOWN"])


def handler(event, context):
    return {"status": STATUS, "extension_id": EXT_ID, "body": BODY}

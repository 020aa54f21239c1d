"""A function with an internal extension that works 50 ms (TOY_EXT_WORK_MS) after each response."""

import os

from toy_extension import ToyExtension

EXTENSION = ToyExtension("toy-ext", work_ms=int(os.environ.get("TOY_EXT_WORK_MS", "50")))


def handler(event, context):
    saw = EXTENSION.wait_for(context.aws_request_id)
    return {
        "registration_status": EXTENSION.status,
        "registration_body": EXTENSION.body,
        "extension_saw_this_invoke": saw,
        "invoke_event": next((e for e in EXTENSION.seen if e["requestId"] == context.aws_request_id), None),
        "work_done_for": list(EXTENSION.done),
        "request_id": context.aws_request_id,
    }

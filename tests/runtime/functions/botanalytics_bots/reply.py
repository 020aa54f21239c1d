"""The toy bot's logic, shared by the tracked and the bare variants: an Alexa skill that answers every
request and puts the Lambda request id into the response (so each stored record shows its invocation).

Knobs in the event (ignored by Alexa detection): ``toy.sleep_s`` (work before answering), ``toy.raise``
(raise RuntimeError with that message), ``toy.return`` (return exactly that value instead).
"""

import time


def respond(event, context):
    toy = (event.get("toy") or {}) if isinstance(event, dict) else {}
    if toy.get("sleep_s"):
        time.sleep(toy["sleep_s"])
    if toy.get("raise"):
        raise RuntimeError(toy["raise"])
    if "return" in toy:
        return toy["return"]
    return {
        "version": "1.0",
        "sessionAttributes": {"lambdaRequestId": context.aws_request_id},
        "response": {
            "outputSpeech": {"type": "PlainText", "text": "Your roses are ordered."},
            "shouldEndSession": True,
        },
    }

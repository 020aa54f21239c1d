"""The "OrderFlowers" Lex bot's code hook, for Lex V2 (and V1, for bots not migrated yet).

Written as a Lex developer would, with Powertools' Logger; ``@botanalytics.track`` goes on top.
Sample events: ``events/lex/*.json``.
"""
import botanalytics
from aws_lambda_powertools import Logger

logger = Logger(service="order-flowers")

FLOWER_TYPES = ("roses", "tulips", "lilies")
CARD_TITLE = "Flower type"


def _card_buttons():
    return [{"text": flower.capitalize(), "value": flower} for flower in FLOWER_TYPES]


# -- Lex V2 ---------------------------------------------------------------------------------------------


def _slot_value(intent, name):
    slot = (intent.get("slots") or {}).get(name)
    if not slot:
        return None
    return (slot.get("value") or {}).get("interpretedValue")


def _v2(event):
    intent = dict(event["sessionState"]["intent"])
    intent["slots"] = dict(intent.get("slots") or {})
    attributes = event["sessionState"].get("sessionAttributes") or {}
    flowers = _slot_value(intent, "FlowerType")
    if event["invocationSource"] == "DialogCodeHook":
        if flowers is None or flowers.lower() not in FLOWER_TYPES:
            intent["slots"]["FlowerType"] = None
            return {
                "sessionState": {
                    "sessionAttributes": attributes,
                    "dialogAction": {"type": "ElicitSlot", "slotToElicit": "FlowerType"},
                    "intent": intent,
                },
                "messages": [
                    {"contentType": "PlainText", "content": "What type of flowers would you like to order?"},
                    {
                        "contentType": "ImageResponseCard",
                        "imageResponseCard": {"title": CARD_TITLE, "buttons": _card_buttons()},
                    },
                ],
            }
        return {"sessionState": {"sessionAttributes": attributes, "dialogAction": {"type": "Delegate"},
                                 "intent": intent}}
    intent["state"] = "Fulfilled"
    return {
        "sessionState": {
            "sessionAttributes": attributes,
            "dialogAction": {"type": "Close"},
            "intent": intent,
        },
        "messages": [{"contentType": "PlainText", "content": "Your " + flowers + " are ordered."}],
    }


# -- Lex V1 ---------------------------------------------------------------------------------------------


def _v1(event):
    intent = event["currentIntent"]
    slots = dict(intent["slots"])
    attributes = event.get("sessionAttributes") or {}
    flowers = slots.get("FlowerType")
    if event["invocationSource"] == "DialogCodeHook":
        if flowers is None or flowers.lower() not in FLOWER_TYPES:
            slots["FlowerType"] = None
            return {
                "sessionAttributes": attributes,
                "dialogAction": {
                    "type": "ElicitSlot",
                    "intentName": intent["name"],
                    "slots": slots,
                    "slotToElicit": "FlowerType",
                    "responseCard": {
                        "version": 1,
                        "contentType": "application/vnd.amazonaws.card.generic",
                        "genericAttachments": [
                            {"title": CARD_TITLE, "subTitle": "Pick one", "buttons": _card_buttons()}
                        ],
                    },
                },
            }
        return {"sessionAttributes": attributes, "dialogAction": {"type": "Delegate", "slots": slots}}
    return {
        "sessionAttributes": attributes,
        "dialogAction": {
            "type": "Close",
            "fulfillmentState": "Fulfilled",
            "message": {"contentType": "PlainText", "content": "Your " + flowers + " are ordered."},
        },
    }


@botanalytics.track
@logger.inject_lambda_context
def lambda_handler(event, context):
    if "sessionState" in event:
        logger.info("Lex V2 %s for %s", event["invocationSource"], event["sessionState"]["intent"]["name"])
        return _v2(event)
    logger.info("Lex V1 %s for %s", event["invocationSource"], event["currentIntent"]["name"])
    return _v1(event)

"""A small Alexa custom skill ("Flower Shop"), written the way a skill author would, plus one decorator.

Trigger: Alexa Skills Kit → Lambda. Sample events: ``events/alexa/*.json``.
"""
import botanalytics

SKILL_NAME = "Flower Shop"


def speak(text, reprompt=None, end_session=False, attributes=None):
    response = {
        "outputSpeech": {"type": "SSML", "ssml": "<speak>" + text + "</speak>"},
        "card": {"type": "Simple", "title": SKILL_NAME, "content": text},
        "shouldEndSession": end_session,
    }
    if reprompt:
        response["reprompt"] = {"outputSpeech": {"type": "SSML", "ssml": "<speak>" + reprompt + "</speak>"}}
    return {"version": "1.0", "sessionAttributes": attributes or {}, "response": response}


def on_launch(request, session):
    return speak(
        "Welcome to the Flower Shop. You can order roses, tulips or lilies. What would you like?",
        reprompt="What flowers would you like to order?",
    )


def on_intent(request, session):
    intent = request.get("intent", {})
    name = intent.get("name")
    if name == "OrderFlowersIntent":
        slot = intent.get("slots", {}).get("FlowerType", {})
        flowers = slot.get("value")
        if not flowers:
            return speak("Which flowers would you like?", reprompt="Roses, tulips or lilies?")
        return speak(
            "Your " + flowers + " are ordered. You can pick them up tomorrow.",
            end_session=True,
            attributes={"lastOrder": flowers},
        )
    if name == "AMAZON.HelpIntent":
        return speak("Say, for example, I want roses.", reprompt="What flowers would you like?")
    if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
        return speak("Goodbye.", end_session=True)
    return speak(
        "Sorry, I did not get that. What flowers would you like?", reprompt="Roses, tulips or lilies?"
    )


@botanalytics.track
def lambda_handler(event, context):
    request = event["request"]
    session = event.get("session", {})
    if request["type"] == "LaunchRequest":
        return on_launch(request, session)
    if request["type"] == "IntentRequest":
        return on_intent(request, session)
    # SessionEndedRequest: Alexa ignores any speech here; reply with an empty response.
    return {"version": "1.0", "response": {}}

"""cdk-nag (AwsSolutions pack) findings this project accepts, each with its reason.

cdk-nag 3 runs as a policy-validation plugin (``Validations.of(app).add_plugins``); an accepted
finding is acknowledged on the construct it concerns with ``Validations.of(scope).acknowledge``,
never for a whole stack, so the same rule still fires anywhere else.
"""

from __future__ import annotations

from typing import NamedTuple

import aws_cdk as cdk

from .reference_bots_stack import ReferenceBotsStack

BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


class Ack(NamedTuple):
    scope: str  # what it is on, for the record ("<each bot function>", "TokenSecret", ...)
    rule: str
    reason: str


SECRET_ROTATION = Ack(
    "TokenSecret, <each bot secret>, PauseSecret",
    "AwsSolutions-SMG4",
    "Each secret holds a credential shared with a third party: the API token issued in the Botanalytics "
    "dashboard, the Messenger page token issued by Meta (and the verify token entered in Meta's app "
    "dashboard), the pause webhook secret inside the URL registered with Botanalytics. No rotation "
    "function can mint or re-register them, so they are rotated by hand: issue or register the new value "
    "there, then aws secretsmanager put-secret-value.",
)
FUNCTION_ACKS = (
    Ack(
        "<each bot function>/ServiceRole",
        f"AwsSolutions-IAM4[{BASIC_EXECUTION_ROLE}]",
        "AWSLambdaBasicExecutionRole only allows writing CloudWatch Logs (CreateLogGroup, CreateLogStream, "
        "PutLogEvents); it is the minimal policy AWS maintains for every Lambda function.",
    ),
    Ack(
        "<each bot function>",
        "AwsSolutions-L1",
        "The reference bots run on the newest Python runtime the layer is tested on here (3.13); "
        "python3.14 exists in aws-cdk-lib but no 3.14 interpreter is available to test the layer on.",
    ),
)
WEBHOOK_AUTH = Ack(
    "WebhookApi/<each route>",
    "AwsSolutions-APIG4",
    "Webhook routes are called by chat platforms (Messenger, Slack, web chat) that cannot present IAM, "
    "Cognito or JWT credentials; each handler authenticates the request itself (platform signature or "
    "verify token), and the stage is throttled and access-logged.",
)


def acknowledgments(stack: cdk.Stack) -> list[Ack]:
    """Apply this project's acknowledgments to ``stack``; returns what was applied."""
    applied: list[Ack] = []

    def ack(scope: object, item: Ack) -> None:
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=item.rule, reason=item.reason))
        applied.append(item)

    if isinstance(stack, ReferenceBotsStack):
        if stack.token_secret.node.scope is stack and isinstance(stack.token_secret, cdk.Resource):
            ack(stack.token_secret, SECRET_ROTATION)
        for secret in [*stack.bot_secrets.values(), stack.pause_secret]:
            if secret is not None:
                ack(secret, SECRET_ROTATION)
        for fn in stack.functions.values():
            for item in FUNCTION_ACKS:
                ack(fn, item)
        if stack.http_api is not None:
            for route in stack.http_api_routes:
                ack(route, WEBHOOK_AUTH)
    return applied


def all_acknowledgments() -> list[Ack]:
    """Every acknowledgment this project may apply (for the docs and the tests)."""
    return [SECRET_ROTATION, *FUNCTION_ACKS, WEBHOOK_AUTH]

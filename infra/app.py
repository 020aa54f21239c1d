"""The CDK app: ``cdk synth`` / ``cdk deploy`` run ``python3 -m infra.app`` (see cdk.json).

Stacks: ``BotanalyticsLayer`` (the layer and its SSM parameters) and ``BotanalyticsReferenceBots``
(the reference bots with the layer attached; it depends on the layer stack). Every synth runs the
cdk-nag AwsSolutions pack; acknowledged findings and their reasons are in ``infra/nag.py``.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from .layer_stack import LayerStack
from .nag import acknowledgments
from .reference_bots_stack import ReferenceBotsStack

LAYER_STACK = "BotanalyticsLayer"
BOTS_STACK = "BotanalyticsReferenceBots"


def build_app(
    app: cdk.App | None = None, *, nag: bool = True
) -> tuple[cdk.App, LayerStack, ReferenceBotsStack]:
    app = app or cdk.App()
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    env = cdk.Environment(account=account, region=region) if account or region else None
    description = "Botanalytics for AWS Lambda: {}"
    layer = LayerStack.from_context(
        app, LAYER_STACK, env=env, description=description.format("the layer and its ARN in SSM")
    )
    bots = ReferenceBotsStack(
        app, BOTS_STACK, env=env, description=description.format("reference bots with the layer attached")
    )
    bots.add_stack_dependency(layer, "the bots read the layer ARN that the layer stack writes to SSM")
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
        acknowledgments(layer)
        acknowledgments(bots)
    return app, layer, bots


def main() -> None:
    app, _, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()

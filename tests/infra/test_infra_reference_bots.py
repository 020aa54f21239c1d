"""ReferenceBotsStack: the bots, their triggers, the layer attached, the webhook API, logs and outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from infra import BOTS, HANDLER_REDIRECT, Bot, ReferenceBotsStack
from infra.reference_bots_stack import handler_problem


@pytest.fixture(scope="module")
def stack() -> ReferenceBotsStack:
    return ReferenceBotsStack(cdk.App(), "Bots")


@pytest.fixture(scope="module")
def template(stack: ReferenceBotsStack) -> Template:
    return Template.from_stack(stack)


def _fn(template: Template, handler: str) -> dict[str, Any]:
    for resource in template.find_resources("AWS::Lambda::Function").values():
        props = resource["Properties"]
        if handler in (
            props["Handler"],
            props.get("Environment", {}).get("Variables", {}).get("BOTANALYTICS_LAMBDA_HANDLER"),
        ):
            return props
    raise AssertionError(handler)


def test_every_bot_runs_on_python_arm64_with_the_layer_and_token(template: Template) -> None:
    template.resource_count_is("AWS::Lambda::Function", len(BOTS))
    for bot in BOTS:
        props = _fn(template, bot.handler)
        assert props["Runtime"].startswith("python3.")
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == (bot.handler if bot.decorated else HANDLER_REDIRECT)
        assert {"Ref": Match.any_value()} == props["Layers"][0] or "Ref" in props["Layers"][0]
        variables = props["Environment"]["Variables"]
        assert (
            variables["BOTANALYTICS_TOKEN_SECRET_ARN"] == {"Ref": Match.any_value()}
            or "Ref" in variables["BOTANALYTICS_TOKEN_SECRET_ARN"]
        )
        assert "BOTANALYTICS_TOKEN" not in variables


def test_layer_arn_comes_from_the_latest_ssm_parameter(template: Template) -> None:
    parameters = template.to_json()["Parameters"]
    layer_refs = {
        layer["Ref"]
        for bot in BOTS
        for layer in _fn(template, bot.handler)["Layers"]
        if "botanalytics" in layer["Ref"]
    }
    assert len(layer_refs) == 1
    assert parameters[layer_refs.pop()]["Default"] == "/botanalytics/layer/latest"


def test_lex_function_also_gets_the_powertools_layer_from_its_public_parameter(template: Template) -> None:
    lex = next(b for b in BOTS if b.kind == "lex")
    layers = _fn(template, lex.handler)["Layers"]
    assert len(layers) == 2
    defaults = {template.to_json()["Parameters"][layer["Ref"]]["Default"] for layer in layers}
    assert "/aws/service/powertools/python/arm64/python3.13/latest" in defaults


def test_token_secret_and_its_least_privilege_grant(template: Template) -> None:
    template.resource_count_is("AWS::SecretsManager::Secret", 1)
    policies = template.find_resources("AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert statements and all(
        s["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"] for s in statements
    )
    assert all(s["Resource"] == {"Ref": Match.any_value()} or "Ref" in s["Resource"] for s in statements)


def test_alexa_skills_kit_trigger(template: Template, stack: ReferenceBotsStack) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "alexa-appkit.amazon.com",
        },
    )
    Annotations.from_stack(stack).has_warning(
        "/Bots/AlexaSkillFunction", Match.string_like_regexp("alexaSkillId")
    )


def test_alexa_skill_id_from_context_restricts_the_trigger() -> None:
    app = cdk.App(context={"botanalytics:alexaSkillId": "amzn1.ask.skill.test"})
    Template.from_stack(ReferenceBotsStack(app, "Bots")).has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Principal": "alexa-appkit.amazon.com",
            "EventSourceToken": "amzn1.ask.skill.test",
        },
    )


def test_lex_v2_bot_alias_and_invoke_permission(template: Template) -> None:
    template.resource_count_is("AWS::Lex::Bot", 1)
    template.has_resource_properties(
        "AWS::Lex::Bot",
        {
            "BotLocales": [
                Match.object_like(
                    {
                        "LocaleId": "en_US",
                        "Intents": Match.array_with(
                            [
                                Match.object_like({"Name": "OrderFlowers"}),
                                Match.object_like({"Name": "FallbackIntent"}),
                            ]
                        ),
                    }
                )
            ],
        },
    )
    template.has_resource_properties("AWS::Lex::BotAlias", {"BotAliasName": "live"})
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Principal": "lexv2.amazonaws.com",
            "SourceArn": Match.any_value(),
        },
    )


def test_webhook_routes_on_an_http_api_with_access_logs(template: Template) -> None:
    routes = [r for b in BOTS for r in b.routes]
    template.resource_count_is("AWS::ApiGatewayV2::Route", len(routes))
    for route in routes:
        template.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": route})
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.any_value()},
            "DefaultRouteSettings": Match.object_like({"ThrottlingRateLimit": Match.any_value()}),
        },
    )


def test_log_retention_on_every_log_group(template: Template) -> None:
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert len(groups) == len(BOTS) + 1
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in groups.values())
    for bot in BOTS:
        assert "LoggingConfig" in _fn(template, bot.handler)


def test_outputs_a_user_needs(template: Template) -> None:
    outputs = set(template.find_outputs("*"))
    assert {
        "TokenSecretArn",
        "LayerVersionArn",
        "AlexaSkillEndpointArn",
        "LexBotId",
        "LexBotAliasId",
        "WebChatWebhookUrlPost",
    } <= outputs


def test_adding_a_webhook_bot_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "messenger.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    bots = (
        Bot(
            "Messenger",
            "messenger.lambda_handler",
            "Messenger",
            routes=("GET /messenger", "POST /messenger"),
            decorated=False,
        ),
    )
    stack = ReferenceBotsStack(cdk.App(), "Bots", bots=bots, handlers_dir=tmp_path)
    template = Template.from_stack(stack)
    for key in ("GET /messenger", "POST /messenger"):
        template.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": key})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": HANDLER_REDIRECT,
            "Environment": {
                "Variables": Match.object_like({"BOTANALYTICS_LAMBDA_HANDLER": "messenger.lambda_handler"})
            },
        },
    )
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("handler"))


def test_a_handler_that_does_not_exist_is_flagged(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("def handler(event, context):\n    return {}\n")
    assert handler_problem(tmp_path, "bot.handler") is None
    assert "no top-level 'lambda_handler'" in (handler_problem(tmp_path, "bot.lambda_handler") or "")
    assert "not in" in (handler_problem(tmp_path, "nothere.handler") or "")
    stack = ReferenceBotsStack(
        cdk.App(),
        "Bots",
        handlers_dir=tmp_path,
        bots=(Bot("Web", "nothere.lambda_handler", "x", routes=("POST /x",)),),
    )
    Annotations.from_stack(stack).has_warning(
        "/Bots/WebFunction", Match.string_like_regexp("Lambda will fail")
    )

"""ReferenceBotsStack: the bots, their triggers, the layer attached, the webhook API, logs and outputs."""

from __future__ import annotations

import json
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
        if bot.in_layer:  # the pause webhook: the layer's own handler, reports nothing, no token
            assert not any(k.startswith("BOTANALYTICS_TOKEN") for k in variables)
            continue
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


def _statements(template: Template, handler: str | None = None) -> list[dict[str, Any]]:
    """Policy statements (of the role of the function with ``handler``, or of every policy)."""
    role = None
    if handler is not None:
        role = _fn(template, handler)["Role"]["Fn::GetAtt"][0]
    return [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        if role is None or {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def _secret_statements(template: Template) -> list[dict[str, Any]]:
    return [s for s in _statements(template) if str(s["Action"]).startswith("['secretsmanager")]


def test_token_secret_and_its_least_privilege_grant(template: Template) -> None:
    # the Botanalytics token, the Messenger tokens, the pause webhook's shared secret
    template.resource_count_is("AWS::SecretsManager::Secret", 3)
    statements = _secret_statements(template)
    assert len(_statements(template)) == len(statements) + 2  # + the two DynamoDB grants
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
        "MessengerWebhookUrlGet",
        "MessengerWebhookUrlPost",
        "MessengerSecretArn",
        "PauseWebhookUrlPost",
        "PauseSecretArn",
        "PauseTableName",
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


# -- Messenger bot and live person takeover ------------------------------------------------------------

MESSENGER = next(b for b in BOTS if b.name == "Messenger")
PAUSE = next(b for b in BOTS if b.name == "Pause")


def _table_id(template: Template) -> str:
    [table_id] = template.find_resources("AWS::DynamoDB::Table")
    return table_id


def test_messenger_bot_and_pause_webhook_routes(template: Template) -> None:
    assert MESSENGER.handler == "messenger_bot.lambda_handler" and MESSENGER.decorated
    for key in ("GET /messenger", "POST /messenger", "POST /pause"):
        template.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": key})
    # the pause webhook is the layer's own handler, not redirected through @track
    assert _fn(template, "botanalytics.pause.pause_webhook_handler")["Handler"] == PAUSE.handler
    assert _fn(template, "messenger_bot.lambda_handler")["Handler"] == "messenger_bot.lambda_handler"


def test_the_pause_webhook_handler_is_found_in_the_layer(stack: ReferenceBotsStack) -> None:
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("Lambda will fail"))


def test_pause_table_on_demand_with_pitr_retained(template: Template) -> None:
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like(
                {
                    "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                }
            ),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_both_functions_get_the_table_name(template: Template) -> None:
    table = {"Ref": _table_id(template)}
    for bot in (MESSENGER, PAUSE):
        assert _fn(template, bot.handler)["Environment"]["Variables"]["BOTANALYTICS_PAUSE_TABLE"] == table
    others = [b for b in BOTS if not b.pause_state]
    assert others
    for bot in others:
        assert "BOTANALYTICS_PAUSE_TABLE" not in _fn(template, bot.handler)["Environment"]["Variables"]


def _dynamodb_actions(template: Template, handler: str) -> list[str]:
    table = _table_id(template)
    actions: list[str] = []
    for s in _statements(template, handler):
        statement_actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        if any(a.startswith("dynamodb:") for a in statement_actions):
            assert s["Effect"] == "Allow"
            # the table itself, no wildcard (no index ARN, no other table)
            assert s["Resource"] in ({"Fn::GetAtt": [table, "Arn"]}, [{"Fn::GetAtt": [table, "Arn"]}]), s
            actions += statement_actions
    return sorted(actions)


def test_least_privilege_on_the_pause_table(template: Template) -> None:
    assert _dynamodb_actions(template, MESSENGER.handler) == ["dynamodb:GetItem"]  # is_paused
    assert _dynamodb_actions(template, PAUSE.handler) == ["dynamodb:GetItem", "dynamodb:PutItem"]
    for bot in BOTS:
        if not bot.pause_state:
            assert _dynamodb_actions(template, bot.handler) == []


def test_pause_webhook_gets_no_botanalytics_token_and_a_shared_secret(template: Template) -> None:
    assert _secret_statements_of(template, PAUSE.handler) == []
    secret = _fn(template, PAUSE.handler)["Environment"]["Variables"]["BOTANALYTICS_PAUSE_SECRET"]
    # a dynamic reference resolved at deploy time: the value is never in the template
    assert "{{resolve:secretsmanager:" in json.dumps(secret)


def _secret_statements_of(template: Template, handler: str) -> list[dict[str, Any]]:
    return [s for s in _statements(template, handler) if str(s["Action"]).startswith("['secretsmanager")]


def test_messenger_tokens_are_in_a_secret_with_placeholders_never_real_tokens(template: Template) -> None:
    variables = _fn(template, MESSENGER.handler)["Environment"]["Variables"]
    assert not {"MESSENGER_PAGE_TOKEN", "MESSENGER_VERIFY_TOKEN"} & set(variables)
    arn = variables["MESSENGER_SECRET_ARN"]
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    messenger_secret = secrets[arn["Ref"]]["Properties"]["GenerateSecretString"]
    assert json.loads(messenger_secret["SecretStringTemplate"]) == {"page_token": "REPLACE_ME"}
    assert messenger_secret["GenerateStringKey"] == "verify_token"
    # the bot reads its own secret and the Botanalytics token, nothing else
    resources = [s["Resource"] for s in _secret_statements_of(template, MESSENGER.handler)]
    assert arn in resources and len(resources) == 2


def test_outputs_the_pause_webhook_url(template: Template) -> None:
    output = template.find_outputs("PauseWebhookUrlPost")["PauseWebhookUrlPost"]
    assert "/pause" in json.dumps(output["Value"])
    assert "secret" in output["Description"]

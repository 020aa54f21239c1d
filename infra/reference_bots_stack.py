"""``ReferenceBotsStack``: the reference bots in ``handlers/``, deployed with the layer attached.

One table, ``BOTS``, lists them. A webhook bot (Messenger, Slack, a pause webhook for live person
takeover, ...) is one more line there: a handler and its HTTP API routes.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lex as lex
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from .construct import Botanalytics
from .layer_stack import PARAMETER_PREFIX, latest_parameter_name

REPO_ROOT = Path(__file__).resolve().parent.parent
HANDLERS_DIR = REPO_ROOT / "handlers"
LAYER_PYTHON_DIR = REPO_ROOT / "layer" / "python"
HANDLER_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache", "*.md"]
BOT_RUNTIME = lambda_.Runtime.PYTHON_3_13
BOT_ARCHITECTURE = lambda_.Architecture.ARM_64
LEX_LOCALE = "en_US"
FLOWER_TYPES = ("roses", "tulips", "lilies")
# Powertools publishes its layer ARNs per region in public SSM parameters (resolved at deploy time).
POWERTOOLS_PARAMETER = "/aws/service/powertools/python/{arch}/{runtime}/latest"


@dataclass(frozen=True)
class BotSecret:
    """A secret of the bot's own (platform tokens), its ARN in ``env``: a JSON object whose
    ``placeholders`` keys the user fills in after deploying and whose ``generated`` key is random."""

    env: str
    placeholders: tuple[str, ...] = ()
    generated: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Bot:
    """One reference bot: a Lambda function from ``handlers/`` and how it is reached."""

    name: str  # construct id prefix, CamelCase
    handler: str  # "module.function" inside handlers/
    description: str
    kind: str = "webhook"  # "alexa" | "lex" | "webhook"
    routes: tuple[str, ...] = ()  # HTTP API routes for webhooks: "POST /webchat"
    decorated: bool = True  # True: the code uses @botanalytics.track; False: zero-code redirect
    powertools: bool = False  # needs the AWS-published Powertools for AWS Lambda (Python) layer
    in_layer: bool = False  # the handler is the layer's own (the pause webhook): layer only, no token
    pause_state: str = ""  # "read": checks live person takeover; "write": the pause webhook
    secret: BotSecret | None = None


BOTS: tuple[Bot, ...] = (
    Bot("AlexaSkill", "alexa_skill.lambda_handler", "Botanalytics reference Alexa skill", kind="alexa"),
    Bot(
        "LexBot",
        "lex_bot.lambda_handler",
        "Botanalytics reference Amazon Lex V2 code hook (OrderFlowers)",
        kind="lex",
        powertools=True,
    ),
    Bot(
        "WebChat",
        "webchat.lambda_handler",
        "Botanalytics reference web chat (generic JSON webhook)",
        routes=("POST /webchat",),
    ),
    Bot(
        "Messenger",
        "messenger_bot.lambda_handler",
        "Botanalytics reference Messenger bot (page webhook, Send API replies)",
        routes=("GET /messenger", "POST /messenger"),
        pause_state="read",
        secret=BotSecret(
            "MESSENGER_SECRET_ARN",
            placeholders=("page_token",),
            generated="verify_token",
            description="Messenger tokens of the reference bot: put the page access token in page_token; "
            "enter verify_token (generated) as the Verify Token of the webhook in the Meta app dashboard",
        ),
    ),
    Bot(
        "Pause",
        "botanalytics.pause.pause_webhook_handler",
        "Botanalytics live person takeover: the pause webhook (paused state in DynamoDB)",
        routes=("POST /pause",),
        in_layer=True,
        pause_state="write",
    ),
)
PAUSE_STATE = ("", "read", "write")
SECRET_PLACEHOLDER = "REPLACE_ME"


class ReferenceBotsStack(cdk.Stack):
    """The reference bots, the token secret, an HTTP API for webhooks, log groups and outputs.

    Live person takeover: bots with ``pause_state`` share one DynamoDB table (``BOTANALYTICS_PAUSE_TABLE``;
    ``GetItem`` for a bot that reads it, ``GetItem``/``PutItem`` for the pause webhook, which also gets a
    generated shared secret in ``BOTANALYTICS_PAUSE_SECRET``). A bot with a ``secret`` gets a secret of its
    own (Messenger: ``page_token`` placeholder to fill in, generated ``verify_token``), ARN in its env.

    The layer ARN is read from SSM at deploy time (``layer_parameter_name``, default the ``latest``
    parameter that ``LayerStack`` writes) instead of a cross-stack export, so publishing a new layer
    version never blocks on an export in use. Deploy ``LayerStack`` first (``cdk deploy --all`` does).

    Context: ``botanalytics:tokenSecretArn`` (use an existing secret), ``botanalytics:alexaSkillId``
    (restrict the Alexa trigger to one skill), ``botanalytics:apiUrl``, ``botanalytics:budgetMs``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bots: Sequence[Bot] = BOTS,
        handlers_dir: Path = HANDLERS_DIR,
        layer: lambda_.ILayerVersion | None = None,
        layer_parameter_name: str = latest_parameter_name(PARAMETER_PREFIX),
        token_secret_arn: str | None = None,
        alexa_skill_id: str | None = None,
        api_url: str | None = None,
        budget_ms: int | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        lex_bot_name: str = "BotanalyticsReferenceBot",
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ctx = self.node.try_get_context
        token_secret_arn = token_secret_arn or ctx("botanalytics:tokenSecretArn")
        alexa_skill_id = alexa_skill_id or ctx("botanalytics:alexaSkillId")
        api_url = api_url or ctx("botanalytics:apiUrl")
        if budget_ms is None and ctx("botanalytics:budgetMs") is not None:
            budget_ms = int(ctx("botanalytics:budgetMs"))

        if token_secret_arn:
            self.token_secret = secretsmanager.Secret.from_secret_complete_arn(
                self, "TokenSecret", token_secret_arn
            )
        else:
            self.token_secret = secretsmanager.Secret(
                self,
                "TokenSecret",
                description="Botanalytics API token for the reference bots. Replace the generated value: "
                "aws secretsmanager put-secret-value --secret-id <arn> --secret-string <token>",
            )

        self.botanalytics = Botanalytics(
            self,
            "Botanalytics",
            token_secret=self.token_secret,
            layer=layer,
            layer_parameter_name=None if layer is not None else layer_parameter_name,
            api_url=api_url,
            budget_ms=budget_ms,
        )

        code = lambda_.Code.from_asset(str(handlers_dir), exclude=HANDLER_EXCLUDES)
        self.functions: dict[str, lambda_.Function] = {}
        self.bot_secrets: dict[str, secretsmanager.Secret] = {}
        self.http_api_routes: list[apigwv2.HttpRoute] = []
        self.pause_table: dynamodb.Table | None = None
        self.pause_secret: secretsmanager.Secret | None = None
        webhooks = []
        for bot in bots:
            if bot.pause_state not in PAUSE_STATE:
                raise ValueError(f"{bot.name}: pause_state must be one of {PAUSE_STATE}: {bot.pause_state!r}")
            fn = self._function(bot, code, log_retention)
            if bot.in_layer:
                # The layer's own handler (botanalytics.pause.pause_webhook_handler): the layer, no
                # @track, no token grant: it reports nothing to Botanalytics.
                _check_handler_exists(fn, LAYER_PYTHON_DIR, bot.handler)
                fn.add_layers(self.botanalytics.layer_for(self))
            else:
                _check_handler_exists(fn, handlers_dir, bot.handler)
                self.botanalytics.attach(fn, redirect_handler=not bot.decorated)
            if bot.secret is not None:
                self._bot_secret(bot, bot.secret, fn)
            if bot.pause_state:
                self._pause_state(bot, fn)
            self.functions[bot.name] = fn
            if bot.kind == "alexa":
                self._alexa_trigger(fn, alexa_skill_id)
            elif bot.kind == "lex":
                self._lex_bot(fn, lex_bot_name)
            elif bot.kind == "webhook":
                webhooks.append((bot, fn))
            else:
                raise ValueError(f"unknown bot kind {bot.kind!r} for {bot.name}")
        self.http_api = self._http_api(webhooks, log_retention) if webhooks else None

        cdk.CfnOutput(
            self,
            "TokenSecretArn",
            value=self.token_secret.secret_arn,
            description="Put your Botanalytics API token here",
        )
        cdk.CfnOutput(
            self,
            "LayerVersionArn",
            value=self.botanalytics.layer_for(self).layer_version_arn,
            description="The botanalytics layer version the bots were deployed with",
        )

    # -- pieces -----------------------------------------------------------------------------------

    def _bot_secret(self, bot: Bot, spec: BotSecret, fn: lambda_.Function) -> None:
        template = {key: SECRET_PLACEHOLDER for key in spec.placeholders}
        secret = secretsmanager.Secret(
            self,
            f"{bot.name}Secret",
            description=spec.description or f"Platform tokens of {bot.name}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(template),
                generate_string_key=spec.generated,
                exclude_punctuation=True,
            )
            if spec.generated
            else None,
            secret_object_value=None
            if spec.generated
            else {key: cdk.SecretValue.unsafe_plain_text(value) for key, value in template.items()},
        )
        secret.grant_read(fn)
        fn.add_environment(spec.env, secret.secret_arn)
        self.bot_secrets[bot.name] = secret
        cdk.CfnOutput(
            self,
            f"{bot.name}SecretArn",
            value=secret.secret_arn,
            description=f"Put {', '.join(spec.placeholders) or 'the tokens'} of {bot.name} here",
        )

    def _pause_table(self) -> dynamodb.Table:
        if self.pause_table is None:
            # RETAIN (the CloudFormation default for tables): the table holds which users a human agent
            # has taken over; deleting or replacing the stack must not silently drop that state and let
            # the bot talk over a live agent. Delete the table by hand once the bots are gone.
            self.pause_table = dynamodb.Table(
                self,
                "PauseTable",
                partition_key=dynamodb.Attribute(name="user_id", type=dynamodb.AttributeType.STRING),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            cdk.CfnOutput(
                self,
                "PauseTableName",
                value=self.pause_table.table_name,
                description="Live person takeover state (BOTANALYTICS_PAUSE_TABLE)",
            )
        return self.pause_table

    def _pause_state(self, bot: Bot, fn: lambda_.Function) -> None:
        table = self._pause_table()
        fn.add_environment("BOTANALYTICS_PAUSE_TABLE", table.table_name)
        if bot.pause_state == "read":
            table.grant(fn, "dynamodb:GetItem")  # botanalytics.pause.is_paused
            return
        table.grant(fn, "dynamodb:GetItem", "dynamodb:PutItem")  # set_paused (conditional put)
        if self.pause_secret is None:
            self.pause_secret = secretsmanager.Secret(
                self,
                "PauseSecret",
                description="Shared secret of the pause webhook: register its URL with ?secret=<this value> "
                "as the livechat webhook_url",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    exclude_punctuation=True, password_length=40
                ),
            )
            cdk.CfnOutput(
                self,
                "PauseSecretArn",
                value=self.pause_secret.secret_arn,
                description="Append ?secret=<this secret's value> to the pause webhook URL you register",
            )
        # The layer reads the shared secret from its environment; it is resolved at deploy time (a
        # dynamic reference, never in the template). It also travels in the registered webhook URL.
        fn.add_environment("BOTANALYTICS_PAUSE_SECRET", self.pause_secret.secret_value.unsafe_unwrap())

    def _function(self, bot: Bot, code: lambda_.Code, retention: logs.RetentionDays) -> lambda_.Function:
        log_group = logs.LogGroup(
            self, f"{bot.name}Logs", retention=retention, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        layers = []
        if bot.powertools:
            name = POWERTOOLS_PARAMETER.format(arch=BOT_ARCHITECTURE.name, runtime=BOT_RUNTIME.name)
            arn = ssm.StringParameter.value_for_string_parameter(self, name)
            layers.append(lambda_.LayerVersion.from_layer_version_arn(self, f"{bot.name}Powertools", arn))
        return lambda_.Function(
            self,
            f"{bot.name}Function",
            description=bot.description,
            runtime=BOT_RUNTIME,
            architecture=BOT_ARCHITECTURE,
            handler=bot.handler,
            code=code,
            memory_size=256,
            timeout=cdk.Duration.seconds(10),
            log_group=log_group,
            layers=layers,
        )

    def _alexa_trigger(self, fn: lambda_.Function, skill_id: str | None) -> None:
        fn.add_permission(
            "AlexaSkillsKitTrigger",
            principal=iam.ServicePrincipal("alexa-appkit.amazon.com"),
            action="lambda:InvokeFunction",
            event_source_token=skill_id,
        )
        if not skill_id:
            cdk.Annotations.of(fn).add_warning_v2(
                "botanalytics:alexa-skill-id",
                "any Alexa skill may invoke this function: pass "
                "-c botanalytics:alexaSkillId=amzn1.ask.skill.... "
                "to enable skill ID verification",
            )
        cdk.CfnOutput(
            self,
            "AlexaSkillEndpointArn",
            value=fn.function_arn,
            description="Default endpoint ARN for the skill in the Alexa developer console",
        )

    def _lex_bot(self, fn: lambda_.Function, bot_name: str) -> None:
        role = iam.Role(
            self,
            "LexBotRole",
            assumed_by=iam.ServicePrincipal("lexv2.amazonaws.com"),
            description="Runtime role of the reference Lex V2 bot (text only: no permissions needed)",
        )
        hook = lex.CfnBot.CodeHookSpecificationProperty(
            lambda_code_hook=lex.CfnBot.LambdaCodeHookProperty(
                lambda_arn=fn.function_arn, code_hook_interface_version="1.0"
            )
        )
        fulfil = lex.CfnBot.FulfillmentCodeHookSettingProperty(enabled=True)
        bot = lex.CfnBot(
            self,
            "LexV2Bot",
            name=bot_name,
            description="Botanalytics reference bot (Amazon Lex V2)",
            role_arn=role.role_arn,
            data_privacy={"ChildDirected": False},
            idle_session_ttl_in_seconds=300,
            auto_build_bot_locales=True,
            bot_locales=[
                lex.CfnBot.BotLocaleProperty(
                    locale_id=LEX_LOCALE,
                    nlu_confidence_threshold=0.4,
                    slot_types=[
                        lex.CfnBot.SlotTypeProperty(
                            name="FlowerTypes",
                            description="Flowers the shop sells",
                            slot_type_values=[
                                lex.CfnBot.SlotTypeValueProperty(
                                    sample_value=lex.CfnBot.SampleValueProperty(value=flower)
                                )
                                for flower in FLOWER_TYPES
                            ],
                            value_selection_setting=lex.CfnBot.SlotValueSelectionSettingProperty(
                                resolution_strategy="TOP_RESOLUTION"
                            ),
                        )
                    ],
                    intents=[
                        lex.CfnBot.IntentProperty(
                            name="OrderFlowers",
                            description="Order a bunch of flowers",
                            sample_utterances=[
                                lex.CfnBot.SampleUtteranceProperty(utterance=u)
                                for u in (
                                    "I would like to order flowers",
                                    "I want to buy some flowers",
                                    "Order {FlowerType}",
                                    "Can I get some flowers",
                                )
                            ],
                            dialog_code_hook=lex.CfnBot.DialogCodeHookSettingProperty(enabled=True),
                            fulfillment_code_hook=fulfil,
                            slots=[
                                lex.CfnBot.SlotProperty(
                                    name="FlowerType",
                                    slot_type_name="FlowerTypes",
                                    value_elicitation_setting=lex.CfnBot.SlotValueElicitationSettingProperty(
                                        slot_constraint="Required",
                                        prompt_specification=lex.CfnBot.PromptSpecificationProperty(
                                            max_retries=2,
                                            message_groups_list=[
                                                _plain_text("What type of flowers would you like to order?")
                                            ],
                                        ),
                                    ),
                                )
                            ],
                            slot_priorities=[
                                lex.CfnBot.SlotPriorityProperty(priority=1, slot_name="FlowerType")
                            ],
                        ),
                        lex.CfnBot.IntentProperty(
                            name="FallbackIntent",
                            description="Anything else",
                            parent_intent_signature="AMAZON.FallbackIntent",
                            fulfillment_code_hook=fulfil,
                        ),
                    ],
                )
            ],
            test_bot_alias_settings=lex.CfnBot.TestBotAliasSettingsProperty(
                bot_alias_locale_settings=[
                    lex.CfnBot.BotAliasLocaleSettingsItemProperty(
                        locale_id=LEX_LOCALE,
                        bot_alias_locale_setting=lex.CfnBot.BotAliasLocaleSettingsProperty(
                            enabled=True, code_hook_specification=hook
                        ),
                    )
                ]
            ),
        )
        version = lex.CfnBotVersion(
            self,
            "LexV2BotVersion",
            bot_id=bot.attr_id,
            bot_version_locale_specification=[
                lex.CfnBotVersion.BotVersionLocaleSpecificationProperty(
                    locale_id=LEX_LOCALE,
                    bot_version_locale_details=lex.CfnBotVersion.BotVersionLocaleDetailsProperty(
                        source_bot_version="DRAFT"
                    ),
                )
            ],
        )
        alias = lex.CfnBotAlias(
            self,
            "LexV2BotAlias",
            bot_id=bot.attr_id,
            bot_alias_name="live",
            bot_version=version.attr_bot_version,
            bot_alias_locale_settings=[
                lex.CfnBotAlias.BotAliasLocaleSettingsItemProperty(
                    locale_id=LEX_LOCALE,
                    bot_alias_locale_setting=lex.CfnBotAlias.BotAliasLocaleSettingsProperty(
                        enabled=True,
                        code_hook_specification=lex.CfnBotAlias.CodeHookSpecificationProperty(
                            lambda_code_hook=lex.CfnBotAlias.LambdaCodeHookProperty(
                                lambda_arn=fn.function_arn, code_hook_interface_version="1.0"
                            )
                        ),
                    ),
                )
            ],
        )
        fn.add_permission(
            "LexV2Invoke",
            principal=iam.ServicePrincipal("lexv2.amazonaws.com"),
            action="lambda:InvokeFunction",
            source_arn=self.format_arn(service="lex", resource="bot-alias", resource_name=f"{bot.attr_id}/*"),
        )
        self.lex_bot = bot
        cdk.CfnOutput(self, "LexBotId", value=bot.attr_id)
        cdk.CfnOutput(self, "LexBotAliasId", value=alias.attr_bot_alias_id)

    def _http_api(
        self, webhooks: Sequence[tuple[Bot, lambda_.Function]], retention: logs.RetentionDays
    ) -> apigwv2.HttpApi:
        api = apigwv2.HttpApi(self, "WebhookApi", description="Webhooks of the Botanalytics reference bots")
        access_logs = logs.LogGroup(
            self, "WebhookApiAccessLogs", retention=retention, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        stage = api.default_stage
        assert stage is not None
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format=json.dumps(
                {
                    "requestId": "$context.requestId",
                    "ip": "$context.identity.sourceIp",
                    "requestTime": "$context.requestTime",
                    "routeKey": "$context.routeKey",
                    "status": "$context.status",
                    "responseLength": "$context.responseLength",
                    "integrationLatency": "$context.integrationLatency",
                    "integrationError": "$context.integrationErrorMessage",
                },
                separators=(",", ":"),
            ),
        )
        cfn_stage.default_route_settings = apigwv2.CfnStage.RouteSettingsProperty(
            throttling_burst_limit=100, throttling_rate_limit=50
        )
        for bot, fn in webhooks:
            integration = integrations.HttpLambdaIntegration(f"{bot.name}Integration", fn)
            for route in bot.routes:
                method, path = route.split(" ", 1)
                self.http_api_routes.extend(
                    api.add_routes(path=path, methods=[apigwv2.HttpMethod[method]], integration=integration)
                )
                cdk.CfnOutput(
                    self,
                    f"{bot.name}WebhookUrl{method.title()}",
                    value=f"{api.api_endpoint}{path}",
                    description=f"{method} webhook of {bot.name}"
                    + (
                        " (live person takeover): register it with ?secret=<PauseSecret value> as the "
                        "livechat webhook_url"
                        if bot.pause_state == "write"
                        else ""
                    ),
                )
        return api


def _plain_text(text: str) -> lex.CfnBot.MessageGroupProperty:
    return lex.CfnBot.MessageGroupProperty(
        message=lex.CfnBot.MessageProperty(plain_text_message=lex.CfnBot.PlainTextMessageProperty(value=text))
    )


def handler_problem(handlers_dir: Path, handler: str) -> str | None:
    """Why ``module.function`` is not in ``handlers_dir`` (read with ``ast``, not imported), or None."""
    module, _, function = handler.rpartition(".")
    if not module or not function:
        return f"handler {handler!r} is not of the form module.function"
    path = handlers_dir / f"{module.replace('.', '/')}.py"
    if not path.is_file():
        path = handlers_dir / module.replace(".", "/") / "__init__.py"
    if not path.is_file():
        return f"handler module {module} is not in {handlers_dir.name}/"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=path.name)
    except SyntaxError as error:
        return f"{path.name} does not parse: {error.msg} (line {error.lineno})"
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    if function not in names:
        return f"{path.name} defines no top-level {function!r}"
    return None


def _check_handler_exists(fn: lambda_.Function, handlers_dir: Path, handler: str) -> None:
    problem = handler_problem(handlers_dir, handler)
    if problem is not None:
        cdk.Annotations.of(fn).add_warning_v2(
            "botanalytics:missing-handler", f"{problem}: Lambda will fail to start it"
        )

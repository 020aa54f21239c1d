"""The Botanalytics construct: layer, environment, grants, handler redirect, Aspect, annotations, errors."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template

from infra import HANDLER_REDIRECT, Botanalytics, version_parameter_name
from infra.layer_stack import package_version

LAYER_ARN = "arn:aws:lambda:us-east-1:123456789012:layer:botanalytics:7"


def _stack() -> tuple[cdk.App, cdk.Stack, secretsmanager.Secret]:
    app = cdk.App()
    stack = cdk.Stack(app, "Test")
    return app, stack, secretsmanager.Secret(stack, "Token")


def _fn(
    stack: cdk.Stack,
    cid: str,
    runtime: lambda_.Runtime = lambda_.Runtime.PYTHON_3_12,
    handler: str = "app.handler",
    **kwargs: Any,
) -> lambda_.Function:
    return lambda_.Function(
        stack,
        cid,
        runtime=runtime,
        handler=handler,
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        **kwargs,
    )


def _function_props(template: Template, handler_or_path: str) -> dict[str, Any]:
    for resource in template.find_resources("AWS::Lambda::Function").values():
        props = resource["Properties"]
        if (
            props.get("Environment", {}).get("Variables", {}).get("BOTANALYTICS_LAMBDA_HANDLER")
            == handler_or_path
            or props.get("Handler") == handler_or_path
        ):
            return props
    raise AssertionError(f"no function with handler {handler_or_path}")


def _layers(template: Template) -> list[Any]:
    return [r["Properties"].get("Layers") for r in template.find_resources("AWS::Lambda::Function").values()]


# -- attach -------------------------------------------------------------------------------------------


def test_attach_adds_layer_env_redirect_and_secret_grant() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Bot")
    Botanalytics(
        stack,
        "Bt",
        token_secret=secret,
        layer_version_arn=LAYER_ARN,
        api_url="https://collector.example/v1/",
        budget_ms=150,
    ).attach(fn)
    template = Template.from_stack(stack)

    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": HANDLER_REDIRECT,
            "Layers": [LAYER_ARN],
            "Environment": {
                "Variables": {
                    "BOTANALYTICS_LAMBDA_HANDLER": "app.handler",
                    "BOTANALYTICS_TOKEN_SECRET_ARN": {"Ref": Match.string_like_regexp("^Token")},
                    "BOTANALYTICS_API_URL": "https://collector.example/v1/",
                    "BOTANALYTICS_BUDGET_MS": "150",
                    "BOTANALYTICS_ENABLED": "true",
                }
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                        "Effect": "Allow",
                        "Resource": {"Ref": Match.string_like_regexp("^Token")},
                    }
                ]
            },
        },
    )
    variables = _function_props(template, "app.handler")["Environment"]["Variables"]
    assert not {"BOTANALYTICS_TOKEN", "BOTANALYTICS_API_TOKEN"} & set(variables)


def test_decorated_function_keeps_its_handler() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Bot", handler="bot.lambda_handler")
    Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN).attach(
        fn, redirect_handler=False
    )
    props = _function_props(Template.from_stack(stack), "bot.lambda_handler")
    assert props["Handler"] == "bot.lambda_handler"
    assert "BOTANALYTICS_LAMBDA_HANDLER" not in props["Environment"]["Variables"]


def test_exec_wrapper_mode_sets_the_wrapper_and_keeps_the_handler() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Bot")
    Botanalytics(
        stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN, zero_code="exec-wrapper"
    ).attach(fn)
    props = _function_props(Template.from_stack(stack), "app.handler")
    assert props["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/botanalytics-wrapper"


def test_ssm_token_parameter_gets_a_parameter_grant_not_a_secret_grant() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Test")
    parameter = ssm.StringParameter.from_string_parameter_name(
        stack, "TokenParam", "/bots/botanalytics-token"
    )
    fn = _fn(stack, "Bot")
    Botanalytics(stack, "Bt", token_parameter=parameter, layer_version_arn=LAYER_ARN).attach(fn)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Environment": {
                "Variables": Match.object_like({"BOTANALYTICS_TOKEN_SSM_NAME": "/bots/botanalytics-token"})
            },
        },
    )
    statements = [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "ssm:GetParameter" in actions
    assert not [a for a in actions if a.startswith("secretsmanager:")]


def test_default_layer_is_the_pinned_version_parameter_resolved_at_deploy() -> None:
    _, stack, secret = _stack()
    bt = Botanalytics(stack, "Bt", token_secret=secret)
    bt.attach(_fn(stack, "Bot"))
    assert bt.layer_parameter_name == version_parameter_name(package_version())
    template = Template.from_stack(stack)
    parameters = template.to_json()["Parameters"]
    ssm_params = {
        k: v
        for k, v in parameters.items()
        if v["Type"] == "AWS::SSM::Parameter::Value<String>" and k != "BootstrapVersion"
    }
    assert [v["Default"] for v in ssm_params.values()] == [bt.layer_parameter_name]
    assert _layers(template) == [[{"Ref": next(iter(ssm_params))}]]


def test_attach_twice_is_idempotent() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Bot")
    bt = Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN)
    bt.attach(fn)
    bt.attach(fn)
    assert _layers(Template.from_stack(stack)) == [[LAYER_ARN]]
    assert bt.attached_functions == [fn]


def test_disabled_sets_enabled_false() -> None:
    _, stack, secret = _stack()
    Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN, enabled=False).attach(
        _fn(stack, "B")
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Environment": {"Variables": Match.object_like({"BOTANALYTICS_ENABLED": "false"})},
        },
    )


# -- the Aspect ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aspect_app() -> tuple[cdk.Stack, Template]:
    """One stack holding every kind of function the Aspect meets."""
    _, stack, secret = _stack()
    _fn(stack, "Py312")
    _fn(stack, "Py39", runtime=lambda_.Runtime.PYTHON_3_9)
    _fn(stack, "Py38", runtime=lambda_.Runtime.PYTHON_3_8)
    _fn(stack, "Node", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler")
    _fn(stack, "Excluded")
    decorated = _fn(stack, "Decorated", handler="decorated.handler")
    bucket = s3.Bucket(stack, "Site")
    s3deploy.BucketDeployment(
        stack, "Deploy", destination_bucket=bucket, sources=[s3deploy.Source.data("index.html", "<p>hi</p>")]
    )
    bt = Botanalytics(
        stack,
        "Bt",
        token_secret=secret,
        layer_version_arn=LAYER_ARN,
        exclude=lambda fn: fn.node.id == "Excluded",
    )
    bt.attach(decorated, redirect_handler=False)
    bt.instrument(stack)
    return stack, Template.from_stack(stack)


def _by_logical_prefix(template: Template, prefix: str) -> dict[str, Any]:
    found = [
        r["Properties"]
        for k, r in template.find_resources("AWS::Lambda::Function").items()
        if k.startswith(prefix)
    ]
    assert len(found) == 1, (prefix, found)
    return found[0]


def test_aspect_instruments_every_supported_python_function(aspect_app: tuple[cdk.Stack, Template]) -> None:
    _, template = aspect_app
    for prefix in ("Py312", "Py39"):
        props = _by_logical_prefix(template, prefix)
        assert props["Layers"] == [LAYER_ARN]
        assert props["Handler"] == HANDLER_REDIRECT
        assert props["Environment"]["Variables"]["BOTANALYTICS_LAMBDA_HANDLER"] == "app.handler"


def test_aspect_leaves_an_explicit_attachment_as_it_was(aspect_app: tuple[cdk.Stack, Template]) -> None:
    props = _by_logical_prefix(aspect_app[1], "Decorated")
    assert props["Handler"] == "decorated.handler"
    assert props["Layers"] == [LAYER_ARN]


def test_aspect_skips_with_annotations(aspect_app: tuple[cdk.Stack, Template]) -> None:
    stack, template = aspect_app
    for prefix in ("Node", "Py38", "Excluded"):
        assert "Layers" not in _by_logical_prefix(template, prefix)
    annotations = Annotations.from_stack(stack)
    annotations.has_info("/Test/Node", Match.string_like_regexp("nodejs22.x is not Python"))
    annotations.has_info("/Test/Excluded", Match.string_like_regexp("excluded"))
    annotations.has_warning("/Test/Py38", Match.string_like_regexp("older than Python 3.9"))
    annotations.has_warning("/Test/Py39", Match.string_like_regexp("deprecated"))
    annotations.has_no_error("*", Match.any_value())


def test_aspect_leaves_cdk_helper_functions_alone(aspect_app: tuple[cdk.Stack, Template]) -> None:
    stack, template = aspect_app
    helpers = [
        r["Properties"]
        for k, r in template.find_resources("AWS::Lambda::Function").items()
        if k.startswith("CustomCDKBucketDeployment")
    ]
    assert helpers and all("Layers" not in p or LAYER_ARN not in p["Layers"] for p in helpers)
    infos = Annotations.from_stack(stack).find_info("*", Match.string_like_regexp("CDK helper"))
    assert [i for i in infos if "/Custom::CDKBucketDeployment" in i.id]


# -- misconfiguration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "exactly one token source"),
        ({"token_secret": "both", "token_parameter": "both"}, "exactly one token source"),
        (
            {"token_secret": "s", "layer_version_arn": LAYER_ARN, "layer_parameter_name": "/x"},
            "at most one of layer",
        ),
        ({"token_secret": "s", "api_url": "http://api.botanalytics.co/v1/"}, "https"),
        ({"token_secret": "s", "budget_ms": 0}, "positive integer"),
        ({"token_secret": "s", "zero_code": "magic"}, "zero_code"),
        ({"token_secret": "s", "environment": {"BOTANALYTICS_TOKEN": "t0k3n"}}, "plaintext"),
    ],
)
def test_bad_configuration_raises_at_construction(kwargs: dict[str, Any], message: str) -> None:
    _, stack, secret = _stack()
    parameter = ssm.StringParameter.from_string_parameter_name(stack, "P", "/token")
    real = {"token_secret": secret, "token_parameter": parameter}
    kwargs = {k: real.get(k, v) if v in ("s", "both") else v for k, v in kwargs.items()}
    with pytest.raises(ValueError, match=message):
        Botanalytics(stack, "Bt", **kwargs)


def test_loopback_http_api_url_is_accepted() -> None:
    _, stack, secret = _stack()
    Botanalytics(stack, "Bt", token_secret=secret, api_url="http://127.0.0.1:8443/v1/")


@pytest.mark.parametrize("runtime", [lambda_.Runtime.NODEJS_22_X, lambda_.Runtime.PYTHON_3_8])
def test_explicit_attach_to_unsupported_runtime_is_an_error(runtime: lambda_.Runtime) -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Fn", runtime=runtime, handler="index.handler")
    Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN).attach(fn)
    Annotations.from_stack(stack).has_error("/Test/Fn", Match.string_like_regexp("cannot attach to runtime"))
    assert "Layers" not in _by_logical_prefix(Template.from_stack(stack), "Fn")


def _synth_error(stack: cdk.Stack) -> str:
    with pytest.raises(Exception) as info:  # jsii raises RuntimeError for a failed validation
        Template.from_stack(stack)
    return str(info.value)


def test_two_botanalytics_layers_fail_synthesis() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Fn")
    fn.add_layers(
        lambda_.LayerVersion.from_layer_version_arn(
            stack, "Manual", "arn:aws:lambda:us-east-1:123456789012:layer:botanalytics:3"
        )
    )
    Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN).attach(fn)
    assert "2 botanalytics layers" in _synth_error(stack)


def test_two_constructs_on_one_function_fail_synthesis() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Fn")
    Botanalytics(stack, "A", token_secret=secret).attach(fn)
    Botanalytics(stack, "B", token_secret=secret, layer_version_arn=LAYER_ARN).instrument(stack)
    assert "botanalytics layers" in _synth_error(stack)


def test_plaintext_token_on_an_attached_function_fails_synthesis() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Fn", environment={"BOTANALYTICS_TOKEN": "t0k3n"})
    Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN).attach(fn)
    assert "plaintext" in _synth_error(stack)


def test_an_unrelated_layer_is_fine() -> None:
    _, stack, secret = _stack()
    fn = _fn(stack, "Fn")
    fn.add_layers(
        lambda_.LayerVersion.from_layer_version_arn(
            stack,
            "Other",
            "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
        )
    )
    Botanalytics(stack, "Bt", token_secret=secret, layer_version_arn=LAYER_ARN).attach(fn)
    assert len(_layers(Template.from_stack(stack))[0]) == 2

"""``Botanalytics``: attach the layer, its configuration and a token grant to Lambda functions.

    bt = Botanalytics(stack, "Botanalytics", token_secret=secret)
    bt.attach(decorated_fn, redirect_handler=False)   # code already uses @botanalytics.track
    bt.instrument(stack)                              # every other Python function in the stack

What one attachment does to a function:

* adds the layer: the version written to SSM by ``LayerStack`` for this package version (resolved at
  deploy time in the function's own account and region), or an explicit ``layer`` /
  ``layer_version_arn`` / ``layer_parameter_name``;
* sets ``BOTANALYTICS_*`` environment variables and, unless ``redirect_handler=False``, attaches without
  code changes: the handler becomes ``botanalytics.handler.lambda_handler`` with the original in
  ``BOTANALYTICS_LAMBDA_HANDLER`` (or, with ``zero_code="exec-wrapper"``, the handler stays and
  ``AWS_LAMBDA_EXEC_WRAPPER=/opt/botanalytics-wrapper`` does the same at start). The layer does not
  wrap a handler that already carries ``@botanalytics.track`` twice;
* grants read access to the token, which stays in Secrets Manager or SSM (there is no plaintext
  option, and a ``BOTANALYTICS_TOKEN`` variable on an attached function fails synthesis).

Misconfiguration fails at synth: no or two token sources, two layer sources, a bad API URL or budget
(``ValueError`` at construction); an explicit ``attach`` to a non-Python or pre-3.9 function (error
annotation); two botanalytics layers on one function (validation error). The Aspect skips what it should
not touch with an annotation: non-Python functions (info), CDK's own helper functions (info), Python
runtimes older than 3.9 (warning).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Callable

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IConstruct, IValidation

from .layer_stack import PARAMETER_PREFIX, package_version, version_parameter_name
from .runtimes import DEPRECATED_PYTHONS, MIN_PYTHON, format_version, is_python, is_supported, python_version

HANDLER_REDIRECT = "botanalytics.handler.lambda_handler"
EXEC_WRAPPER = "/opt/botanalytics-wrapper"
ZERO_CODE_MODES = ("handler", "exec-wrapper")
PLAINTEXT_TOKEN_VARIABLES = ("BOTANALYTICS_TOKEN", "BOTANALYTICS_API_TOKEN")

# Functions CDK creates for its own custom resources (BucketDeployment, AwsCustomResource, providers).
_CDK_INTERNAL_SEGMENT = re.compile(r"^(Custom::|SingletonLambda|AWS[0-9a-f]{32}$|LogRetention[0-9a-f]{32}$)")
_LOOPBACK_HTTP = re.compile(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/|$)")

FunctionFilter = Callable[[lambda_.Function], bool]


class Botanalytics(Construct):
    """Attaches the botanalytics layer to functions explicitly (``attach``) or through an Aspect."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        token_secret: secretsmanager.ISecret | None = None,
        token_parameter: ssm.IParameter | None = None,
        layer: lambda_.ILayerVersion | None = None,
        layer_version_arn: str | None = None,
        layer_parameter_name: str | None = None,
        api_url: str | None = None,
        budget_ms: int | None = None,
        enabled: bool = True,
        redirect_handler: bool = True,
        zero_code: str = "handler",
        environment: Mapping[str, str] | None = None,
        exclude: FunctionFilter | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if (token_secret is None) == (token_parameter is None):
            raise ValueError(
                "Botanalytics needs exactly one token source: token_secret (Secrets Manager) or "
                "token_parameter (SSM Parameter Store); a plaintext token is not supported"
            )
        layer_sources = [s for s in (layer, layer_version_arn, layer_parameter_name) if s is not None]
        if len(layer_sources) > 1:
            raise ValueError("give at most one of layer, layer_version_arn, layer_parameter_name")
        if (
            api_url is not None
            and not cdk.Token.is_unresolved(api_url)
            and not (api_url.startswith("https://") or _LOOPBACK_HTTP.match(api_url))
        ):
            raise ValueError(f"api_url must be https:// (plain http only on loopback): {api_url!r}")
        if budget_ms is not None and (
            isinstance(budget_ms, bool) or not isinstance(budget_ms, int) or budget_ms <= 0
        ):
            raise ValueError(f"budget_ms must be a positive integer (milliseconds): {budget_ms!r}")
        if zero_code not in ZERO_CODE_MODES:
            raise ValueError(f"zero_code must be one of {ZERO_CODE_MODES}: {zero_code!r}")
        for key in environment or {}:
            if key in PLAINTEXT_TOKEN_VARIABLES:
                raise ValueError(
                    f"{key} would put the token in plaintext; use token_secret or token_parameter"
                )

        self.token_secret = token_secret
        self.token_parameter = token_parameter
        self.redirect_handler = redirect_handler
        self.zero_code = zero_code
        self._layer = layer
        self._layer_version_arn = layer_version_arn
        self.layer_parameter_name = (
            None
            if layer is not None or layer_version_arn is not None
            else layer_parameter_name or version_parameter_name(package_version(), PARAMETER_PREFIX)
        )
        self._exclude = exclude
        self._layers_by_stack: dict[str, lambda_.ILayerVersion] = {}
        self._attached: dict[str, lambda_.Function] = {}

        env: dict[str, str] = {"BOTANALYTICS_ENABLED": "true" if enabled else "false"}
        if token_secret is not None:
            env["BOTANALYTICS_TOKEN_SECRET_ARN"] = token_secret.secret_arn
        else:
            assert token_parameter is not None
            env["BOTANALYTICS_TOKEN_SSM_NAME"] = token_parameter.parameter_name
        if api_url is not None:
            env["BOTANALYTICS_API_URL"] = api_url
        if budget_ms is not None:
            env["BOTANALYTICS_BUDGET_MS"] = str(budget_ms)
        env.update(environment or {})
        self.environment: Mapping[str, str] = env

    # -- public API -------------------------------------------------------------------------------

    @property
    def attached_functions(self) -> list[lambda_.Function]:
        return list(self._attached.values())

    def attach(self, fn: lambda_.Function, *, redirect_handler: bool | None = None) -> None:
        """Instrument one function. ``redirect_handler=False`` for code already decorated with ``@track``."""
        self._attach(fn, explicit=True, redirect_handler=redirect_handler)

    def instrument(self, scope: IConstruct) -> BotanalyticsAspect:
        """Instrument every Python function in ``scope`` (an Aspect, applied at synth)."""
        aspect = BotanalyticsAspect(self)
        cdk.Aspects.of(scope).add(aspect, priority=cdk.AspectPriority.MUTATING)
        return aspect

    def layer_for(self, scope: IConstruct) -> lambda_.ILayerVersion:
        """The layer as seen from ``scope``'s stack (SSM look-ups are made in the function's stack)."""
        if self._layer is not None:
            return self._layer
        stack = cdk.Stack.of(scope)
        key = stack.node.path
        if key not in self._layers_by_stack:
            cid = f"BotanalyticsLayer{self.node.addr[:8]}"
            if self._layer_version_arn is not None:
                arn = self._layer_version_arn
            else:
                assert self.layer_parameter_name is not None
                arn = ssm.StringParameter.value_for_string_parameter(stack, self.layer_parameter_name)
            self._layers_by_stack[key] = lambda_.LayerVersion.from_layer_version_arn(stack, cid, arn)
        return self._layers_by_stack[key]

    # -- internals --------------------------------------------------------------------------------

    def _skip_reason(self, fn: lambda_.Function) -> tuple[str, str] | None:
        """(level, message) when the Aspect should leave ``fn`` alone."""
        if fn.node.path in self._attached:
            return ("none", "")
        if any(_CDK_INTERNAL_SEGMENT.match(c.node.id) for c in fn.node.scopes):
            return ("info", "botanalytics: CDK helper function, not instrumented")
        if self._exclude is not None and self._exclude(fn):
            return ("info", "botanalytics: excluded by the exclude filter, not instrumented")
        runtime = fn.runtime
        if not is_python(runtime):
            return ("info", f"botanalytics: runtime {runtime.name} is not Python, not instrumented")
        if not is_supported(runtime):
            return (
                "warning",
                (
                    f"botanalytics: runtime {runtime.name} is older than Python "
                    f"{format_version(MIN_PYTHON)}, not instrumented"
                ),
            )
        return None

    def _visit(self, fn: lambda_.Function) -> None:
        skip = self._skip_reason(fn)
        if skip is None:
            self._attach(fn, explicit=False)
        elif skip[0] == "info":
            cdk.Annotations.of(fn).add_info(skip[1])
        elif skip[0] == "warning":
            cdk.Annotations.of(fn).add_warning_v2("botanalytics:unsupported-runtime", skip[1])

    def _attach(self, fn: lambda_.Function, *, explicit: bool, redirect_handler: bool | None = None) -> None:
        if fn.node.path in self._attached:
            return
        runtime = fn.runtime
        if not is_supported(runtime):
            cdk.Annotations.of(fn).add_error(
                f"botanalytics: cannot attach to runtime {runtime.name}: the layer needs a Python runtime "
                f">= {format_version(MIN_PYTHON)} (container-image functions cannot use layers)"
            )
            return
        version = python_version(runtime)
        if version in DEPRECATED_PYTHONS:
            cdk.Annotations.of(fn).add_warning_v2(
                "botanalytics:deprecated-runtime",
                f"botanalytics: {runtime.name} is deprecated in Lambda; the layer supports it, "
                "plan an upgrade",
            )
        cfn = fn.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        layer = self.layer_for(fn)
        try:
            fn.add_layers(layer)
        except (RuntimeError, jsii.errors.JSIIError) as error:  # e.g. 5 layers already, runtime not listed
            cdk.Annotations.of(fn).add_error(f"botanalytics: cannot add the layer: {error}")
            return

        for key, value in self.environment.items():
            fn.add_environment(key, value)
        redirect = self.redirect_handler if redirect_handler is None else redirect_handler
        original = cfn.handler
        if redirect and self.zero_code == "exec-wrapper":
            fn.add_environment("AWS_LAMBDA_EXEC_WRAPPER", EXEC_WRAPPER)
        elif redirect and original != HANDLER_REDIRECT:
            if original is None or cdk.Token.is_unresolved(original):
                cdk.Annotations.of(fn).add_error(
                    "botanalytics: cannot redirect a handler that is not a plain string"
                )
            else:
                fn.add_environment("BOTANALYTICS_LAMBDA_HANDLER", original)
                cfn.handler = HANDLER_REDIRECT

        if self.token_secret is not None:
            self.token_secret.grant_read(fn)
        elif self.token_parameter is not None:
            self.token_parameter.grant_read(fn)

        fn.node.add_validation(_LayerValidation(self, fn))
        self._attached[fn.node.path] = fn


@jsii.implements(cdk.IAspect)
class BotanalyticsAspect:
    """Visits every ``lambda_.Function`` in a scope and hands it to its ``Botanalytics`` construct."""

    def __init__(self, botanalytics: Botanalytics) -> None:
        self.botanalytics = botanalytics

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, lambda_.Function):
            self.botanalytics._visit(node)


@jsii.implements(IValidation)
class _LayerValidation:
    """At synth: exactly one botanalytics layer, and no plaintext token, on an attached function."""

    def __init__(self, botanalytics: Botanalytics, fn: lambda_.Function) -> None:
        self.botanalytics = botanalytics
        self.fn = fn

    def validate(self) -> list[str]:
        stack = cdk.Stack.of(self.fn)
        cfn = self.fn.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        ours = json.dumps(
            stack.resolve(self.botanalytics.layer_for(self.fn).layer_version_arn), sort_keys=True
        )
        # The L2 renders layers and environment lazily; the L1's (protected) property bag resolves both.
        props = stack.resolve(cfn._cfn_properties) or {}
        layers = props.get("layers") or []
        found = [
            entry
            for entry in (json.dumps(item, sort_keys=True) for item in layers)
            if entry == ours or "botanalytics" in entry.lower()
        ]
        errors: list[str] = []
        if len(found) > 1:
            errors.append(
                f"botanalytics: {len(found)} botanalytics layers on this function ({', '.join(found)}); "
                "attach it once (one Botanalytics construct, and no layer added by hand)"
            )
        env = props.get("environment") or {}
        variables: Mapping[str, Any] = (env.get("variables") or {}) if isinstance(env, dict) else {}
        for key in PLAINTEXT_TOKEN_VARIABLES:
            if key in variables:
                errors.append(
                    f"botanalytics: {key} holds the token in plaintext; remove it, the token comes "
                    "from BOTANALYTICS_TOKEN_SECRET_ARN / BOTANALYTICS_TOKEN_SSM_NAME"
                )
        return errors

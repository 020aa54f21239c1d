"""``LayerStack``: publish the botanalytics layer and write its ARN to SSM Parameter Store."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from devtools.layer_build import DEFAULT_OUT, DEFAULT_SOURCE, build_layer_zip

from .runtimes import supported_python_runtimes

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYER_NAME = "botanalytics"
PARAMETER_PREFIX = "/botanalytics/layer"
COMPATIBLE_ARCHITECTURES = (lambda_.Architecture.X86_64, lambda_.Architecture.ARM_64)

_VERSION_IN_INIT = re.compile(r"""^__version__\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.MULTILINE)
_VERSION_IN_PYPROJECT = re.compile(r"""^version\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


def package_version(source: Path = DEFAULT_SOURCE) -> str:
    """The layer's version: ``botanalytics.__version__`` if set, else pyproject's ``version``."""
    init = source / "botanalytics" / "__init__.py"
    if init.is_file():
        match = _VERSION_IN_INIT.search(init.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    pyproject = REPO_ROOT / "pyproject.toml"
    match = _VERSION_IN_PYPROJECT.search(pyproject.read_text(encoding="utf-8"))
    if not match:
        raise ValueError("no version in pyproject.toml")
    return match.group(1)


def latest_parameter_name(prefix: str = PARAMETER_PREFIX) -> str:
    """SSM parameter holding the ARN of the most recently deployed layer version."""
    return f"{prefix}/latest"


def version_parameter_name(version: str, prefix: str = PARAMETER_PREFIX) -> str:
    """SSM parameter holding the ARN of the layer for one package version, e.g. ``.../v0.1.0``."""
    return f"{prefix}/v{version}"


class LayerStack(cdk.Stack):
    """Publishes the layer (one zip for every Python 3.9+ runtime, x86_64 and arm64) and its ARN.

    The ARN goes to SSM Parameter Store twice: ``<prefix>/latest`` (overwritten by every deploy) and
    ``<prefix>/v<version>`` (one per package version, kept when the next version is deployed), so a
    user looks it up in their own region instead of copying region-specific ARNs.

    Layer versions are retained when replaced: functions and templates pinned to an older version keep
    working. Sharing: ``share_with_accounts`` (12-digit ids), ``share_with_organization`` (``o-...``) or
    ``public=True``; from the CLI, context ``botanalytics:shareAccounts`` (comma-separated),
    ``botanalytics:shareOrganization`` and ``botanalytics:public``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer_zip: Path | None = None,
        layer_source: Path = DEFAULT_SOURCE,
        version: str | None = None,
        layer_name: str = LAYER_NAME,
        parameter_prefix: str = PARAMETER_PREFIX,
        compatible_runtimes: Sequence[lambda_.Runtime] | None = None,
        share_with_accounts: Sequence[str] = (),
        share_with_organization: str | None = None,
        public: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.version = version or package_version(layer_source)
        _check_sharing(share_with_accounts, share_with_organization)
        if layer_zip is None:
            layer_zip = build_layer_zip(DEFAULT_OUT, layer_source)
        self.compatible_runtimes: list[lambda_.Runtime] = list(
            compatible_runtimes if compatible_runtimes is not None else supported_python_runtimes()
        )

        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            layer_version_name=layer_name,
            code=lambda_.Code.from_asset(str(layer_zip)),
            compatible_runtimes=self.compatible_runtimes,
            compatible_architectures=list(COMPATIBLE_ARCHITECTURES),
            description=f"Botanalytics for AWS Lambda {self.version}: python/botanalytics, stdlib only",
            license="MIT",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

        if public:
            self.layer.add_permission("SharePublic", account_id="*")
        if share_with_organization:
            self.layer.add_permission(
                "ShareOrganization", account_id="*", organization_id=share_with_organization
            )
        for account in share_with_accounts:
            self.layer.add_permission(f"ShareAccount{account}", account_id=account)

        self.latest_parameter = ssm.StringParameter(
            self,
            "LatestArnParameter",
            parameter_name=latest_parameter_name(parameter_prefix),
            string_value=self.layer.layer_version_arn,
            description="ARN of the latest botanalytics Lambda layer version",
        )
        self.version_parameter = ssm.StringParameter(
            self,
            "VersionArnParameter",
            parameter_name=version_parameter_name(self.version, parameter_prefix),
            string_value=self.layer.layer_version_arn,
            description=f"ARN of the botanalytics Lambda layer for package version {self.version}",
        )
        # A new package version renames (replaces) this parameter: keep the old one for pinned users.
        self.version_parameter.apply_removal_policy(cdk.RemovalPolicy.RETAIN)

        cdk.CfnOutput(
            self,
            "LayerVersionArn",
            value=self.layer.layer_version_arn,
            description="Add this ARN to a Python function's layers",
        )
        cdk.CfnOutput(
            self,
            "LatestArnParameterName",
            value=self.latest_parameter.parameter_name,
            description="aws ssm get-parameter --name <this> to find the latest layer ARN",
        )
        cdk.CfnOutput(self, "VersionArnParameterName", value=self.version_parameter.parameter_name)

    @classmethod
    def from_context(cls, scope: cdk.App, construct_id: str, **kwargs: Any) -> LayerStack:
        """Build from CDK context (``-c botanalytics:shareAccounts=111122223333,...``)."""
        node = scope.node
        accounts = str(node.try_get_context("botanalytics:shareAccounts") or "")
        kwargs.setdefault("share_with_accounts", [a.strip() for a in accounts.split(",") if a.strip()])
        kwargs.setdefault("share_with_organization", node.try_get_context("botanalytics:shareOrganization"))
        kwargs.setdefault("public", str(node.try_get_context("botanalytics:public")).lower() == "true")
        return cls(scope, construct_id, **kwargs)


def _check_sharing(accounts: Sequence[str], organization: str | None) -> None:
    for account in accounts:
        if not _ACCOUNT_ID.match(account):
            raise ValueError(f"share_with_accounts: {account!r} is not a 12-digit AWS account id")
    if organization is not None and not _ORG_ID.match(organization):
        raise ValueError(f"share_with_organization: {organization!r} is not an organization id (o-...)")

"""LayerStack: the layer (runtimes, architectures, retention), sharing, and the SSM parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from infra import LayerStack, latest_parameter_name, supported_python_runtimes, version_parameter_name
from infra.layer_stack import package_version
from infra.runtimes import TESTED_PYTHONS, format_version, python_version

ACCOUNT = "111122223333"
ORG = "o-a1b2c3d4e5"


@pytest.fixture(scope="module")
def template(layer_zip: Path) -> Template:
    app = cdk.App()
    stack = LayerStack(
        app, "Layer", layer_zip=layer_zip, share_with_accounts=[ACCOUNT], share_with_organization=ORG
    )
    return Template.from_stack(stack)


def _layer(template: Template) -> dict[str, Any]:
    layers = template.find_resources("AWS::Lambda::LayerVersion")
    assert len(layers) == 1
    return next(iter(layers.values()))


def test_runtimes_are_every_python_from_3_9_known_to_aws_cdk_lib(template: Template) -> None:
    declared: list[str] = _layer(template)["Properties"]["CompatibleRuntimes"]
    known = [
        r.name
        for r in lambda_.Runtime.ALL
        if r.family == lambda_.RuntimeFamily.PYTHON and (python_version(r) or (0, 0)) >= (3, 9)
    ]
    assert sorted(declared) == sorted(known)
    assert {f"python{format_version(v)}" for v in TESTED_PYTHONS} <= set(declared)
    assert declared == [r.name for r in supported_python_runtimes()]
    assert len(declared) <= 15


def test_a_python_runtime_newer_than_the_list_is_picked_up_without_code_changes() -> None:
    future = lambda_.Runtime("python3.99", lambda_.RuntimeFamily.PYTHON)
    old = lambda_.Runtime("python3.8", lambda_.RuntimeFamily.PYTHON)
    known = [lambda_.Runtime.NODEJS_22_X, future, old, lambda_.Runtime.PYTHON_3_9]
    assert [r.name for r in supported_python_runtimes(known=known)] == ["python3.9", "python3.99"]


def test_both_architectures_one_zip_retained_versions(template: Template) -> None:
    layer = _layer(template)
    assert layer["Properties"]["CompatibleArchitectures"] == ["x86_64", "arm64"]
    assert layer["Properties"]["LayerName"] == "botanalytics"
    assert layer["Properties"]["LicenseInfo"] == "MIT"
    assert layer["DeletionPolicy"] == "Retain" and layer["UpdateReplacePolicy"] == "Retain"
    assert package_version() in layer["Properties"]["Description"]


def test_rebuilt_zip_gives_the_same_asset_so_no_new_layer_version(template: Template, tmp_path: Path) -> None:
    from devtools.layer_build import build_layer_zip

    rebuilt = build_layer_zip(tmp_path / "again.zip")
    again = Template.from_stack(
        LayerStack(
            cdk.App(), "Layer", layer_zip=rebuilt, share_with_accounts=[ACCOUNT], share_with_organization=ORG
        )
    )
    assert _layer(again)["Properties"]["Content"] == _layer(template)["Properties"]["Content"]


def test_sharing_permissions(template: Template) -> None:
    template.resource_count_is("AWS::Lambda::LayerVersionPermission", 2)
    template.has_resource_properties(
        "AWS::Lambda::LayerVersionPermission",
        {
            "Action": "lambda:GetLayerVersion",
            "Principal": ACCOUNT,
            "LayerVersionArn": {"Ref": Match.any_value()},
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::LayerVersionPermission",
        {
            "Action": "lambda:GetLayerVersion",
            "Principal": "*",
            "OrganizationId": ORG,
        },
    )


def test_arn_in_ssm_latest_and_per_version(template: Template) -> None:
    params = template.find_resources("AWS::SSM::Parameter")
    by_name = {p["Properties"]["Name"]: p for p in params.values()}
    latest, pinned = latest_parameter_name(), version_parameter_name(package_version())
    assert set(by_name) == {latest, pinned}
    for param in by_name.values():
        assert param["Properties"]["Type"] == "String"
        assert (
            param["Properties"]["Value"] == {"Ref": Match.any_value()}
            or "Ref" in param["Properties"]["Value"]
        )
    assert by_name[pinned]["DeletionPolicy"] == "Retain"
    assert "DeletionPolicy" not in by_name[latest]


def test_outputs(template: Template) -> None:
    outputs = template.find_outputs("*")
    assert {"LayerVersionArn", "LatestArnParameterName", "VersionArnParameterName"} <= set(outputs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"share_with_accounts": ["12345"]},
        {"share_with_organization": "my-org"},
    ],
)
def test_bad_sharing_ids_are_rejected(kwargs: dict[str, Any], layer_zip: Path) -> None:
    with pytest.raises(ValueError):
        LayerStack(cdk.App(), "Layer", layer_zip=layer_zip, **kwargs)


def test_sharing_from_context(layer_zip: Path) -> None:
    app = cdk.App(
        context={"botanalytics:shareAccounts": f"{ACCOUNT}, 444455556666", "botanalytics:public": "true"}
    )
    template = Template.from_stack(LayerStack.from_context(app, "Layer", layer_zip=layer_zip))
    template.resource_count_is("AWS::Lambda::LayerVersionPermission", 3)

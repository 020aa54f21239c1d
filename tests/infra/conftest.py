"""Shared set-up for the infra tests: offline CDK settings, a supported Node first on PATH.

This runs before any test module imports aws_cdk, so the jsii kernel starts with this environment.
No AWS account, credentials or network is needed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"

OFFLINE_ENV = {
    "CDK_DISABLE_VERSION_CHECK": "true",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
# No account in the environment: stacks stay environment-agnostic, as on a machine without AWS config.
for _key in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION"):
    os.environ.pop(_key, None)
# The jsii kernel runs `node` from PATH: the supported Node 22 from `npm ci`, when present.
if NODE_BIN.is_dir() and str(NODE_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "")])


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One layer zip for the whole session (the stacks would otherwise build one each)."""
    from devtools.layer_build import build_layer_zip

    return build_layer_zip(tmp_path_factory.mktemp("layer") / "botanalytics-layer.zip")

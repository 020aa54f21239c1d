"""The whole app: cdk-nag in process (zero unacknowledged findings, every acknowledgment with a
reason and still needed), then `cdk synth -q` through the CLI offline and cfn-lint on every template."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from infra.app import BOTS_STACK, LAYER_STACK, build_app
from infra.nag import all_acknowledgments

# CDK adds a DependsOn on each function's role that the Role GetAtt already implies.
CFN_LINT_IGNORED = ("W3005",)


def _metadata(outdir: Path, stack: str) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = json.loads((outdir / f"{stack}.metadata.json").read_text())
    return result


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, _, _ = build_app(cdk.App(outdir=str(outdir)))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    return outdir


def test_nag_passes_with_every_acknowledgment_recorded_with_its_reason(assembly: Path) -> None:
    report = json.loads((assembly / "validation-report.json").read_text())
    assert all(r.get("conclusion") != "failure" for r in report["pluginReports"])
    expected = {ack.rule: ack.reason for ack in all_acknowledgments()}
    recorded: dict[str, str] = {}
    for stack in (LAYER_STACK, BOTS_STACK):
        for entries in _metadata(assembly, stack).values():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    for rule, reason in entry["data"].items():
                        recorded[rule.split("::", 1)[1]] = reason
    assert recorded == expected
    assert all(len(reason) > 40 for reason in recorded.values())


def test_every_acknowledgment_is_still_needed(tmp_path: Path) -> None:
    """Without the acknowledgments, cdk-nag reports exactly the acknowledged rules: none is stale."""
    app, _, _ = build_app(cdk.App(outdir=str(tmp_path)), nag=False)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    found = {v["ruleName"] for r in report["pluginReports"] for v in r["violations"]}
    assert found == {ack.rule for ack in all_acknowledgments()}


def test_no_error_annotations(assembly: Path) -> None:
    for stack in (LAYER_STACK, BOTS_STACK):
        errors = [
            e
            for entries in _metadata(assembly, stack).values()
            for e in entries
            if e["type"] == "aws:cdk:error"
        ]
        assert errors == []


# -- the CLI, offline ---------------------------------------------------------------------------------


def _cli_env(repo_root: Path) -> dict[str, str]:
    env = dict(os.environ)  # conftest already set the offline variables and PATH
    for key in (
        "CDK_DEFAULT_ACCOUNT",
        "CDK_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        env.pop(key, None)
    env["PATH"] = os.pathsep.join(
        [str(repo_root / "node_modules" / ".bin"), str(Path(sys.executable).parent), env.get("PATH", "")]
    )
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


@pytest.fixture(scope="module")
def cli_synth(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, str]:
    cdk_bin = repo_root / "node_modules" / ".bin" / "cdk"
    if not cdk_bin.exists():
        pytest.fail("node_modules/.bin/cdk is missing: run `npm ci` (make test does)")
    outdir = tmp_path_factory.mktemp("cli") / "cdk.out"
    started = time.monotonic()
    result = subprocess.run(
        ["npx", "--no", "cdk", "synth", "-q", "--no-notices", "--no-version-reporting", "-o", str(outdir)],
        cwd=repo_root,
        env=_cli_env(repo_root),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return outdir, elapsed, result.stdout + result.stderr


def test_cdk_synth_offline(cli_synth: tuple[Path, float, str]) -> None:
    outdir, elapsed, output = cli_synth
    templates = sorted(p.name for p in outdir.glob("*.template.json"))
    assert templates == sorted([f"{BOTS_STACK}.template.json", f"{LAYER_STACK}.template.json"])
    assert "end-of-life" not in output, "Node 22 from node_modules should be first on PATH"
    print(f"cdk synth -q: {elapsed:.1f} s")


def test_cfn_lint_clean(cli_synth: tuple[Path, float, str]) -> None:
    outdir, _, _ = cli_synth
    templates = sorted(str(p) for p in outdir.glob("*.template.json"))
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint"
    result = subprocess.run(
        [cfn_lint, "--ignore-checks", *CFN_LINT_IGNORED, "--", *templates],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

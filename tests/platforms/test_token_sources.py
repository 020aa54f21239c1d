"""The API token read from Secrets Manager or SSM Parameter Store (boto3, lazily, in the delivery
thread), against a real AWS-compatible server on loopback (moto's), never a mock object."""
from __future__ import annotations

import boto3
import pytest

import botanalytics
from botanalytics import dispatcher, guard
from tests.events import load_event
from tests.layer.conftest import FakeContext
from tests.platforms.conftest import AWS_TEST_ENV


@pytest.fixture
def aws(dynamodb_endpoint, monkeypatch):
    """Credentials and region for the loopback server; every boto3 client in this process and in the
    layer's delivery thread talks to it through AWS_ENDPOINT_URL."""
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", dynamodb_endpoint)
    dispatcher.reset()
    guard.reset_stats()
    yield dynamodb_endpoint
    dispatcher.reset()
    guard.reset_stats()


def deliver_one(collector, tmp_path, flush_s: float = 10.0, **token_source) -> int:
    case = load_event("alexa/intent")
    handler = botanalytics.track(api_url=collector.url, ca_bundle=str(collector.ca_file),
                                 spool_dir=str(tmp_path / "spool"), **token_source)(lambda e, c: case["response"])
    assert handler(case["event"], FakeContext()) is case["response"]
    botanalytics.flush(flush_s)
    return len(collector.records("messages/amazon-alexa/"))


@pytest.mark.parametrize("secret_string", ["{token}", '{{"token": "{token}"}}'], ids=["plain", "json"])
def test_the_token_comes_from_secrets_manager(secret_string, aws, collector, tmp_path):
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"botanalytics-token-{len(secret_string)}", SecretString=secret_string.format(token=collector.token))["ARN"]
    assert deliver_one(collector, tmp_path, token_secret_arn=arn) == 1


def test_the_token_comes_from_ssm_parameter_store(aws, collector, tmp_path):
    boto3.client("ssm").put_parameter(Name="/botanalytics/token", Value=collector.token, Type="SecureString")
    assert deliver_one(collector, tmp_path, token_ssm_name="/botanalytics/token") == 1


def test_a_missing_secret_is_reported_once_and_the_bot_is_unaffected(aws, collector, tmp_path, caplog):
    missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nope-AbCdEf"
    assert deliver_one(collector, tmp_path, flush_s=1.0, token_secret_arn=missing) == 0
    assert caplog.text.count("cannot read the token from Secrets Manager") == 1
    spooled = list((tmp_path / "spool").glob("*.rec.json"))
    assert len(spooled) == 1  # kept for when the secret can be read, not lost

"""Fixtures for the webhook platforms' tests: a real DynamoDB-compatible server on loopback (moto's
server mode, started here) for the live-person-takeover state, and a guard that fails a test when a
platform hook swallowed an exception (the bot never sees it, so only a test can)."""
from __future__ import annotations

import logging
import uuid
from typing import Any, Dict, Iterator

import pytest

from botanalytics import pause
from botanalytics.platforms._helpers import SWALLOWED

AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class _Swallowed(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.hits: list = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == SWALLOWED:
            self.hits.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_swallowed_platform_errors() -> Iterator[None]:
    handler = _Swallowed()
    logger = logging.getLogger("botanalytics")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert not handler.hits, f"a platform hook raised (guarded): {handler.hits}"


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:<port>``: moto's DynamoDB-compatible server, for the whole session."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def pause_table(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dict[str, Any]]:
    """A fresh pause table on the loopback DynamoDB, and the environment that points the layer at it."""
    import boto3

    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    table = f"botanalytics-pause-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv(pause.TABLE_ENV, table)
    monkeypatch.setenv(pause.ENDPOINT_ENV, dynamodb_endpoint)
    monkeypatch.delenv(pause.SECRET_ENV, raising=False)
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, region_name="eu-west-1")
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    pause.clear_cache()
    env = dict(AWS_TEST_ENV, **{pause.TABLE_ENV: table, pause.ENDPOINT_ENV: dynamodb_endpoint})
    yield {"table": table, "endpoint": dynamodb_endpoint, "client": client, "env": env}
    pause.clear_cache()
    client.delete_table(TableName=table)

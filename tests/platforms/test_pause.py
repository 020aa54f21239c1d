"""Live person takeover: the pause webhook, is_paused and the guard, against a real DynamoDB-compatible
server on loopback (moto's server mode), across processes as across Lambda containers."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from botanalytics import pause
from tests.events import load_event

ROOT = Path(__file__).resolve().parents[2]
PSID = "6523419876543210"


def webhook_event(body, method="POST", query=None, headers=None, raw=False):
    """The pause webhook call as a Lambda Function URL delivers it."""
    event = load_event("messenger/verify_subscription_function_url")["event"]
    event = json.loads(json.dumps(event))
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    if query:
        event["queryStringParameters"] = dict(query)
    else:
        event.pop("queryStringParameters", None)
    event["headers"] = dict(event["headers"], **{"content-type": "application/json"}, **(headers or {}))
    event["body"] = body if raw else json.dumps(body)
    event["isBase64Encoded"] = False
    return event


def stored(pause_table, user_id):
    item = pause_table["client"].get_item(TableName=pause_table["table"], Key={"user_id": {"S": user_id}}).get("Item")
    return None if item is None else (item["paused"]["BOOL"], int(item["updated_ms"]["N"]))


# ------------------------------------------------------------------------------------- the webhook


def test_given_a_pause_call_when_the_webhook_handles_it_then_200_ok_and_the_state_is_in_dynamodb(pause_table):
    before = int(time.time() * 1000)
    answer = pause.pause_webhook_handler(webhook_event({"userId": PSID, "paused": True}), None)
    assert answer["statusCode"] == 200 and answer["body"] == "ok"
    paused, updated_ms = stored(pause_table, PSID)
    assert paused is True and updated_ms >= before
    assert pause.is_paused(PSID) is True


def test_given_a_paused_user_when_unpaused_then_is_paused_is_false(pause_table):
    pause.pause_webhook_handler(webhook_event({"userId": PSID, "paused": True}))
    pause.pause_webhook_handler(webhook_event({"userId": PSID, "paused": False}))
    assert stored(pause_table, PSID)[0] is False
    assert pause.is_paused(PSID) is False


@pytest.mark.parametrize(
    "body, raw",
    [
        ("not json", True),
        ("", True),
        ("[1, 2]", True),
        ({"paused": True}, False),
        ({"userId": PSID}, False),
        ({"userId": PSID, "paused": "maybe"}, False),
        ({"userId": ["a"], "paused": True}, False),
        ({"userId": "", "paused": True}, False),
        ({"userId": "x" * 300, "paused": True}, False),
        ({"userId": True, "paused": True}, False),
    ],
)
def test_given_a_bad_body_when_the_webhook_handles_it_then_400_with_a_json_error(pause_table, body, raw):
    answer = pause.pause_webhook_handler(webhook_event(body, raw=raw), None)
    assert answer["statusCode"] == 400
    assert "error_message" in json.loads(answer["body"])
    assert answer["headers"]["Content-Type"] == "application/json"


def test_given_a_get_when_the_webhook_handles_it_then_405(pause_table):
    assert pause.pause_webhook_handler(webhook_event({"userId": PSID, "paused": True}, method="GET"))["statusCode"] == 405


def test_given_a_shared_secret_when_the_call_lacks_it_then_403_and_with_it_200(pause_table, monkeypatch):
    monkeypatch.setenv(pause.SECRET_ENV, "s3cr3t-value")
    body = {"userId": PSID, "paused": True}
    assert pause.pause_webhook_handler(webhook_event(body))["statusCode"] == 403
    assert pause.pause_webhook_handler(webhook_event(body, query={"secret": "wrong"}))["statusCode"] == 403
    assert pause.pause_webhook_handler(webhook_event(body, query={"secret": "s3cr3t-value"}))["statusCode"] == 200
    headers = {pause.SECRET_HEADER: "s3cr3t-value"}
    assert pause.pause_webhook_handler(webhook_event(body, headers=headers))["statusCode"] == 200


def test_given_a_direct_invocation_when_the_webhook_handles_it_then_the_state_is_stored(pause_table):
    assert pause.pause_webhook_handler({"userId": 6523419876543210, "paused": "true"})["statusCode"] == 200
    assert stored(pause_table, PSID)[0] is True


def test_given_a_missing_table_when_the_webhook_handles_it_then_500_and_no_exception(pause_table, monkeypatch):
    monkeypatch.setenv(pause.TABLE_ENV, "no-such-table")
    answer = pause.pause_webhook_handler(webhook_event({"userId": PSID, "paused": True}))
    assert answer["statusCode"] == 500 and "error_message" in json.loads(answer["body"])


@pytest.mark.parametrize("event", [None, [], "x", 42, {"body": None}, {"requestContext": "bad", "body": 3}])
def test_given_a_hostile_event_when_the_webhook_handles_it_then_400_and_no_exception(pause_table, event):
    assert pause.pause_webhook_handler(event, None)["statusCode"] == 400


def test_given_an_older_update_arriving_late_when_stored_then_the_newer_state_is_kept(pause_table):
    pause_table["client"].put_item(
        TableName=pause_table["table"],
        Item={"user_id": {"S": PSID}, "paused": {"BOOL": True}, "updated_ms": {"N": str(int(time.time() * 1000) + 60_000)}},
    )
    assert pause.pause_webhook_handler(webhook_event({"userId": PSID, "paused": False}))["statusCode"] == 200
    assert stored(pause_table, PSID)[0] is True


# ------------------------------------------------------------------------------------- is_paused


def test_given_an_unknown_user_when_is_paused_then_false(pause_table):
    assert pause.is_paused("never-seen") is False


@pytest.mark.parametrize("user_id", [None, "", [], {}, True, 1.5, "x" * 1000])
def test_given_a_bad_user_id_when_is_paused_then_false(pause_table, user_id):
    assert pause.is_paused(user_id) is False


def test_given_no_table_configured_when_is_paused_then_false_and_one_warning(monkeypatch, caplog):
    monkeypatch.delenv(pause.TABLE_ENV, raising=False)
    pause._warned.clear()
    pause.clear_cache()
    assert pause.is_paused(PSID) is False
    assert pause.is_paused(PSID + "1") is False
    assert [r.getMessage() for r in caplog.records if pause.TABLE_ENV in r.getMessage()].__len__() == 1


def test_given_the_store_is_down_when_is_paused_then_false_quickly_and_logged(pause_table, monkeypatch, caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    monkeypatch.setenv(pause.ENDPOINT_ENV, f"http://127.0.0.1:{closed_port}")
    started = time.monotonic()
    assert pause.is_paused(PSID) is False
    assert time.monotonic() - started < 10
    assert any("could not read pause state" in r.getMessage() for r in caplog.records)


def test_given_a_cached_read_when_the_state_changes_elsewhere_then_it_is_seen_after_the_cache_second(pause_table):
    assert pause.is_paused(PSID) is False
    pause_table["client"].put_item(  # another container pauses the user
        TableName=pause_table["table"],
        Item={"user_id": {"S": PSID}, "paused": {"BOOL": True}, "updated_ms": {"N": str(int(time.time() * 1000))}},
    )
    assert pause.is_paused(PSID) is False  # still the cached read
    time.sleep(pause.CACHE_SECONDS + 0.1)
    assert pause.is_paused(PSID) is True


# ------------------------------------------------------------------------------------- two "containers"


def _in_new_process(env, code):
    """Run ``code`` in a fresh interpreter (a new Lambda container): only the environment is shared."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BOTANALYTICS_", "AWS_"))}
    full_env.update(env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layer" / "python"), str(ROOT)])
    done = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_given_a_pause_set_in_one_process_when_another_process_reads_it_then_it_is_paused(pause_table):
    event = webhook_event({"userId": PSID, "paused": True})
    setter = (
        "import json, sys\n"
        "from botanalytics.pause import pause_webhook_handler\n"
        f"print(pause_webhook_handler(json.loads({json.dumps(json.dumps(event))}), None)['statusCode'])\n"
    )
    reader = f"from botanalytics.pause import is_paused\nprint(is_paused({PSID!r}))\n"
    assert _in_new_process(pause_table["env"], setter) == "200"
    assert _in_new_process(pause_table["env"], reader) == "True"
    unset = setter.replace("true", "false")
    assert _in_new_process(pause_table["env"], unset) == "200"
    assert _in_new_process(pause_table["env"], reader) == "False"


# ------------------------------------------------------------------------------------- the guard


def _messenger_event():
    return load_event("messenger/text_message_function_url")["event"]


def test_given_a_paused_messenger_user_when_the_guarded_handler_is_called_then_it_is_skipped_with_200(pause_table):
    calls = []

    @pause.skip_when_paused()
    def handler(event, context):
        calls.append(event)
        return {"statusCode": 200, "body": "EVENT_RECEIVED"}

    pause.set_paused(PSID, True)
    answer = handler(_messenger_event(), None)
    assert calls == [] and answer["statusCode"] == 200 and answer["body"] == ""
    pause.set_paused(PSID, False)
    assert handler(_messenger_event(), None)["body"] == "EVENT_RECEIVED" and len(calls) == 1


def test_given_a_batch_where_only_one_user_is_paused_when_guarded_then_the_handler_runs(pause_table):
    @pause.skip_when_paused()
    def handler(event, context):
        return "ran"

    pause.set_paused(PSID, True)
    event = load_event("messenger/batched_users_rest")["event"]
    assert pause.messenger_user_ids(event) == [PSID, "7788990011223344"]
    assert handler(event, None) == "ran"
    pause.set_paused("7788990011223344", True)
    assert handler(event, None) != "ran"


def test_given_a_custom_user_id_and_response_when_paused_then_that_response_is_returned(pause_table):
    @pause.skip_when_paused(user_id_from=lambda event: event["user"], response=lambda event: {"silent": event["user"]})
    def handler(event, context):
        return "ran"

    pause.set_paused("web-42", True)
    assert handler({"user": "web-42"}, None) == {"silent": "web-42"}
    assert handler({"user": "web-43"}, None) == "ran"


def test_given_a_failing_user_id_function_when_guarded_then_the_handler_runs(pause_table):
    @pause.skip_when_paused(user_id_from=lambda event: event["missing"])
    def handler(event, context):
        return "ran"

    assert handler({}, None) == "ran"


def test_given_a_non_messenger_event_when_guarded_by_default_then_the_handler_runs(pause_table):
    @pause.skip_when_paused()
    def handler(event, context):
        return "ran"

    for event in (None, {}, [], load_event("slack/event_callback_message_http_api")["event"]):
        assert handler(event, None) == "ran"


def test_given_the_store_is_unavailable_when_guarded_then_the_bot_answers(monkeypatch):
    monkeypatch.delenv(pause.TABLE_ENV, raising=False)
    pause.clear_cache()

    @pause.skip_when_paused()
    def handler(event, context):
        return "ran"

    assert handler(_messenger_event(), None) == "ran"


def test_given_the_guard_inside_track_when_paused_then_the_users_message_is_still_recorded(pause_table, collector, tmp_path):
    import botanalytics

    pause.set_paused(PSID, True)

    @botanalytics.track(token=collector.token, api_url=collector.url, ca_bundle=str(collector.ca_file),
                        spool_dir=str(tmp_path / "spool"))
    @pause.skip_when_paused()
    def handler(event, context):
        raise AssertionError("the bot must stay silent")

    answer = handler(_messenger_event(), None)
    assert answer["statusCode"] == 200
    assert collector.wait_for(1, timeout=5, path="messages/facebook-messenger/")
    [row] = collector.records("messages/facebook-messenger/")
    assert row.body["recipient"] is None

"""The reference bots in handlers/, used as a user would: decorated with ``@botanalytics.track``,
configured only through BOTANALYTICS_* variables, answering their sample events exactly as the event
files say, and reporting every turn to the (local) API."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import botanalytics
from botanalytics import dispatcher, guard
from tests.events import all_events
from tests.layer.conftest import FakeContext

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"

BOTS = [
    ("alexa_skill", "alexa", "messages/amazon-alexa/", 1),
    ("lex_bot", "lex", "messages/amazon-lex/", 1),
    ("webchat", "generic", "messages/generic/", 2),
]


@pytest.fixture
def load_bot(collector, tmp_path, monkeypatch):
    """Import a bot module fresh, as Lambda's init does, with the layer pointed at the collector."""
    monkeypatch.setenv("BOTANALYTICS_TOKEN", collector.token)
    monkeypatch.setenv("BOTANALYTICS_API_URL", collector.url)
    monkeypatch.setenv("BOTANALYTICS_CA_BUNDLE", str(collector.ca_file))
    monkeypatch.setenv("BOTANALYTICS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "reference-bot")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    monkeypatch.syspath_prepend(str(HANDLERS))
    dispatcher.reset()
    guard.reset_stats()
    loaded = []

    def load(name: str):
        sys.modules.pop(name, None)
        module = importlib.import_module(name)
        loaded.append(name)
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)
    dispatcher.reset()
    assert not guard.internal_errors, guard.internal_errors
    guard.reset_stats()


@pytest.mark.parametrize("module_name, folder, path, records_per_turn", BOTS)
def test_each_reference_bot_answers_its_sample_events_and_reports_every_turn(
        module_name, folder, path, records_per_turn, load_bot, collector):
    bot = load_bot(module_name)
    cases = all_events(folder)
    for name, case in cases:
        assert bot.lambda_handler(case["event"], FakeContext()) == case["response"], name
    assert botanalytics.flush(5.0)
    assert len(collector.records(path)) == len(cases) * records_per_turn
    assert collector.rejections() == []


@pytest.mark.parametrize("module_name, folder, _path, _n", BOTS)
def test_the_bots_are_decorated_once_and_keep_their_names(module_name, folder, _path, _n, load_bot):
    bot = load_bot(module_name)
    assert bot.lambda_handler.__name__ == "lambda_handler"
    assert getattr(bot.lambda_handler, "__botanalytics_wrapped__", False)


# -- the Messenger bot: Send API replies to a fake Graph API on loopback, live person takeover --------

import json  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

from botanalytics import pause  # noqa: E402
from tests.platforms.conftest import dynamodb_endpoint, pause_table  # noqa: E402,F401  (fixtures)

MESSENGER_PATH = "messages/facebook-messenger/"
PAGE_TOKEN = "test-page-token-not-real"
PSID = "6523419876543210"
OTHER_PSID = "7788990011223344"


@pytest.fixture
def graph_api():
    """A stdlib HTTP server on 127.0.0.1 standing in for graph.facebook.com; ``calls`` lists what it got."""
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            url = urlsplit(self.path)
            calls.append({"path": url.path, "query": parse_qs(url.query),
                          "body": json.loads(self.rfile.read(length) or b"{}")})
            reply = json.dumps({"recipient_id": "x", "message_id": "m_x"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "calls": calls}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def messenger_bot(load_bot, graph_api, pause_table, monkeypatch):
    monkeypatch.setenv("MESSENGER_GRAPH_URL", graph_api["url"])
    monkeypatch.setenv("MESSENGER_PAGE_TOKEN", PAGE_TOKEN)
    monkeypatch.setenv("MESSENGER_VERIFY_TOKEN", "my-verify-token")  # the one in the sample event
    monkeypatch.delenv("MESSENGER_SECRET_ARN", raising=False)
    return load_bot("messenger_bot")


def _pause(user_id, paused):
    """Through the real pause webhook handler (as Botanalytics' live chat calls it), into the table."""
    event = {"version": "2.0", "rawPath": "/pause", "rawQueryString": "", "isBase64Encoded": False,
             "headers": {"content-type": "application/json"},
             "requestContext": {"http": {"method": "POST", "path": "/pause"}},
             "body": json.dumps({"userId": user_id, "paused": paused})}
    assert pause.pause_webhook_handler(event, None)["statusCode"] == 200
    pause.clear_cache()


def _replies(graph_api):
    return [(c["body"]["recipient"]["id"], c["body"]["message"]["text"]) for c in graph_api["calls"]]


def test_messenger_bot_answers_its_sample_events_replies_through_the_send_api_and_reports_incoming(
        messenger_bot, graph_api, collector):
    cases = all_events("messenger")
    for name, case in cases:
        assert messenger_bot.lambda_handler(case["event"], FakeContext()) == case["response"], name
    assert _replies(graph_api) == [
        (PSID, "Sorry, I can only tell you our opening hours for now."),  # batched: "first user"
        (OTHER_PSID, "Sorry, I can only tell you our opening hours for now."),  # "second user"
        (PSID, "We are open 9am-6pm, Monday to Saturday."),  # text_message_function_url
    ]
    assert all(c["path"] == "/v19.0/me/messages" and c["query"]["access_token"] == [PAGE_TOKEN]
               for c in graph_api["calls"])
    assert botanalytics.flush(5.0)
    records = collector.records(MESSENGER_PATH)
    # one record per webhook with messaging (batched, postback, text); none for GET or the feed change;
    # the replies went to loopback, not to a Send API host, so they are not recorded as outgoing
    assert len(records) == 3
    assert all(r.body["recipient"] is None and r.body["message"]["object"] == "page" for r in records)
    assert PAGE_TOKEN not in json.dumps([r.body for r in records])
    assert collector.rejections() == []


def test_messenger_bot_rejects_a_wrong_verify_token(messenger_bot, graph_api):
    event = json.loads(json.dumps(all_events("messenger/verify_subscription_function_url")[0][1]["event"]))
    event["queryStringParameters"]["hub.verify_token"] = "guess"
    assert messenger_bot.lambda_handler(event, FakeContext())["statusCode"] == 403
    assert graph_api["calls"] == []


def test_a_paused_user_gets_no_reply_but_the_message_is_still_recorded(messenger_bot, graph_api, collector):
    case = all_events("messenger/text_message_function_url")[0][1]
    _pause(PSID, True)
    assert messenger_bot.lambda_handler(case["event"], FakeContext()) == case["response"]
    assert graph_api["calls"] == []
    _pause(PSID, False)  # the human agent hands the conversation back
    assert messenger_bot.lambda_handler(case["event"], FakeContext()) == case["response"]
    assert _replies(graph_api) == [(PSID, "We are open 9am-6pm, Monday to Saturday.")]
    assert botanalytics.flush(5.0)
    assert len(collector.records(MESSENGER_PATH)) == 2
    assert collector.rejections() == []


def test_in_a_batched_webhook_only_the_users_not_paused_get_a_reply(messenger_bot, graph_api):
    case = all_events("messenger/batched_users_rest")[0][1]
    _pause(PSID, True)
    assert messenger_bot.lambda_handler(case["event"], FakeContext()) == case["response"]
    assert [psid for psid, _ in _replies(graph_api)] == [OTHER_PSID]


def test_messenger_bot_is_decorated_once_and_keeps_its_name(messenger_bot):
    assert messenger_bot.lambda_handler.__name__ == "lambda_handler"
    assert getattr(messenger_bot.lambda_handler, "__botanalytics_wrapped__", False)


def test_when_the_send_api_is_down_the_webhook_is_still_acknowledged(messenger_bot, monkeypatch, collector):
    import socket

    with socket.socket() as unused:  # a loopback port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("MESSENGER_GRAPH_URL", f"http://127.0.0.1:{port}")
    case = all_events("messenger/text_message_function_url")[0][1]
    assert messenger_bot.lambda_handler(case["event"], FakeContext()) == case["response"]
    assert botanalytics.flush(5.0)
    assert len(collector.records(MESSENGER_PATH)) == 1


def test_messenger_tokens_are_read_from_the_secret_the_stack_deploys(
        messenger_bot, graph_api, pause_table, monkeypatch):
    """MESSENGER_SECRET_ARN (a JSON secret), as deployed, from moto's server on loopback."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", pause_table["endpoint"])
    monkeypatch.delenv("MESSENGER_PAGE_TOKEN")
    monkeypatch.delenv("MESSENGER_VERIFY_TOKEN")
    client = boto3.client("secretsmanager", endpoint_url=pause_table["endpoint"], region_name="eu-west-1")
    arn = client.create_secret(
        Name=f"messenger-{pause_table['table']}",
        SecretString=json.dumps({"page_token": "from-the-secret", "verify_token": "my-verify-token"}),
    )["ARN"]
    monkeypatch.setenv("MESSENGER_SECRET_ARN", arn)
    for name in ("verify_subscription_function_url", "text_message_function_url"):
        case = all_events(f"messenger/{name}")[0][1]
        assert messenger_bot.lambda_handler(case["event"], FakeContext()) == case["response"], name
    assert [c["query"]["access_token"] for c in graph_api["calls"]] == [["from-the-secret"]]

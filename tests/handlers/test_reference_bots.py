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

"""Configuration: environment first, keyword arguments override; bad env values never stop the bot."""
from __future__ import annotations

import logging

import pytest

from botanalytics import Config, RetryPolicy, track
from botanalytics.config import DEFAULT_API_URL


def test_defaults_point_at_the_public_api_with_a_bounded_budget():
    config = Config.from_env({})
    assert config.api_url == DEFAULT_API_URL
    assert config.budget_ms == 500 and config.enabled and config.sample_rate == 1.0
    assert config.token is None and not config.has_token_source


def test_token_comes_from_either_variable_name():
    assert Config.from_env({"BOTANALYTICS_TOKEN": "a"}).token == "a"
    assert Config.from_env({"BOTANALYTICS_API_TOKEN": "b"}).token == "b"
    assert Config.from_env({"BOTANALYTICS_TOKEN_SECRET_ARN": "arn:x"}).has_token_source


def test_keyword_overrides_win_over_the_environment():
    config = Config.from_env({"BOTANALYTICS_BUDGET_MS": "900"}, budget_ms=120)
    assert config.budget_ms == 120


def test_environment_values_are_parsed():
    env = {
        "BOTANALYTICS_BUDGET_MS": "250",
        "BOTANALYTICS_ENABLED": "false",
        "BOTANALYTICS_SAMPLE_RATE": "0.25",
        "BOTANALYTICS_DEBUG": "yes",
        "BOTANALYTICS_API_URL": "https://collector.example/v1",
        "BOTANALYTICS_CA_BUNDLE": "/tmp/ca.pem",
    }
    config = Config.from_env(env)
    assert (config.budget_ms, config.enabled, config.sample_rate, config.debug) == (250, False, 0.25, True)
    assert config.api_url == "https://collector.example/v1/"  # a trailing slash is added
    assert config.ca_bundle == "/tmp/ca.pem"


@pytest.mark.parametrize(
    "name, value",
    [
        ("BOTANALYTICS_BUDGET_MS", "soon"),
        ("BOTANALYTICS_BUDGET_MS", "-5"),
        ("BOTANALYTICS_SAMPLE_RATE", "2"),
        ("BOTANALYTICS_ENABLED", "maybe"),
        ("BOTANALYTICS_API_URL", "http://api.botanalytics.co/v1/"),
        ("BOTANALYTICS_API_URL", "not a url"),
        ("BOTANALYTICS_MODE", "turbo"),
    ],
)
def test_a_bad_environment_value_is_logged_and_the_default_used(name, value, caplog):
    caplog.set_level(logging.WARNING, logger="botanalytics")
    config = Config.from_env({name: value})
    default = Config()
    assert (config.budget_ms, config.sample_rate, config.enabled, config.api_url, config.mode) == (
        default.budget_ms, default.sample_rate, default.enabled, default.api_url, default.mode)
    assert any("ignoring" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/v1/", "http://localhost:8080/v1/", "http://[::1]:80/v1/"])
def test_plain_http_is_accepted_only_for_loopback(url):
    assert Config.from_env({"BOTANALYTICS_API_URL": url}).api_url == url


def test_a_bad_value_in_code_raises_at_once():
    with pytest.raises(ValueError):
        Config.from_env({}, api_url="http://api.botanalytics.co/v1/")
    with pytest.raises(ValueError):
        Config.from_env({}, budget_ms=0)


def test_unknown_keywords_raise_at_decoration_time():
    with pytest.raises(TypeError, match="budget_sm"):
        track(budget_sm=100)
    with pytest.raises(TypeError, match="unknown option"):
        Config.from_env({}, tokn="x")


def test_the_token_never_appears_in_repr():
    config = Config.from_env({}, token="s3cr3t-token-value")
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config)


def test_retry_policy_is_a_validated_value_object():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    policy = RetryPolicy(max_attempts=3, backoff_base_s=0.1, backoff_max_s=1.0)
    assert policy == RetryPolicy(max_attempts=3, backoff_base_s=0.1, backoff_max_s=1.0)
    assert "max_attempts=3" in repr(policy)

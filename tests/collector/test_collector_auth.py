"""The collector demands ``Authorization: Token <token>`` like the real API, and never echoes a token."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from devtools.collector import Collector

GENERIC = "messages/generic/"


def test_given_no_authorization_header_when_posting_then_401_with_a_json_error(api, generic_turn, collector):
    reply = api.post(GENERIC, generic_turn, token=None)

    assert reply.status == 401
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["www-authenticate"] == "Token"
    assert "not provided" in reply.json()["error_message"]
    assert collector.records() == []


def test_given_a_wrong_token_when_posting_then_401_and_neither_token_is_echoed(api, generic_turn, collector):
    reply = api.post(GENERIC, generic_turn, token="wrong-token-d00d")

    assert reply.status == 401
    assert reply.json() == {"error_message": "Invalid token."}
    for token in ("wrong-token-d00d", collector.token):
        assert token not in reply.text and token not in str(reply.headers)
    assert collector.stats()["rejected"] == 1 and collector.records() == []


@pytest.mark.parametrize(
    "header",
    ["Bearer {token}", "Token", "Basic dXNlcjpwYXNz", "{token}", "Token {token} extra"],
    ids=["bearer", "no-credential", "basic", "no-scheme", "trailing-junk"],
)
def test_given_a_malformed_authorization_header_when_posting_then_401(header, api, generic_turn, collector):
    reply = api.post(GENERIC, generic_turn, token=None,
                     headers={"Authorization": header.format(token=collector.token)})

    assert reply.status == 401
    assert collector.token not in reply.text


def test_given_a_token_in_the_url_when_the_path_is_unknown_then_the_404_does_not_echo_it(api, collector):
    reply = api.post("%s/" % collector.token, {"x": 1})

    assert reply.status == 404
    assert collector.token not in reply.text


def test_given_the_node_sdks_url_encoded_token_when_posting_then_it_is_accepted(generic_turn, make_client):
    token = "tok/with+special=chars"
    with Collector(token=token) as c:
        reply = make_client(c).post(GENERIC, generic_turn, token=quote(token, safe=""))

    assert reply.status == 201


def test_given_the_scheme_in_lower_case_when_posting_then_it_is_accepted(api, generic_turn, collector):
    reply = api.post(GENERIC, generic_turn, token=None, headers={"Authorization": "token " + collector.token})

    assert reply.status == 201

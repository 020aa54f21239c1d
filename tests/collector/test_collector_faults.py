"""Faults switched on at run time reach the requests (or connections) that arrive afterwards, and
``times=N`` lets a fault clear itself after N of them."""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time

import pytest

from devtools.collector import Collector

GENERIC = "messages/generic/"
NETWORK_ERRORS = (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError)


# -- delay --------------------------------------------------------------------------------------------


def test_given_a_delay_when_posting_then_the_answer_comes_late_but_normal(api, collector, generic_turn):
    collector.fault("delay", seconds=0.3)

    started = time.monotonic()
    reply = api.post(GENERIC, generic_turn)

    assert time.monotonic() - started >= 0.3
    assert reply.status == 201 and len(collector.records()) == 1


def test_given_a_delay_longer_than_the_clients_timeout_then_the_client_times_out_and_it_is_stored(
        make_client, collector, generic_turn):
    client = make_client(collector, timeout=0.2)
    collector.fault("delay", seconds=0.5)

    with pytest.raises(socket.timeout):
        client.post(GENERIC, generic_turn)
    assert collector.wait_for(1, timeout=2)  # the server finished the request after the client gave up


# -- black hole ---------------------------------------------------------------------------------------


def test_given_a_black_hole_then_the_client_times_out_and_stop_still_returns_quickly(make_client,
                                                                                     generic_turn):
    c = Collector(token="t").start()
    client = make_client(c, timeout=0.3)
    assert client.post(GENERIC, generic_turn).status == 201  # a warm keep-alive connection
    c.fault("blackhole")

    with pytest.raises(socket.timeout):
        client.post(GENERIC, generic_turn)
    fresh = make_client(c, timeout=0.3)
    with pytest.raises(socket.timeout):
        fresh.post(GENERIC, generic_turn)

    started = time.monotonic()
    c.stop()
    assert time.monotonic() - started < 0.5
    assert len(c.records()) == 1


def test_given_a_black_hole_when_cleared_then_held_connections_close_and_new_requests_succeed(
        make_client, collector, generic_turn):
    held = make_client(collector, timeout=5.0)
    collector.fault("blackhole")
    outcome = []
    thread = threading.Thread(target=lambda: _capture(outcome, held.post, GENERIC, generic_turn))
    thread.start()
    time.sleep(0.2)

    collector.clear_fault()
    thread.join(2.0)

    assert not thread.is_alive()
    assert isinstance(outcome[0], NETWORK_ERRORS)  # closed without an answer, well before the 5 s timeout
    assert make_client(collector).post(GENERIC, generic_turn).status == 201
    assert [r.body for r in collector.records()] == [generic_turn]


def test_given_a_black_hole_at_connect_then_the_tls_handshake_never_completes(make_client, collector,
                                                                               generic_turn):
    collector.fault("blackhole", at="connect")

    with pytest.raises(socket.timeout):
        make_client(collector, timeout=0.3).post(GENERIC, generic_turn)


def _capture(outcome, fn, *args):
    try:
        outcome.append(fn(*args))
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        outcome.append(exc)


# -- reset ------------------------------------------------------------------------------------------


def test_given_a_reset_then_the_client_sees_the_connection_reset(api, collector, generic_turn):
    assert api.post(GENERIC, generic_turn).status == 201
    collector.fault("reset")

    with pytest.raises(ConnectionResetError):
        api.post(GENERIC, generic_turn)
    assert len(collector.records()) == 1


def test_given_a_reset_at_connect_then_a_new_connection_fails(make_client, collector, generic_turn):
    collector.fault("reset", at="connect")

    with pytest.raises(NETWORK_ERRORS):
        make_client(collector).post(GENERIC, generic_turn)
    assert collector.records() == []


# -- status codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_given_a_server_error_fault_then_that_status_with_a_json_error_and_nothing_stored(
        code, api, collector, generic_turn):
    collector.fault("status", code=code)

    reply = api.post(GENERIC, generic_turn)

    assert reply.status == code
    assert set(reply.json()) == {"error_message"}
    assert int(reply.headers["content-length"]) == len(reply.text)
    assert collector.records() == []
    assert [r.status for r in collector.rejections()] == [code]


def test_given_a_503_with_retry_after_then_the_header_is_sent(api, collector, generic_turn):
    collector.fault("status", code=503, retry_after=7, error_message="maintenance")

    reply = api.post(GENERIC, generic_turn)

    assert (reply.status, reply.headers["retry-after"], reply.json()) == (503, "7",
                                                                         {"error_message": "maintenance"})


def test_given_the_429_shortcut_then_429_with_retry_after(api, collector, generic_turn):
    collector.fault("429", retry_after=2)

    reply = api.post(GENERIC, generic_turn)

    assert reply.status == 429 and reply.headers["retry-after"] == "2"
    assert "error_message" in reply.json()


def test_given_times_two_then_two_503s_and_then_normal_again(api, collector, generic_turn):
    collector.fault("status", code=503, times=2)

    statuses = [api.post(GENERIC, generic_turn).status for _ in range(3)]

    assert statuses == [503, 503, 201]
    assert collector.active_fault() is None
    assert len(collector.records()) == 1 and collector.stats()["faults_applied"] == 2


def test_given_a_fault_switched_on_a_live_connection_then_the_next_request_gets_it(api, collector,
                                                                                  generic_turn):
    assert api.post(GENERIC, generic_turn).status == 201
    collector.fault("status", code=502)
    assert api.post(GENERIC, generic_turn).status == 502
    collector.clear_fault()
    assert api.post(GENERIC, generic_turn).status == 201
    assert collector.stats()["connections"] == 1


# -- malformed replies --------------------------------------------------------------------------------


def test_given_a_malformed_reply_then_2xx_with_a_body_that_is_not_json_and_the_record_is_stored(
        api, collector, generic_turn):
    collector.fault("malformed")

    reply = api.post(GENERIC, generic_turn)

    assert reply.status == 200
    with pytest.raises(ValueError):
        reply.json()
    assert len(collector.records()) == 1


def test_given_an_empty_malformed_reply_with_201_and_store_false_then_nothing_is_stored(api, collector,
                                                                                        generic_turn):
    collector.fault("malformed", status=201, variant="empty", store=False)

    reply = api.post(GENERIC, generic_turn)

    assert (reply.status, reply.text) == (201, "")
    assert collector.records() == []


def test_given_a_truncated_reply_then_the_client_gets_an_incomplete_read(api, collector, generic_turn):
    collector.fault("malformed", variant="truncated")

    with pytest.raises(http.client.IncompleteRead):
        api.post(GENERIC, generic_turn)


# -- wrong certificate --------------------------------------------------------------------------------


def test_given_a_wrong_certificate_then_new_connections_fail_verification_and_open_ones_continue(
        make_client, collector, generic_turn):
    warm = make_client(collector)
    assert warm.post(GENERIC, generic_turn).status == 201
    collector.fault("wrong_cert")

    with pytest.raises(ssl.SSLCertVerificationError):
        make_client(collector).post(GENERIC, generic_turn)
    assert warm.post(GENERIC, generic_turn).status == 201

    collector.clear_fault()
    assert make_client(collector).post(GENERIC, generic_turn).status == 201


def test_given_a_wrong_certificate_with_close_existing_then_warm_connections_must_reconnect_and_fail(
        make_client, collector, generic_turn):
    warm = make_client(collector)
    assert warm.post(GENERIC, generic_turn).status == 201

    collector.fault("wrong_cert", close_existing=True)

    with pytest.raises(NETWORK_ERRORS):
        warm.post(GENERIC, generic_turn)  # the cut connection
    warm.conn.close()  # http.client opens a new connection on the next request
    with pytest.raises(ssl.SSLCertVerificationError):
        warm.post(GENERIC, generic_turn)


def test_given_a_wrong_certificate_once_then_the_next_handshake_is_good(make_client, collector, generic_turn):
    collector.fault("wrong_cert", times=1)

    with pytest.raises(ssl.SSLCertVerificationError):
        make_client(collector).post(GENERIC, generic_turn)
    assert make_client(collector).post(GENERIC, generic_turn).status == 201


# -- misuse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, params, error", [
    ("explode", {}, ValueError),
    ("delay", {"secs": 1}, TypeError),
    ("delay", {"seconds": -1}, ValueError),
    ("status", {"code": 99}, ValueError),
    ("status", {"times": 0}, ValueError),
    ("malformed", {"variant": "weird"}, ValueError),
    ("blackhole", {"at": "later"}, ValueError),
])
def test_given_an_unknown_fault_or_parameter_then_it_raises_at_once(kind, params, error, collector):
    with pytest.raises(error):
        collector.fault(kind, **params)
    assert collector.active_fault() is None


def test_given_a_plain_http_collector_then_wrong_cert_is_refused():
    with Collector(token="t", tls=False) as c, pytest.raises(ValueError):
        c.fault("wrong_cert")

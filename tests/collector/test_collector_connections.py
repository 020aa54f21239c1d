"""The collector is a real HTTPS server on 127.0.0.1: verified TLS with its own test CA, HTTP/1.1
keep-alive, Content-Length on every answer, and a stop() that is quick and complete."""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time

import pytest

from devtools.collector import Collector

GENERIC = "messages/generic/"


def test_given_a_started_collector_then_its_url_is_https_on_loopback_v1(collector):
    assert collector.url == "https://127.0.0.1:%d/v1/" % collector.port
    assert collector.port > 0
    with open(collector.ca_file) as pem:
        assert "BEGIN CERTIFICATE" in pem.read()


def test_given_a_client_that_trusts_only_the_system_cas_then_verification_fails(collector, generic_turn):
    conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=ssl.create_default_context(),
                                       timeout=2)
    with pytest.raises(ssl.SSLCertVerificationError):
        conn.request("POST", "/v1/" + GENERIC, body=b"{}")
    conn.close()
    deadline = time.monotonic() + 2  # the server notices a moment after the client
    while collector.stats()["tls_failures"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert collector.stats()["tls_failures"] == 1


def test_given_the_name_localhost_then_the_certificate_also_verifies(collector, generic_turn):
    context = ssl.create_default_context(cafile=collector.ca_file)
    conn = http.client.HTTPSConnection("localhost", collector.port, context=context, timeout=2)
    try:
        conn.request("GET", "/v1/")
        assert conn.getresponse().status == 404
    finally:
        conn.close()


def test_given_one_keep_alive_connection_when_sending_several_requests_then_all_use_it(api, collector,
                                                                                       generic_turn):
    started = time.monotonic()
    statuses = [api.post(GENERIC, generic_turn).status for _ in range(20)]
    elapsed = time.monotonic() - started

    assert statuses == [201] * 20
    assert collector.stats()["connections"] == 1 and collector.stats()["requests"] == 20
    # Nagle + delayed ACK would cost ~40 ms per request on a kept-alive connection (WIRE-FORMAT.md #12).
    assert elapsed < 20 * 0.03, elapsed


def test_given_errors_on_a_keep_alive_connection_then_it_stays_usable(api, collector, generic_turn):
    assert api.post(GENERIC, {"bad": True}).status == 400
    assert api.post("nowhere/", generic_turn).status == 404
    assert api.post(GENERIC, generic_turn, token="nope").status == 401
    assert api.post(GENERIC, generic_turn).status == 201

    assert collector.stats()["connections"] == 1


def test_given_connection_close_from_the_client_then_the_server_answers_and_closes(api, generic_turn):
    reply = api.post(GENERIC, generic_turn, headers={"Connection": "close"})

    assert reply.status == 201 and reply.headers["connection"] == "close"


def test_given_a_chunked_request_body_then_it_is_read_whole(collector, generic_turn):
    import json

    context = ssl.create_default_context(cafile=collector.ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=2)
    data = json.dumps(generic_turn).encode()
    conn.request("POST", "/v1/" + GENERIC, body=iter([data[:10], data[10:]]),
                 headers={"Authorization": "Token " + collector.token}, encode_chunked=True)
    assert conn.getresponse().status == 201
    conn.close()
    assert collector.records()[0].body == generic_turn


def test_given_tls_false_then_plain_http_on_loopback(make_client, generic_turn):
    with Collector(token="t", tls=False) as c:
        reply = make_client(c).post(GENERIC, generic_turn)

        assert c.url.startswith("http://127.0.0.1:") and c.ca_file is None
        assert reply.status == 201


def test_given_idle_keep_alive_connections_when_stopping_then_stop_is_quick_and_they_are_closed(
        make_client, generic_turn):
    c = Collector(token="t").start()
    clients = [make_client(c) for _ in range(5)]
    for client in clients:
        assert client.post(GENERIC, generic_turn).status == 201

    started = time.monotonic()
    c.stop()
    assert time.monotonic() - started < 0.5
    with pytest.raises((ConnectionError, http.client.HTTPException, ssl.SSLError, OSError)):
        clients[0].post(GENERIC, generic_turn)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", c.port), timeout=1).close()
    c.stop()  # idempotent


def test_given_a_stopped_collector_then_what_it_stored_can_still_be_read(make_client, generic_turn):
    with Collector(token="t") as c:
        make_client(c).post(GENERIC, generic_turn)

    assert [r.body for r in c.records()] == [generic_turn]
    assert c.stats()["accepted"] == 1


def test_given_a_db_path_then_rows_persist_across_collectors_and_ids_stay_unique(tmp_path, make_client,
                                                                               generic_turn):
    db = str(tmp_path / "collector.sqlite3")
    headers = {"X-Botanalytics-Record-Id": "persisted-1"}
    with Collector(token="t", db_path=db) as first:
        assert make_client(first).post(GENERIC, generic_turn, headers=headers).status == 201
    with Collector(token="t", db_path=db) as second:
        assert make_client(second).post(GENERIC, generic_turn, headers=headers).status == 200
        assert len(second.records()) == 1


def test_given_concurrent_clients_then_every_record_is_stored_once(collector, make_client, generic_turn):
    def send(n: int) -> None:
        client = make_client(collector)
        for i in range(10):
            client.post(GENERIC, generic_turn, headers={"X-Botanalytics-Record-Id": "%d-%d" % (n, i % 5)})

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert collector.wait_for(20, timeout=2)
    assert len(collector.records()) == 20
    assert collector.stats()["duplicates"] == 20


def test_given_records_arriving_later_when_waiting_then_wait_for_returns_as_soon_as_they_are_in(
        collector, make_client, generic_turn):
    timer = threading.Timer(0.1, lambda: make_client(collector).post(GENERIC, generic_turn))
    timer.start()
    try:
        started = time.monotonic()
        assert collector.wait_for(1, timeout=3.0, path=GENERIC)
        assert time.monotonic() - started < 1.0
        assert not collector.wait_for(2, timeout=0.1)
        assert not collector.wait_for(1, timeout=0.05, path="messages/amazon-alexa/")
    finally:
        timer.join()


def test_a_collector_cannot_be_restarted_and_says_so():
    c = Collector(token="t").start()
    c.stop()
    with pytest.raises(RuntimeError):
        c.start()

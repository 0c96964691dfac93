"""The proxy as its Procfile command runs it: JSON lines only, refusal to start when misconfigured,
graceful stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import requests

from tests.strangler_proxy.conftest import proxy_env, proxy_routes
from tests.strangler_proxy.forwarding.wire import send_raw
from tests.strangler_proxy.upstreams.processes import start_failing_proxy, start_proxy, wait_received
from tests.support.waiting import refuses_connections, wait_until

BROKEN_TABLE = """
[upstreams.monolith]
url_env = "NOT_SET_ANYWHERE_URL"

[[routes]]
id = "orders"
prefix = "orders"
upstream = "nowhere"
"""


def test_every_line_the_proxy_prints_is_json_and_sigterm_stops_it_cleanly(echo, raw, tmp_path):
    proxy = start_proxy(tmp_path, proxy_routes(), **proxy_env(echo, raw))
    requests.get(f"{proxy.url}/echo", timeout=10)
    send_raw(proxy.port, b"GARBAGE\r\n\r\n")  # the server's parser refuses it
    requests.get(f"{proxy.url}/raw/garbage", timeout=10)  # a forwarding failure, logged
    started = time.monotonic()
    exit_code = proxy.stop()
    assert exit_code == 0 and time.monotonic() - started < 25
    lines = proxy.lines()  # fails on the first line that is not JSON
    assert all(line["service"] == "strangler-proxy" for line in lines)
    assert any(line["logger"] == "strangler_proxy.server" and line["status"] == 400 for line in lines)
    assert any("Shutting down" in line["message"] for line in lines)


def test_a_request_in_flight_at_sigterm_is_answered_before_the_proxy_exits(echo, raw, tmp_path, request_tag):
    proxy = start_proxy(tmp_path, proxy_routes(), **proxy_env(echo, raw))
    answers: list[requests.Response] = []
    client = threading.Thread(target=lambda: answers.append(requests.get(
        f"{proxy.url}/sleepy", params={"seconds": "2"}, headers={"X-Test-Id": request_tag}, timeout=30)))
    client.start()
    wait_received(echo, request_tag)  # the request is at the upstream
    exit_code = proxy.stop()
    client.join(timeout=30)
    assert exit_code == 0
    assert answers and answers[0].status_code == 200


def test_a_broken_route_table_stops_start_up_with_every_error_as_a_json_line(tmp_path):
    process = start_failing_proxy(tmp_path, BROKEN_TABLE)
    assert process.popen.returncode != 0
    lines = process.json_lines()
    errors = [line["message"] for line in lines if line["logger"] == "strangler_proxy.app" and line["level"] == "error"]
    assert any("NOT_SET_ANYWHERE_URL" in error for error in errors)
    assert any("nowhere" in error for error in errors)
    assert any("orders" in error for error in errors)


def test_a_malformed_variable_stops_start_up_naming_it(tmp_path):
    process = start_failing_proxy(tmp_path, proxy_routes(), TRUSTED_PROXIES="10.0.0.0/8,not-an-address",
                                  ECHO_URL="http://127.0.0.1:1", RAW_URL="http://127.0.0.1:2")
    assert process.popen.returncode != 0
    assert any("TRUSTED_PROXIES" in line["message"] and "not-an-address" in line["message"]
               for line in process.json_lines())


def test_a_request_on_an_idle_kept_alive_connection_just_after_sigterm_is_answered_with_close(echo, raw, tmp_path):
    """A client reuses its idle connection as the proxy starts stopping: answered, not cut off."""
    proxy = start_proxy(tmp_path, proxy_routes(), **proxy_env(echo, raw))
    request = f"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{proxy.port}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as kept:
        kept.sendall(request)
        assert _response_head(kept).startswith(b"HTTP/1.1 200")
        os.kill(proxy.process.popen.pid, signal.SIGTERM)
        wait_until(lambda: refuses_connections(proxy.port), timeout=10, what="the proxy to stop accepting")
        kept.sendall(request)
        head = _response_head(kept)
    assert head.startswith(b"HTTP/1.1 200") and b"connection: close" in head.lower()
    assert proxy.process.finish(timeout=30) == 0


def _response_head(connection: socket.socket) -> bytes:
    """The head of the next response, its body (with a length, or chunked) read and dropped."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536) or _eof()
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    while (len(body) < lengths[0]) if lengths else not body.endswith(b"0\r\n\r\n"):
        body += connection.recv(65536) or _eof()
    return head


def _eof() -> bytes:
    raise AssertionError("the proxy closed the connection without an answer")

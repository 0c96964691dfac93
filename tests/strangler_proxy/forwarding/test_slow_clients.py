"""Slow clients are bounded: 1 s for the header block, 1 s for each piece of the body (in these tests), and
a total deadline for the whole body."""

from __future__ import annotations

import select
import socket
import time

from tests.strangler_proxy.conftest import TIMEOUT, proxy_env, proxy_routes
from tests.strangler_proxy.forwarding.wire import assert_nothing_reached, read_response, request_bytes
from tests.strangler_proxy.upstreams.processes import start_proxy


def test_headers_sent_too_slowly_get_408_and_the_connection_is_closed(proxy, echo, request_tag):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(f"GET /echo HTTP/1.1\r\nHost: shop.test\r\nX-Test-Id: {request_tag}\r\nX-Slow: ".encode())
        started = time.monotonic()
        response = read_response(sock)  # the proxy answers once its header timeout has passed
        waited = time.monotonic() - started
        assert sock.recv(1) == b""  # and closes
    assert response is not None and response.status == 408
    assert response.json()["code"] == 408 and response.json()["request_id"]
    assert TIMEOUT * 0.9 <= waited < TIMEOUT * 5
    assert_nothing_reached(proxy, echo, request_tag)


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(proxy):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        assert sock.recv(1) == b""


def test_a_header_block_over_the_size_limit_gets_431(proxy, echo, request_tag):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(f"GET /echo HTTP/1.1\r\nHost: shop.test\r\nX-Test-Id: {request_tag}\r\n".encode())
        try:
            for _ in range(20):
                sock.sendall(b"X-Padding: " + b"p" * 8000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending
        response = read_response(sock)
    assert response is not None and response.status == 431
    assert_nothing_reached(proxy, echo, request_tag)


def test_a_body_sent_too_slowly_gets_408_and_nothing_reaches_the_upstream(proxy, echo, request_tag):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(request_bytes("POST", "/echo", f"X-Test-Id: {request_tag}", "Content-Length: 100", body=b"x" * 10))
        response = read_response(sock)
    assert response is not None and response.status == 408
    assert response.json()["code"] == 408 and response.headers["connection"] == "close"
    assert_nothing_reached(proxy, echo, request_tag)


def test_a_body_trickled_within_each_piece_s_timeout_still_meets_the_total_deadline(echo, raw, tmp_path, request_tag):
    """Each byte comes well within the 1 s body timeout, but the whole body would take 20 s."""
    proxy = start_proxy(tmp_path, proxy_routes(), PROXY_BODY_DEADLINE="2", **proxy_env(echo, raw))
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(request_bytes("POST", "/echo", f"X-Test-Id: {request_tag}", "Content-Length: 40"))
            answered = _trickle(sock, b"x" * 40, every=0.5)
            response = read_response(sock)
        assert answered < 40, "the whole body went in without a refusal"
        assert response is not None and response.status == 408 and response.json()["code"] == 408
        assert_nothing_reached(proxy, echo, request_tag)
    finally:
        proxy.stop()


def _trickle(sock: socket.socket, body: bytes, *, every: float) -> int:
    """Send `body` a byte at a time, `every` seconds apart, until the server answers; the bytes sent."""
    for sent in range(len(body)):
        readable, _, _ = select.select([sock], [], [], every)
        if readable:
            return sent
        sock.sendall(body[sent:sent + 1])
    return len(body)

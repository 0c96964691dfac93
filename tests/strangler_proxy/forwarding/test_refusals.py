"""A refusal ends the connection: nothing pipelined behind a refused request reaches the upstream, and a
malformed request behind a valid one does not take the valid one's answer.

Each case is sent several times, since whether the bytes behind a refusal are read before the
connection closes depends on how the writes land.
"""

from __future__ import annotations

import socket

import pytest

from tests.strangler_proxy.forwarding.wire import assert_nothing_reached, read_until_closed

ATTEMPTS = 8


def smuggled(request_tag: str) -> bytes:
    return (f"POST /v1/auth/signup HTTP/1.1\r\nHost: shop.test\r\nX-Test-Id: {request_tag}\r\n"
            "Content-Length: 2\r\n\r\n{}").encode()


def post(request_tag: str, *lines: str) -> bytes:
    return ("\r\n".join(["POST /echo HTTP/1.1", f"X-Test-Id: {request_tag}-refused", *lines]) + "\r\n\r\n").encode()


# Shapes the server's parser accepts but the proxy refuses with 400, each followed by a hidden request.
REFUSED_AHEAD = {
    "transfer_encoding_identity_then_chunked": lambda t: post(t, "Host: shop.test", "Transfer-Encoding: identity, chunked")
    + b"0\r\n\r\n",
    "no_host": lambda t: post(t, "Content-Length: 0"),
    "two_hosts": lambda t: post(t, "Host: shop.test", "Host: other.test", "Content-Length: 0"),
    "content_length_of_19_digits": lambda t: post(t, "Host: shop.test", "Content-Length: 0000000000000000000"),
    "http_1_0_with_transfer_encoding": lambda t: post(t, "Host: shop.test", "Transfer-Encoding: chunked")
    .replace(b"HTTP/1.1", b"HTTP/1.0", 1) + b"0\r\n\r\n",
}


@pytest.mark.parametrize("case", REFUSED_AHEAD)
def test_nothing_pipelined_behind_a_refused_request_reaches_the_upstream(case, proxy, echo, request_tag):
    for _ in range(ATTEMPTS):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(REFUSED_AHEAD[case](request_tag) + smuggled(request_tag))
            answers = read_until_closed(sock)
        statuses = [answer.status for answer in answers]
        assert statuses == [400], statuses
    assert_nothing_reached(proxy, echo, request_tag)


def test_a_malformed_request_behind_a_valid_one_does_not_take_its_answer(proxy, echo, request_tag):
    """A valid request the upstream takes a moment to answer, then garbage on the same connection."""
    valid = f"GET /sleep?seconds=0.2 HTTP/1.1\r\nHost: shop.test\r\nX-Test-Id: {request_tag}\r\n\r\n".encode()
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(valid + b"\x01\x02 not http\r\n\r\n")
            answers = read_until_closed(sock)
        assert [answer.status for answer in answers] == [200, 400]
        assert answers[0].json()["path"] == "/sleep"
        assert answers[1].json()["code"] == 400

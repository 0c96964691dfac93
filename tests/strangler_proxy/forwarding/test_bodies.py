"""Request and response bodies stream through, within the body limit (64 KiB in these tests)."""

from __future__ import annotations

import hashlib
import socket

import requests

from tests.strangler_proxy.conftest import BUFFER, MAX_BODY
from tests.strangler_proxy.forwarding.wire import assert_nothing_reached, read_response, request_bytes, send_raw
from tests.strangler_proxy.upstreams.processes import received, wait_received
from tests.support.waiting import wait_until


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def test_a_small_body_arrives_whole(proxy, echo, request_tag):
    response = requests.post(f"{proxy.url}/echo", data=b"a" * 100, headers={"X-Test-Id": request_tag}, timeout=10)
    assert response.json()["body_length"] == 100
    assert wait_received(echo, request_tag)[0]["headers"]["content-length"] == "100"


def test_a_body_larger_than_the_buffer_streams_through_whole(proxy, echo, request_tag):
    size = MAX_BODY - 10
    assert size > BUFFER
    response = requests.put(f"{proxy.url}/echo", data=b"b" * size, headers={"X-Test-Id": request_tag}, timeout=10)
    assert response.status_code == 200 and response.json()["body_length"] == size


def test_a_small_chunked_body_reaches_the_upstream_with_a_content_length(proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("POST", "/echo", f"X-Test-Id: {request_tag}",
                                                  "Transfer-Encoding: chunked", body=chunked(b"hello ", b"world")))
    assert response is not None and response.status == 200
    received = wait_received(echo, request_tag)[0]
    assert received["body_length"] == 11 and received["headers"]["content-length"] == "11"
    assert "transfer-encoding" not in received["headers"]


def test_a_large_chunked_body_is_streamed_upstream_chunked_while_it_arrives(proxy, echo, request_tag):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(request_bytes("POST", "/upload", f"X-Test-Id: {request_tag}", "Transfer-Encoding: chunked")
                     + b"%x\r\n%s\r\n" % (BUFFER + 1000, b"c" * (BUFFER + 1000)))
        wait_until(lambda: [line for line in echo.lines("echo.head") if line["request_tag"] == request_tag], timeout=10,
                   what="the request head to reach the upstream before the body is complete")
        sock.sendall(chunked(b"c" * (30000 - BUFFER - 1000)))
        response = read_response(sock)
    assert response is not None and response.status == 200
    received = wait_received(echo, request_tag)[0]
    # gunicorn keeps Transfer-Encoding out of the WSGI environ; a body without a length came chunked.
    assert received["body_length"] == 30000 and "content-length" not in received["headers"]


def test_a_declared_body_over_the_limit_is_refused_with_413_before_it_is_read(proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("POST", "/echo", f"X-Test-Id: {request_tag}",
                                                  f"Content-Length: {MAX_BODY + 1}"))
    assert response is not None and response.status == 413
    assert response.json()["code"] == 413 and response.json()["request_id"]
    assert response.headers["connection"] == "close"
    assert_nothing_reached(proxy, echo, request_tag)


def test_a_chunked_body_growing_over_the_limit_is_refused_with_413(proxy, echo, request_tag):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(request_bytes("POST", "/echo", f"X-Test-Id: {request_tag}", "Transfer-Encoding: chunked"))
        try:
            for _ in range(MAX_BODY // 8192 + 2):
                sock.sendall(b"%x\r\n%s\r\n" % (8192, b"d" * 8192))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the proxy answered and closed while we were still sending
        response = read_response(sock)
    assert response is not None and response.status == 413
    assert [r for r in received(echo, request_tag) if r["body_length"] > MAX_BODY] == []


def test_a_large_response_streams_to_the_client_whole(proxy):
    size = 5 * 1024 * 1024 + 7
    with requests.get(f"{proxy.url}/stream", params={"bytes": size}, stream=True, timeout=30) as response:
        digest = hashlib.sha256()
        for piece in response.iter_content(65536):
            digest.update(piece)
    assert response.status_code == 200
    assert digest.hexdigest() == hashlib.sha256(b"x" * size).hexdigest()


def test_a_response_delimited_by_closing_the_connection_arrives_whole(proxy):
    response = requests.get(f"{proxy.url}/raw/until-eof", timeout=10)
    assert response.status_code == 200 and response.content == b"y" * 100_000


def test_a_head_request_gets_the_head_without_a_body(proxy):
    response = requests.head(f"{proxy.url}/echo", timeout=10)
    assert response.status_code == 200 and response.content == b""
    again = requests.get(f"{proxy.url}/echo", timeout=10)
    assert again.status_code == 200

"""Limits at least as strict as the upstreams' gunicorn, enforced at the edge with the contract's JSON
Error, so no request the proxy accepts meets an upstream's HTML error page; and the HTTP/1.x rules the
edge applies before anything is forwarded (HTTP/1.0 framing, trailers, absolute-form targets)."""

from __future__ import annotations

import socket

import pytest

from tests.strangler_proxy.forwarding.wire import assert_nothing_reached, read_response, request_bytes, send_raw
from tests.strangler_proxy.upstreams.processes import wait_received


def refused_as_json(response, status: int) -> None:
    assert response is not None, "the proxy closed the connection without answering"
    assert response.status == status, response.raw
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == status and body["message"] and body["request_id"]


OVER_THE_UPSTREAMS_LIMITS = {
    "request_line_over_8190_bytes": (414, lambda t: request_bytes("GET", "/echo?q=" + "a" * 8190, f"X-Test-Id: {t}")),
    "one_field_over_8190_bytes": (431, lambda t: request_bytes("GET", "/echo", f"X-Test-Id: {t}", "X-Big: " + "v" * 8190)),
    "a_long_field_name": (431, lambda t: request_bytes("GET", "/echo", f"X-Test-Id: {t}", "X-" + "n" * 8200 + ": v")),
    "150_fields": (431, lambda t: request_bytes("GET", "/echo", f"X-Test-Id: {t}",
                                                *[f"X-Field-{number}: v" for number in range(150)])),
    "a_header_block_over_64_kib_in_one_write": (431, lambda t: request_bytes(
        "GET", "/echo", f"X-Test-Id: {t}", *[f"X-Pad-{number}: " + "p" * 8000 for number in range(15)])),
    "two_content_types": (400, lambda t: request_bytes(
        "POST", "/echo", f"X-Test-Id: {t}", "Content-Type: application/json", "Content-Type: text/plain",
        "Content-Length: 2", body=b"{}")),
}


@pytest.mark.parametrize("case", OVER_THE_UPSTREAMS_LIMITS)
def test_a_request_over_the_upstreams_limits_is_refused_at_the_edge_with_a_json_error(case, proxy, echo, request_tag):
    status, make = OVER_THE_UPSTREAMS_LIMITS[case]
    refused_as_json(send_raw(proxy.port, make(request_tag)), status)
    assert_nothing_reached(proxy, echo, request_tag)


def test_a_request_just_inside_the_limits_reaches_the_upstream(proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("GET", "/echo?q=" + "a" * 7000, f"X-Test-Id: {request_tag}",
                                                  "X-Big: " + "v" * 8000, *[f"X-Field-{n}: v" for n in range(80)]))
    assert response is not None and response.status == 200
    assert wait_received(echo, request_tag)[0]["headers"]["x-big"] == "v" * 8000


def test_an_http_1_0_request_asking_for_100_continue_gets_no_interim_answer(proxy, echo, request_tag):
    head = (f"POST /echo HTTP/1.0\r\nHost: shop.test\r\nX-Test-Id: {request_tag}\r\nExpect: 100-continue\r\n"
            "Content-Length: 2\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(head)
        sock.sendall(b"{}")  # an HTTP/1.0 client sends its body without waiting
        response = read_response(sock)
    assert response is not None and response.status == 200, response and response.raw
    assert not response.raw.startswith(b"HTTP/1.1 100")
    assert wait_received(echo, request_tag)[0]["body_length"] == 2


def test_trailer_fields_never_become_headers(proxy, echo, request_tag):
    trailers = b"0\r\nAuthorization: Token stolen\r\nCookie: sessionid=stolen\r\nContent-Type: text/evil\r\nHost: evil.test\r\n\r\n"
    response = send_raw(proxy.port, request_bytes(
        "POST", "/echo", f"X-Test-Id: {request_tag}", "Transfer-Encoding: chunked", "Content-Type: application/json",
        body=b"2\r\n{}\r\n" + trailers))
    assert response is not None and response.status == 200, response and response.raw
    headers = wait_received(echo, request_tag)[0]["headers"]
    assert "authorization" not in headers and "cookie" not in headers
    assert headers["content-type"] == "application/json" and headers["host"] == "127.0.0.1"


def test_an_absolute_form_target_names_the_host_the_upstream_sees(proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("GET", "http://shop.test/echo", f"X-Test-Id: {request_tag}",
                                                  host="evil.example"))
    assert response is not None and response.status == 200, response and response.raw
    received = wait_received(echo, request_tag)[0]
    assert received["headers"]["host"] == "shop.test" and received["path"] == "/echo"


def test_an_absolute_form_target_for_another_host_meets_the_upstream_s_host_check(proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("GET", "http://evil.example/echo", f"X-Test-Id: {request_tag}"))
    assert response is not None and response.status == 400
    assert wait_received(echo, request_tag)[0]["headers"]["host"] == "evil.example"

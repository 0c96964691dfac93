"""Hop-by-hop headers, X-Forwarded-*, Host and the request id, in both directions."""

from __future__ import annotations

import requests

from tests.strangler_proxy.conftest import proxy_env, proxy_routes
from tests.strangler_proxy.forwarding.wire import request_bytes, send_raw
from tests.strangler_proxy.upstreams.processes import start_proxy, wait_received


def test_hop_by_hop_and_connection_listed_request_headers_do_not_reach_the_upstream(proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes(
        "GET", "/echo", f"X-Test-Id: {request_tag}", "Connection: keep-alive, X-Secret", "X-Secret: for-this-hop-only",
        "Keep-Alive: timeout=5", "TE: trailers", "Upgrade: h2c", "Proxy-Authorization: Basic Zm9vOmJhcg==",
        "Proxy-Connection: keep-alive", "X-Kept: yes"))
    assert response is not None and response.status == 200
    headers = wait_received(echo, request_tag)[0]["headers"]
    for name in ("connection", "x-secret", "keep-alive", "te", "upgrade", "proxy-authorization", "proxy-connection"):
        assert name not in headers, name
    assert headers["x-kept"] == "yes"


def test_a_connection_header_cannot_remove_the_host_the_upstream_checks(proxy, echo, request_tag):
    send_raw(proxy.port, request_bytes("GET", "/echo", f"X-Test-Id: {request_tag}", "Connection: Host", host="shop.test"))
    assert wait_received(echo, request_tag)[0]["headers"]["host"] == "shop.test"


def test_hop_by_hop_and_connection_listed_response_headers_do_not_reach_the_client(proxy):
    response = requests.get(f"{proxy.url}/raw/hop", timeout=10)
    assert response.status_code == 200 and response.text == "ok"
    for name in ("x-hop-secret", "keep-alive", "proxy-authenticate", "upgrade", "trailer"):
        assert name not in response.headers, name
    assert response.headers["x-kept"] == "yes"
    assert response.headers.get("connection", "keep-alive") == "keep-alive"


def test_x_forwarded_headers_describe_the_connection_and_ignore_an_untrusted_client(proxy, echo, request_tag):
    send_raw(proxy.port, request_bytes(
        "GET", "/echo", f"X-Test-Id: {request_tag}", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https",
        "X-Forwarded-Host: evil.example", "Forwarded: for=203.0.113.7;proto=https", "X-Real-IP: 203.0.113.7",
        host="shop.test"))
    headers = wait_received(echo, request_tag)[0]["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == "shop.test"
    assert "forwarded" not in headers and "x-real-ip" not in headers


def test_a_trusted_proxy_s_x_forwarded_headers_are_extended(echo, raw, tmp_path, request_tag):
    """The proxy sits behind a load balancer at 127.0.0.1, listed in TRUSTED_PROXIES."""
    behind_balancer = start_proxy(tmp_path, proxy_routes(), TRUSTED_PROXIES="10.0.0.0/8,127.0.0.1",
                                  **proxy_env(echo, raw))
    try:
        send_raw(behind_balancer.port, request_bytes(
            "GET", "/echo", f"X-Test-Id: {request_tag}", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https",
            "X-Forwarded-Host: shop.test", host="10.1.2.3:8000"))
        headers = wait_received(echo, request_tag)[0]["headers"]
    finally:
        behind_balancer.stop()
    assert headers["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-host"] == "shop.test"


def test_the_host_is_forwarded_unchanged_so_the_upstream_s_allowed_hosts_still_decides(proxy, echo, request_tag):
    allowed = requests.get(f"{proxy.url}/echo", headers={"Host": "shop.test", "X-Test-Id": request_tag}, timeout=10)
    refused = requests.get(f"{proxy.url}/echo", headers={"Host": "evil.example", "X-Test-Id": request_tag}, timeout=10)
    assert allowed.status_code == 200 and allowed.json()["headers"]["host"] == "shop.test"
    assert refused.status_code == 400  # Django's DisallowedHost, from the upstream itself


def test_a_request_without_exactly_one_host_is_refused(proxy):
    missing = send_raw(proxy.port, b"GET /echo HTTP/1.1\r\nX-Test: 1\r\n\r\n")
    doubled = send_raw(proxy.port, b"GET /echo HTTP/1.1\r\nHost: shop.test\r\nHost: evil.example\r\n\r\n")
    assert missing is not None and missing.status == 400
    assert doubled is not None and doubled.status == 400


def test_the_request_id_is_accepted_sent_upstream_and_returned(proxy, echo, request_tag):
    response = requests.get(f"{proxy.url}/echo", headers={"X-Request-ID": "client-chosen-id-123", "X-Test-Id": request_tag},
                            timeout=10)
    assert response.headers["X-Request-ID"] == "client-chosen-id-123"
    assert wait_received(echo, request_tag)[0]["headers"]["x-request-id"] == "client-chosen-id-123"


def test_a_malformed_request_id_is_replaced(proxy, echo, request_tag):
    headers = {"X-Request-ID": "bad id with spaces", "X-Test-Id": request_tag}
    response = requests.get(f"{proxy.url}/echo", headers=headers, timeout=10)
    upstream_saw = wait_received(echo, request_tag)[0]["headers"]["x-request-id"]
    assert upstream_saw == response.headers["X-Request-ID"] != "bad id with spaces"
    assert len(upstream_saw) == 32


def test_no_header_name_with_an_underscore_reaches_the_upstream(proxy, echo, request_tag):
    """WSGI reads `_` as `-`: such a name would be taken for another header, or for SCRIPT_NAME itself."""
    send_raw(proxy.port, request_bytes(
        "POST", "/x/v1/checkout", f"X-Test-Id: {request_tag}", "SCRIPT_NAME: /x", "Path_Info: /v1/checkout",
        "X_Forwarded_Proto: https", "X_Strangler_Identity: forged", "Content-Length: 0"))
    received = wait_received(echo, request_tag)[0]
    assert received["path"] == "/x/v1/checkout"
    assert not [name for name in received["headers"] if name in {"script-name", "path-info", "x-strangler-identity"}]
    assert received["headers"]["x-forwarded-proto"] == "http"


def test_every_spelling_of_a_scheme_claim_from_the_client_is_dropped(proxy, echo, request_tag):
    claims = ["X-Forwarded-Ssl: on", "X-Forwarded-Protocol: ssl", "X-Forwarded-Scheme: https", "X-Url-Scheme: https",
              "Front-End-Https: on", "X-Forwarded-Port: 443", "X-Forwarded-Prefix: /admin"]
    response = send_raw(proxy.port, request_bytes("GET", "/echo", f"X-Test-Id: {request_tag}", *claims))
    assert response is not None and response.status == 200, response and response.raw
    headers = wait_received(echo, request_tag)[0]["headers"]
    assert not [claim for claim in claims if claim.split(":")[0].lower() in headers]
    assert headers["x-forwarded-proto"] == "http"


def test_the_upstream_server_s_name_does_not_reach_the_client(proxy):
    response = requests.get(f"{proxy.url}/echo", timeout=10)
    assert response.status_code == 200 and "server" not in response.headers


def test_behind_trusted_proxies_the_client_is_the_first_untrusted_address_from_the_right():
    from ipaddress import ip_network

    from strangler_proxy.forwarding.headers import client_behind

    trusted = [ip_network("10.0.0.0/8")]
    chain = [(b"x-forwarded-for", b"198.51.100.9, 203.0.113.7, 10.1.2.3")]
    assert client_behind(chain, "10.0.0.1", trusted) == "203.0.113.7"
    assert client_behind([], "10.0.0.1", trusted) == "10.0.0.1"

"""Upstream failures become the contract's JSON Error with the request id: 502, 504, 503."""

from __future__ import annotations

import requests

from tests.strangler_proxy.upstreams.processes import Running, start_proxy, start_raw
from tests.support.waiting import free_port, wait_until

DEAD_UPSTREAM_ROUTES = """
[upstreams.echo]
url_env = "ECHO_URL"

[upstreams.dead]
url_env = "DEAD_URL"

[[routes]]
id = "dead"
prefix = "/dead"
upstream = "dead"

[[routes]]
id = "default"
prefix = "/"
upstream = "echo"
"""

STALE_ROUTES = """
[upstreams.raw]
url_env = "RAW_URL"

[[routes]]
id = "default"
prefix = "/"
upstream = "raw"
"""


def stale_requests(raw: Running, count: int) -> list[tuple[str, int, int]]:
    """(method, connection, request number on it) of the raw upstream's /raw/stale requests, once there are
    `count`; connections numbered 1, 2, ... in the order they appear."""
    def seen() -> list[dict]:
        found = [line for line in raw.lines("raw") if line.get("path") == "/raw/stale"]
        return found if len(found) >= count else []

    lines = wait_until(seen, timeout=10, what=f"{count} requests at the raw upstream")
    order: dict[int, int] = {}
    return [(line["method"], order.setdefault(line["connection"], len(order) + 1), line["request_on_connection"])
            for line in lines]


def assert_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"] == "failure-request-0001"


def test_an_upstream_that_refuses_connections_is_a_502(echo, tmp_path):
    """The route's upstream is a port nothing listens on."""
    proxy = start_proxy(tmp_path, DEAD_UPSTREAM_ROUTES, ECHO_URL=echo.url, DEAD_URL=f"http://127.0.0.1:{free_port()}")
    try:
        response = requests.get(f"{proxy.url}/dead", headers={"X-Request-ID": "failure-request-0001"}, timeout=10)
    finally:
        proxy.stop()
    assert_error(response, 502)


def test_an_upstream_slower_than_the_route_s_read_timeout_is_a_504(proxy):
    response = requests.get(f"{proxy.url}/sleep", params={"seconds": "3"},
                            headers={"X-Request-ID": "failure-request-0001"}, timeout=10)
    assert_error(response, 504)


def test_an_upstream_answering_garbage_is_a_502(proxy):
    response = requests.get(f"{proxy.url}/raw/garbage", headers={"X-Request-ID": "failure-request-0001"}, timeout=10)
    assert_error(response, 502)


def test_an_upstream_closing_without_answering_is_a_502(proxy, echo, request_tag):
    headers = {"X-Request-ID": "failure-request-0001", "X-Test-Id": request_tag}
    response = requests.post(f"{proxy.url}/close", headers=headers, timeout=10)
    assert_error(response, 502)


def test_a_kept_alive_connection_the_upstream_dropped_is_retried_once_for_an_idempotent_request(tmp_path):
    """The raw upstream answers a connection's first request and drops the connection on the second."""
    raw = start_raw()
    proxy = start_proxy(tmp_path, STALE_ROUTES, RAW_URL=raw.url)
    try:
        first = requests.get(f"{proxy.url}/raw/stale", timeout=10)
        second = requests.get(f"{proxy.url}/raw/stale", timeout=10)  # sent on the kept-alive connection
        seen = stale_requests(raw, 3)
    finally:
        proxy.stop()
        raw.stop()
    assert first.text == second.text == "first"
    # The second request met the dropped connection, and was sent again on a new one.
    assert seen == [("GET", 1, 1), ("GET", 1, 2), ("GET", 2, 1)]


def test_a_dropped_kept_alive_connection_is_not_retried_for_a_post(tmp_path):
    """As above, but the second request is a POST: it may have been processed, so it is not sent again."""
    raw = start_raw()
    proxy = start_proxy(tmp_path, STALE_ROUTES, RAW_URL=raw.url)
    try:
        requests.get(f"{proxy.url}/raw/stale", timeout=10)
        response = requests.post(f"{proxy.url}/raw/stale", data=b"pay",
                                 headers={"X-Request-ID": "failure-request-0001"}, timeout=10)
        requests.get(f"{proxy.url}/raw/stale", timeout=10)  # a fresh connection, kept alive again
        with_key = requests.post(f"{proxy.url}/raw/stale", data=b"pay", headers={"Idempotency-Key": "k-1"}, timeout=10)
        seen = stale_requests(raw, 5)
    finally:
        proxy.stop()
        raw.stop()
    assert_error(response, 502)
    assert with_key.status_code == 200  # an Idempotency-Key makes the POST safe to send again
    assert seen == [("GET", 1, 1), ("POST", 1, 2),        # dropped: not sent again
                    ("GET", 2, 1), ("POST", 2, 2), ("POST", 3, 1)]  # dropped, sent again with its key


def test_a_connection_whose_upstream_refused_an_unread_body_is_not_reused(proxy, raw):
    """The upstream answers 413 without reading the body, which stays in the socket and is read as a
    request of its own: its answer ("split") must never be taken for the answer to anything else."""
    hidden = b"GET /raw/split HTTP/1.1\r\nHost: shop.test\r\n\r\n"
    for _ in range(5):
        refused = requests.post(f"{proxy.url}/raw/refuse-body", data=hidden, timeout=10)
        assert (refused.status_code, refused.text) == (413, "too much")
        following = requests.post(f"{proxy.url}/raw/after", data=b"{}", timeout=10)
        assert (following.status_code, following.text) == (200, "ok")

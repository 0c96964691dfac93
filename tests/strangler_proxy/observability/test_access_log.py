"""One JSON access-log line per request, in the chassis log format."""

from __future__ import annotations

import requests

from tests.strangler_proxy.forwarding.wire import request_bytes, send_raw
from tests.support.waiting import wait_until

CHASSIS_KEYS = ["time", "level", "service", "logger", "message", "request_id"]


def access_line(proxy, request_id: str) -> dict:
    def found() -> list[dict]:
        return [line for line in proxy.lines("strangler_proxy.access") if line["request_id"] == request_id]

    return wait_until(found, timeout=10, what=f"the access-log line of {request_id}")


def test_a_proxied_request_is_logged_once_with_every_field(proxy):
    requests.post(f"{proxy.url}/echo?x=1", data=b"12345", headers={"X-Request-ID": "access-log-request-1"}, timeout=10)
    lines = access_line(proxy, "access-log-request-1")
    assert len(lines) == 1
    line = lines[0]
    assert list(line)[:6] == CHASSIS_KEYS
    assert line["service"] == "strangler-proxy" and line["level"] == "info"
    assert line["route"] == "default" and line["upstream"] == "echo"
    assert line["method"] == "POST" and line["path"] == "/echo" and line["status"] == 200
    assert line["bytes_in"] == 5 and line["bytes_out"] > 0
    assert line["total_ms"] >= line["upstream_ms"] > 0
    assert line["client"] == "127.0.0.1"
    assert line["time"].endswith("+00:00")


def test_a_refused_request_is_logged_with_its_status_and_no_upstream(proxy):
    requests.get(f"{proxy.url}/echo;x", headers={"X-Request-ID": "access-log-request-2"}, timeout=10)
    (line,) = access_line(proxy, "access-log-request-2")
    assert line["status"] == 400 and line["upstream"] is None and line["error"] == "rejected"


def test_a_forwarding_failure_is_logged_with_its_error(proxy):
    requests.get(f"{proxy.url}/sleep?seconds=3", headers={"X-Request-ID": "access-log-request-3"}, timeout=10)
    (line,) = access_line(proxy, "access-log-request-3")
    assert line["status"] == 504 and line["error"] == "RESPONSE_TIMEOUT" and line["route"] == "slow"


def test_a_line_has_the_query_with_secrets_redacted_the_path_received_the_user_agent(proxy, echo):
    # A raw request: client libraries would tidy the path's %78 (an "x") before sending it.
    send_raw(proxy.port, request_bytes("GET", "/echo/%78?q=tea&token=s3cret&api_key=k&page=2",
                                       "X-Request-ID: access-log-request-query", "User-Agent: shop-tests/1.0"))
    line = wait_until(lambda: next((line for line in proxy.lines("strangler_proxy.access")
                                    if line.get("request_id") == "access-log-request-query"), None),
                      timeout=10, what="the access line")
    assert line["query"] == "q=tea&token=[redacted]&api_key=[redacted]&page=2"
    assert (line["path"], line["path_received"]) == ("/echo/x", "/echo/%78")
    assert line["user_agent"] == "shop-tests/1.0" and "user_id" not in line

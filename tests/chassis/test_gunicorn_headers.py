"""What the shared gunicorn configuration lets a client's headers do to the request Django sees.

The proxy's address is in forwarded_allow_ips, so whatever gunicorn trusts from "the proxy" it trusts from
any client header the proxy passes on. These requests come from 127.0.0.1 (a trusted address) over a raw
socket, so nothing between the test and gunicorn rewrites or drops a header.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.strangler_proxy.upstreams.processes import Running, start_echo
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def echo() -> Iterator[Running]:
    running = start_echo()
    yield running
    running.stop()


def raw_request(port: int, head: str) -> tuple[int, dict[str, Any]]:
    """Send `head` (request line and headers, CRLF-separated) as written; the status and the JSON answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1") + b"Connection: close\r\nContent-Length: 0\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


def routed_path(echo: Running, tag: str) -> str:
    """The PATH_INFO gunicorn handed Django (what URL resolution runs on), from its access log line."""
    def logged() -> list[dict[str, Any]]:
        return [line for line in echo.lines("gunicorn.access") if line.get("query") == f"tag={tag}"]

    return wait_until(logged, timeout=10, what=f"the access log line of {tag}")[0]["path"]


def test_a_script_name_header_does_not_cut_the_path_django_routes(echo):
    status, seen = raw_request(echo.port, "POST /x/v1/checkout?tag=script HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "SCRIPT_NAME: /x\r\n")
    assert status == 200
    assert seen["path"] == "/x/v1/checkout"
    assert routed_path(echo, "script") == "/x/v1/checkout"
    assert "script-name" not in seen["headers"]


def test_a_path_info_header_never_reaches_django(echo):
    status, seen = raw_request(echo.port, "GET /anything?tag=pathinfo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "PATH_INFO: /v1/checkout\r\n")
    assert status == 200
    assert routed_path(echo, "pathinfo") == "/anything"
    assert "path-info" not in seen["headers"]


@pytest.mark.parametrize("name", ["X_Strangler_Identity", "Script_Name", "X_Forwarded_For", "Remote_User"])
def test_a_header_name_with_an_underscore_is_dropped_not_mapped(echo, name):
    _, seen = raw_request(echo.port, f"GET /anything HTTP/1.1\r\nHost: 127.0.0.1\r\n{name}: forged\r\n")
    assert name.lower().replace("_", "-") not in seen["headers"]
    assert "forged" not in seen["headers"].values()


def test_the_same_header_spelled_with_dashes_still_arrives(echo):
    _, seen = raw_request(echo.port, "GET /anything HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test-Probe: kept\r\n")
    assert seen["headers"]["x-test-probe"] == "kept"

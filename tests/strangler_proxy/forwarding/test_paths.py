"""Paths are normalised before matching, and that normal form is what the upstream receives.

/private is routed to the raw upstream, everything else to the echo upstream; a path that could be
read as either is refused.
"""

from __future__ import annotations

import pytest

from tests.strangler_proxy.forwarding.wire import assert_nothing_reached, request_bytes, send_raw
from tests.strangler_proxy.upstreams.processes import wait_received


@pytest.mark.parametrize(("sent", "upstream_path"), [
    ("/echo/./a", "/echo/a"),
    ("/echo//a///b", "/echo/a/b"),
    ("/private/../echo", "/echo"),
    ("/echo/%2e%2e/echo2", "/echo2"),
    ("/echo/%2E/a", "/echo/a"),
    ("/%65cho", "/echo"),
    ("/echo/a%20b?q=%2e%2e", "/echo/a%20b?q=%2e%2e"),
])
def test_the_upstream_receives_the_normalised_path_the_route_was_chosen_by(sent, upstream_path, proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("GET", sent, f"X-Test-Id: {request_tag}"))
    assert response is not None and response.status == 200
    assert wait_received(echo, request_tag)[0]["raw_uri"] == upstream_path


@pytest.mark.parametrize("sent", ["/echo/../private", "//private", "/echo/%2e%2e/private", "/./private/x"])
def test_a_path_that_normalises_into_another_route_goes_to_that_route(sent, proxy):
    response = send_raw(proxy.port, request_bytes("GET", sent))
    assert response is not None and response.status == 200
    assert response.body == b"ok"  # the raw upstream's answer, not the echo's


@pytest.mark.parametrize("sent", [
    "/echo%2fprivate", "/echo%2Fprivate", "/echo%5cprivate", "/private;jsessionid=1", "/echo/..;/private",
    "/..", "/echo/../../private", "/echo/%2e%2e/%2e%2e/x", "/echo\\..\\private", "/echo/%zz",
])
def test_an_ambiguous_path_is_refused_with_400_and_nothing_reaches_the_upstream(sent, proxy, echo, request_tag):
    response = send_raw(proxy.port, request_bytes("GET", sent, f"X-Test-Id: {request_tag}"))
    assert response is not None and response.status == 400
    assert response.json()["code"] == 400 and response.json()["request_id"]
    assert_nothing_reached(proxy, echo, request_tag)

"""A route moved for some methods can own its prefix: the other methods get 405 at the edge instead of
reaching the monolith's legacy view."""

from __future__ import annotations

import requests

from tests.strangler_proxy.forwarding.wire import assert_nothing_reached


def test_an_exclusive_route_answers_another_method_with_405_at_the_edge(proxy, echo, request_tag):
    for method in ("GET", "PUT", "DELETE", "OPTIONS"):
        response = requests.request(method, f"{proxy.url}/moved", headers={"X-Test-Id": request_tag}, timeout=10)
        assert response.status_code == 405 and response.headers["allow"] == "POST"
        assert response.json()["code"] == 405
    assert_nothing_reached(proxy, echo, request_tag)
    assert requests.post(f"{proxy.url}/moved", headers={"X-Test-Id": request_tag}, timeout=10).status_code == 200

"""What the real proxy answers when the identity and limits stages refuse a request: the contract's JSON
Error (`{"code", "message", "request_id"}`), and nothing reaches the upstream. The monolith is not
running here, so every look-up fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.strangler_proxy.upstreams.processes import Running, received, start_proxy

ROUTES = """
[upstreams.echo]
url_env = "ECHO_URL"

[plans]
tiny = { rate = 0.001, burst = 1 }

[[routes]]
id = "private"
prefix = "/private"
upstream = "echo"
login_required = true

[[routes]]
id = "limited"
prefix = "/limited"
upstream = "echo"
anonymous_plan = "tiny"

[[routes]]
id = "default"
prefix = "/"
upstream = "echo"
"""
SESSION = "abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture(scope="module")
def proxy(echo: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_proxy(tmp_path_factory.mktemp("refusals"), ROUTES, ECHO_URL=echo.url)
    yield running
    running.stop()


@pytest.mark.parametrize("path, headers, status", [
    ("/private/orders", {}, 401),
    ("/private/orders", {"Cookie": f"sessionid={SESSION}"}, 503),
    ("/anything", {"X-Api-Key": "sk_nobody_issued_this"}, 401),
    ("/Internal/identity", {}, 404),
], ids=["login-required", "monolith-unreachable", "unknown-api-key", "internal-path"])
def test_a_refusal_is_the_contract_s_json_error_and_reaches_no_upstream(proxy, echo, request_tag, path, headers,
                                                                        status):
    response = requests.get(f"{proxy.url}{path}", headers={**headers, "X-Test-Id": request_tag}, timeout=10)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}
    assert body["code"] == status and body["message"] and body["request_id"] == response.headers["x-request-id"]
    assert received(echo, request_tag) == []


def test_a_refusal_over_the_limit_is_the_contract_s_json_error_with_retry_after(proxy, request_tag):
    first = requests.get(f"{proxy.url}/limited", headers={"X-Test-Id": request_tag}, timeout=10)
    refused = requests.get(f"{proxy.url}/limited", headers={"X-Test-Id": request_tag}, timeout=10)
    assert first.status_code == 200 and refused.status_code == 429
    assert set(refused.json()) == {"code", "message", "request_id"} and refused.json()["code"] == 429
    assert int(refused.headers["retry-after"]) >= 1

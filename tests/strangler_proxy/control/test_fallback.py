"""A canary's candidate that fails: requests safe to replay get the primary's answer, others are never
sent twice, and after repeated failures the breaker sends everything to the primary."""

from __future__ import annotations

from pathlib import Path

import requests

from strangler_proxy.forwarding.breaker import Breakers, BreakerState
from tests.strangler_proxy.control.support import moving_route_table, strangler
from tests.strangler_proxy.upstreams.processes import Running, start_proxy, wait_received
from tests.support.waiting import free_port, wait_until

ROUTES = moving_route_table("CANDIDATE_URL", prefix="/raw/")


def canary_everyone(env: dict[str, str]) -> None:
    done = strangler(env, "canary", "items", "--candidate", "orders", "--percent", "100")
    assert done.returncode == 0, done.stderr


def start(tmp_path: Path, echo: Running, candidate_url: str) -> tuple[Running, dict[str, str]]:
    table = tmp_path / "fallback-routes.toml"
    table.write_text(ROUTES)
    env = {"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "CANDIDATE_URL": candidate_url}
    proxy = start_proxy(tmp_path, ROUTES, **env)
    canary_everyone(env)
    return proxy, env


def test_a_candidate_answering_5xx_is_replaced_by_the_primary_for_a_get(echo, raw, tmp_path, request_tag):
    proxy, _ = start(tmp_path, echo, raw.url)
    try:
        wait_until(lambda: requests.get(f"{proxy.url}/raw/ok", timeout=10).text == "ok", timeout=10,
                   what="the canary to send requests to the candidate")
        response = requests.get(f"{proxy.url}/raw/html-error", headers={"X-Test-Id": request_tag}, timeout=10)
        assert response.status_code == 200 and response.json()["path"] == "/raw/html-error"
        assert wait_received(echo, request_tag)[0]["path"] == "/raw/html-error"
    finally:
        proxy.stop()


def test_an_unreachable_candidate_never_gets_a_post_twice_and_its_breaker_opens(echo, tmp_path, request_tag):
    proxy, _ = start(tmp_path, echo, f"http://127.0.0.1:{free_port()}")
    try:
        wait_until(lambda: requests.post(f"{proxy.url}/raw/x", timeout=10).status_code == 502, timeout=10,
                   what="the canary to send a POST to the unreachable candidate")
        # Four more failures open the breaker (5 in a row); GETs meanwhile are answered by the primary.
        statuses = [requests.get(f"{proxy.url}/raw/read", timeout=10).status_code for _ in range(4)]
        assert statuses == [200] * 4
        after = requests.post(f"{proxy.url}/raw/write", headers={"X-Test-Id": request_tag}, timeout=10)
        assert after.status_code == 200 and wait_received(echo, request_tag)[0]["method"] == "POST"
    finally:
        proxy.stop()


def test_a_breaker_opens_after_repeated_failures_and_probes_once_when_half_open():
    now = [0.0]
    breakers = Breakers(clock=lambda: now[0], failures_to_open=3, open_seconds=10)
    for _ in range(3):
        assert breakers.allows("orders")
        breakers.failed("orders")
    assert breakers.state("orders") is BreakerState.OPEN and not breakers.allows("orders")
    now[0] = 10.0
    assert breakers.allows("orders") and not breakers.allows("orders")  # one probe only
    breakers.failed("orders")
    assert breakers.state("orders") is BreakerState.OPEN
    now[0] = 20.0
    assert breakers.allows("orders")
    breakers.succeeded("orders")
    assert breakers.state("orders") is BreakerState.CLOSED and breakers.states() == {"orders": "closed"}

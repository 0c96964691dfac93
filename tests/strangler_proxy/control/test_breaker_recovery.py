"""A canary's candidate that died and came back: its breaker opens, probes once half-open, and closes on
any answer the candidate gives the probe, even an error page the proxy turns into the contract's JSON."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import requests

from strangler_proxy.forwarding.breaker import Breakers, BreakerState
from tests.strangler_proxy.control.support import moving_route_table, strangler
from tests.strangler_proxy.control.test_canary_candidate_killed import ADMIN_TOKEN, breaker_state
from tests.strangler_proxy.upstreams.processes import Running, start_echo, start_proxy
from tests.support.waiting import free_port, wait_until

pytestmark = pytest.mark.fault

ROUTES = moving_route_table("CANDIDATE_URL")


def served_by(proxy: Running, **headers: str) -> str:
    response = requests.get(f"{proxy.url}/items", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return "candidate" if response.json().get("flavour") == "candidate" else "primary"


def test_a_probe_answered_with_an_error_page_closes_the_breaker_of_a_candidate_that_is_back(echo, tmp_path: Path):
    port = free_port()
    candidate = start_echo(port=port, ECHO_FLAVOUR="candidate")
    table = tmp_path / "routes.toml"
    table.write_text(ROUTES)
    env = {"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "CANDIDATE_URL": candidate.url}
    proxy = start_proxy(tmp_path, ROUTES, PROXY_ADMIN_TOKEN=ADMIN_TOKEN, **env)
    try:
        assert strangler(env, "canary", "items", "--candidate", "orders", "--percent", "100").returncode == 0
        wait_until(lambda: served_by(proxy) == "candidate", timeout=10, what="the proxy to take the canary")
        os.killpg(candidate.process.popen.pid, signal.SIGKILL)
        candidate.process.popen.wait()
        assert [served_by(proxy) for _ in range(5)] == ["primary"] * 5  # five failures in a row open it
        assert breaker_state(proxy, "orders") == "open"
        candidate = start_echo(port=port, ECHO_FLAVOUR="candidate")
        wait_until(lambda: breaker_state(proxy, "orders") == "half-open", timeout=20, interval=0.2,
                   what="the breaker to let a probe through")
        # The probe meets the candidate's host check: Django's HTML 400 page, which an API client gets as JSON.
        probe = requests.get(f"{proxy.url}/items", headers={"Host": "evil.example", "Accept": "application/json"},
                             timeout=10)
        assert probe.status_code == 400 and probe.headers["content-type"] == "application/json"
        assert breaker_state(proxy, "orders") == "closed"
        assert served_by(proxy) == "candidate"
    finally:
        proxy.stop()
        candidate.stop()


def test_a_probe_that_ends_without_an_answer_lets_the_next_request_probe():
    now = [0.0]
    breakers = Breakers(clock=lambda: now[0], failures_to_open=1, open_seconds=10)
    breakers.failed("orders")
    now[0] = 10.0
    assert breakers.allows("orders") and not breakers.allows("orders")
    breakers.abandoned("orders")  # the probing client went away before the candidate answered
    assert breakers.state("orders") is BreakerState.HALF_OPEN and breakers.allows("orders")

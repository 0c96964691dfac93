"""Moving a route with the `strangler` command while a real proxy serves it: every worker takes the
change, it survives a restart, a refused change changes nothing, and a canary is sticky per caller."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from chassis.identity import sign_internal
from strangler_proxy.control.arms import CALLER_COOKIE, point
from tests.strangler_proxy.control.support import moving_route_table
from tests.strangler_proxy.control.support import strangler as run_strangler
from tests.strangler_proxy.upstreams.processes import SIGNING_KEY, Running, start_proxy
from tests.support.waiting import wait_until

ROUTES = moving_route_table("RAW_URL")


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routes.toml"
    path.write_text(ROUTES)
    return path


def strangler(table: Path, echo: Running, raw: Running, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_strangler({"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "RAW_URL": raw.url}, *arguments)


def served_by(proxy: Running, path: str = "/items", **headers: str) -> str:
    """'orders' when the raw upstream answered (plain text), 'monolith' when the echo upstream did (JSON)."""
    response = requests.get(f"{proxy.url}{path}", headers={"Connection": "close", **headers}, timeout=10)
    assert response.status_code == 200, response.text
    return "monolith" if response.headers["content-type"] == "application/json" else "orders"


def all_served_by(proxy: Running, upstream: str) -> bool:
    """Forty requests on fresh connections (so every worker answers some) all went to `upstream`."""
    return all(served_by(proxy) == upstream for _ in range(40))


def test_a_change_reaches_every_worker_and_survives_a_restart(table, echo, raw, tmp_path):
    env = {"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "RAW_URL": raw.url, "WEB_CONCURRENCY": "4"}
    proxy = start_proxy(tmp_path, ROUTES, **env)
    try:
        assert all_served_by(proxy, "monolith")
        assert strangler(table, echo, raw, "canary", "items", "--candidate", "orders", "--percent", "100").returncode == 0
        wait_until(lambda: all_served_by(proxy, "orders"), timeout=10, what="every worker to take the canary")
        assert strangler(table, echo, raw, "promote", "items", "--by", "ada", "--reason", "diffs clean").returncode == 0
    finally:
        proxy.stop()
    restarted = start_proxy(tmp_path, ROUTES, **env)
    try:
        assert all_served_by(restarted, "orders")
        assert strangler(table, echo, raw, "rollback", "items", "--reason", "errors up").returncode == 0
        wait_until(lambda: all_served_by(restarted, "monolith"), timeout=10, what="every worker to roll back")
    finally:
        restarted.stop()
    history = json.loads(strangler(table, echo, raw, "history", "items", "--json").stdout)
    assert [(record["action"], record["by"] if record["action"] == "promote" else "", record["reason"])
            for record in history] == [("rollback", "", "errors up"), ("promote", "ada", "diffs clean"),
                                       ("canary", "", "")]
    assert history[0]["before"]["upstream"] == "orders" and history[0]["after"]["upstream"] == "monolith"


def test_a_refused_change_says_why_and_changes_nothing(table, echo, raw, redis_client):
    refused = strangler(table, echo, raw, "canary", "items", "--candidate", "monolith", "--percent", "10")
    assert refused.returncode == 1
    assert "refused, nothing changed" in refused.stderr and "is the route's upstream already" in refused.stderr
    nowhere = strangler(table, echo, raw, "promote", "nowhere")
    assert nowhere.returncode == 1 and "no route 'nowhere'" in nowhere.stderr
    assert redis_client.exists("strangler:routes:state", "strangler:routes:version", "strangler:routes:audit") == 0


def test_status_shows_each_route_s_primary_candidate_and_share(table, echo, raw):
    strangler(table, echo, raw, "canary", "items", "--candidate", "orders", "--percent", "25")
    routes = json.loads(strangler(table, echo, raw, "status", "--json").stdout)
    assert routes[0] == {"id": "items", "prefix": "/items", "primary": "monolith", "candidate": "orders",
                         "mode": "canary", "percent": 25.0, "writes": "skip", "fallback": None, "verdict": None}
    printed = strangler(table, echo, raw, "status").stdout
    assert next(line for line in printed.splitlines() if line.startswith("items")).split() == [
        "items", "/items", "monolith", "orders", "canary", "25", "%", "-", "-"]


def caller_at_or_above(share: float) -> str:
    """A caller cookie whose place on the 'items' line is at or above `share` (so it stays on the primary)."""
    return next(cookie for cookie in (f"{n:032x}" for n in range(1000)) if point("items", f"cookie:{cookie}") >= share)


def test_a_canary_caller_gets_a_cookie_and_keeps_its_side_and_only_a_signed_override_moves_it(table, echo, raw,
                                                                                              tmp_path):
    proxy = start_proxy(tmp_path, ROUTES, ROUTES_FILE=str(table), ECHO_URL=echo.url, RAW_URL=raw.url)
    try:
        strangler(table, echo, raw, "canary", "items", "--candidate", "orders", "--percent", "5")
        wait_until(lambda: CALLER_COOKIE in requests.get(f"{proxy.url}/items", timeout=10).headers.get("set-cookie", ""),
                   timeout=10, what="the proxy to take the canary")
        first = requests.get(f"{proxy.url}/items", timeout=10)
        cookie = first.cookies.get(CALLER_COOKIE)
        assert cookie is not None and "HttpOnly" in first.headers["set-cookie"]
        side = served_by(proxy, Cookie=f"{CALLER_COOKIE}={cookie}")
        assert {served_by(proxy, Cookie=f"{CALLER_COOKIE}={cookie}") for _ in range(10)} == {side}
        stays = f"{CALLER_COOKIE}={caller_at_or_above(5.0)}"
        assert served_by(proxy, Cookie=stays) == "monolith"
        assert served_by(proxy, Cookie=stays, **{"X-Strangler-Arm": "candidate"}) == "monolith"
        pinned = {"X-Strangler-Arm": "candidate", "X-Strangler-Internal": sign_internal(keys=[SIGNING_KEY])}
        assert served_by(proxy, Cookie=stays, **pinned) == "orders"
    finally:
        proxy.stop()

"""The judge through a real proxy: a canary whose candidate fails is rolled back by itself, with the
reason in the history; a canary with too little traffic is held, neither rolled back nor advanced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from strangler_proxy.judge.tally import verdict_key
from tests.strangler_proxy.control.conftest import clear_live_states
from tests.strangler_proxy.control.support import strangler
from tests.strangler_proxy.control.test_fallback import ROUTES
from tests.strangler_proxy.upstreams.processes import Running, start_proxy
from tests.support.waiting import wait_until


@pytest.fixture(autouse=True)
def no_live_states(redis_client) -> Iterator[None]:
    clear_live_states(redis_client)
    yield
    clear_live_states(redis_client)


def started(tmp_path: Path, echo: Running, raw: Running, *canary: str) -> tuple[Running, dict[str, str]]:
    table = tmp_path / "judged-routes.toml"
    table.write_text(ROUTES)
    env = {"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "CANDIDATE_URL": raw.url}
    proxy = start_proxy(tmp_path, ROUTES, WEB_CONCURRENCY="2", **env)
    assert strangler(env, "canary", "items", "--candidate", "orders", *canary).returncode == 0
    wait_until(lambda: any(requests.get(f"{proxy.url}/raw/ok", timeout=10).text == "ok" for _ in range(20)),
               timeout=10, what="the proxy to take the canary")
    return proxy, env


def history(env: dict[str, str]) -> list[dict]:
    return json.loads(strangler(env, "history", "items", "--json").stdout)


def test_a_candidate_answering_5xx_is_rolled_back_by_the_judge_with_its_reason(echo, raw, tmp_path, redis_client):
    proxy, env = started(tmp_path, echo, raw, "--percent", "50")
    try:
        # New callers each time (no cookie kept): about half land on the candidate, which answers 502;
        # the primary answers them instead (they are GETs), and each counts as the candidate's error.
        answers = [requests.get(f"{proxy.url}/raw/html-error", timeout=10).status_code for _ in range(160)]
        assert set(answers) == {200}
        rolled_back = wait_until(lambda: [r for r in history(env) if r["action"] == "rollback"], timeout=30,
                                 what="the judge to roll the canary back")
    finally:
        proxy.stop()
    assert rolled_back[0]["by"] == "strangler-judge" and "error rate" in rolled_back[0]["reason"]
    assert rolled_back[0]["after"]["candidate"] is None
    status = json.loads(strangler(env, "status", "--json").stdout)[0]
    assert status["mode"] == "none" and status["verdict"] is None  # no candidate, nothing to judge
    verdict = json.loads(redis_client.get(verdict_key("items")))
    assert verdict["outcome"] == "fail" and verdict["figures"]["requests"]["candidate"] > 0


def test_a_canary_with_little_traffic_is_held_not_rolled_back_or_advanced(echo, raw, tmp_path):
    proxy, env = started(tmp_path, echo, raw, "--steps", "10,50,100", "--interval", "1s")
    try:
        for _ in range(3):
            requests.get(f"{proxy.url}/raw/ok", timeout=10)
        verdict = wait_until(lambda: json.loads(strangler(env, "status", "--json").stdout)[0]["verdict"], timeout=30,
                             what="a verdict on the canary")
    finally:
        proxy.stop()
    assert verdict["outcome"] == "not enough data"
    assert [record["action"] for record in history(env)] == ["canary"]
    assert json.loads(strangler(env, "status", "--json").stdout)[0]["percent"] == 10.0

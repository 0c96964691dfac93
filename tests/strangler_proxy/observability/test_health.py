"""/_strangler/healthz answers from memory; /_strangler/readyz checks every upstream and Redis, at most
once a second per process."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from strangler_proxy.forwarding.pool import UpstreamPool
from strangler_proxy.observability.health import CHECK_SECONDS, Readiness
from tests.strangler_proxy.conftest import proxy_env
from tests.strangler_proxy.upstreams.processes import Running, start_echo, start_proxy
from tests.support.waiting import free_port, wait_until

ECHO_ONLY = """
[upstreams.echo]
url_env = "ECHO_URL"
health_path = "/healthz"

[[routes]]
id = "default"
prefix = "/"
upstream = "echo"
"""
TWO_UPSTREAMS = """
[upstreams.echo]
url_env = "ECHO_URL"

[upstreams.catalog]
url_env = "CATALOG_URL"

[[routes]]
id = "catalog"
prefix = "/v1/products"
upstream = "catalog"

[[routes]]
id = "default"
prefix = "/"
upstream = "echo"
"""


def test_healthz_answers_ok(proxy):
    response = requests.get(f"{proxy.url}/_strangler/healthz", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ok_when_every_upstream_and_redis_answer(proxy):
    response = requests.get(f"{proxy.url}/_strangler/readyz", timeout=10)
    assert response.status_code == 200
    assert response.json()["checks"] == {"echo": "ok", "raw": "ok", "redis": "ok"}


def test_readyz_names_an_upstream_that_does_not_answer(echo, raw, tmp_path):
    """The catalog upstream's port has nothing listening."""
    proxy = start_proxy(tmp_path, TWO_UPSTREAMS, CATALOG_URL=f"http://127.0.0.1:{free_port()}",
                        **proxy_env(echo, raw))
    try:
        response = requests.get(f"{proxy.url}/_strangler/readyz", timeout=10)
    finally:
        proxy.stop()
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == 503 and body["message"] == "not ready: catalog" and body["request_id"]
    assert body["checks"]["catalog"] == "failed: CONNECT_FAILED" and body["checks"]["echo"] == "ok"


def test_readyz_names_redis_when_it_does_not_answer(echo, raw, tmp_path):
    proxy = start_proxy(tmp_path, TWO_UPSTREAMS, CATALOG_URL=echo.url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                        **proxy_env(echo, raw))
    try:
        response = requests.get(f"{proxy.url}/_strangler/readyz", timeout=10)
    finally:
        proxy.stop()
    assert response.status_code == 503 and response.json()["message"] == "not ready: redis"


def test_an_unknown_page_under_the_proxy_s_prefix_is_a_json_404(proxy):
    response = requests.get(f"{proxy.url}/_strangler/nothing-here", timeout=10)
    assert response.status_code == 404 and response.json()["code"] == 404


# ---------------------------------------------------------------- probes, at most once a second
def probes(echo: Running, request_ids: str) -> int:
    """Readiness probes the echo upstream received for calls whose ids begin with `request_ids`, counted
    once every line it logged so far has been read."""
    marker = uuid.uuid4().hex
    requests.get(f"{echo.url}/marker", headers={"X-Test-Id": marker}, timeout=10)
    # Probes were logged before the marker request was sent, so they are read before it.
    wait_until(lambda: any(line.get("request_tag") == marker for line in echo.lines("echo")), timeout=10,
               what="the echo upstream's log to reach the marker request")
    return sum(1 for line in echo.lines("echo")
               if line["received"]["path"] == "/healthz"
               and line["received"]["headers"].get("x-request-id", "").startswith(request_ids))


def test_concurrent_readiness_calls_share_one_probe_and_its_result_serves_for_a_second(echo):
    """One process's readiness, on a clock the test moves; the echo upstream counts the probes."""
    now = [100.0]
    prefix = f"share-{uuid.uuid4().hex}"

    async def scenario() -> list[int]:
        pool = UpstreamPool("echo", echo.url, size=4, idle_timeout=4.0)
        readiness = Readiness({"echo": pool}, {"echo": "/healthz"}, redis_url=os.environ["REDIS_URL"], timeout=5.0,
                              clock=lambda: now[0])

        async def burst(calls: int) -> int:
            """`calls` readiness calls at once; the probes made so far."""
            answers = await asyncio.gather(*(readiness.readyz(f"{prefix}-{uuid.uuid4().hex}") for _ in range(calls)))
            assert {status for status, _ in answers} == {200}
            return probes(echo, prefix)

        try:
            counts = [await burst(20)]
            now[0] += CHECK_SECONDS - 0.01
            counts.append(await burst(20))
            now[0] += 0.02
            counts.append(await burst(1))
            return counts
        finally:
            await readiness.close()
            await pool.close()

    assert asyncio.run(scenario()) == [1, 1, 2]


def test_a_burst_of_readyz_calls_costs_each_upstream_at_most_one_probe_a_second(proxy, echo):
    prefix = f"burst-{uuid.uuid4().hex}"

    def ready(number: int) -> int:
        return requests.get(f"{proxy.url}/_strangler/readyz", headers={"X-Request-ID": f"{prefix}-{number}"},
                            timeout=10).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(ready, range(400)))
    elapsed = time.monotonic() - started
    assert set(statuses) == {200}
    # Checks start at least a second apart, so however long the burst took, this is the most it can cost.
    assert probes(echo, prefix) <= 1 + elapsed / CHECK_SECONDS


def test_an_upstream_that_goes_down_is_reported_once_the_last_result_is_a_second_old(tmp_path):
    echo = start_echo()
    proxy = start_proxy(tmp_path, ECHO_ONLY, ECHO_URL=echo.url)
    try:
        url = f"{proxy.url}/_strangler/readyz"
        assert requests.get(url, timeout=10).status_code == 200
        echo.stop()
        body = wait_until(lambda: (response := requests.get(url, timeout=10)).status_code == 503 and response.json(),
                          timeout=10, what="readyz to report the stopped upstream")
    finally:
        proxy.stop()
        echo.stop()
    assert body["code"] == 503 and body["message"] == "not ready: echo" and body["request_id"]
    assert body["checks"]["echo"].startswith("failed: ")

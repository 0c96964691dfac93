"""`strangler inventory`'s second figure: the share of the last hour's requests that an upstream other than
the monolith answered, as every proxy process counts them in Redis; and `--publish`, which keeps the
monolith's patterns there for the dashboard."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
import redis
import requests

from strangler_proxy.dashboard.progress import INVENTORY_KEY, published_inventory
from strangler_proxy.observability.traffic import TRAFFIC_PREFIX, last_hour
from tests.strangler_proxy.control.conftest import clear_live_states
from tests.strangler_proxy.control.support import moving_route_table, strangler
from tests.strangler_proxy.upstreams.processes import Running, start_proxy
from tests.support.processes import ROOT
from tests.support.waiting import free_port, wait_until

ROUTES = moving_route_table("RAW_URL")
MOVED, STAYED = 6, 4


def clear_traffic(client: redis.Redis) -> None:
    for key in client.scan_iter(match=f"{TRAFFIC_PREFIX}*", count=1000):
        client.delete(key)


def clear_progress(client: redis.Redis) -> None:
    """No live states, request counts or published inventory."""
    clear_live_states(client)
    clear_traffic(client)
    client.delete(INVENTORY_KEY)


@pytest.fixture(scope="module")
def table(echo: Running, raw: Running, redis_server: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The table's file and its upstreams' URLs, as the proxy and the command read them."""
    client = redis.Redis.from_url(redis_server, decode_responses=True)
    clear_progress(client)
    path = tmp_path_factory.mktemp("inventory") / "routes.toml"
    path.write_text(ROUTES)
    yield {"ROUTES_FILE": str(path), "ECHO_URL": echo.url, "RAW_URL": raw.url}
    clear_progress(client)
    client.close()


@pytest.fixture(scope="module")
def served(table: dict[str, str], redis_server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """`items` moved to the `orders` upstream (a canary at 100 %): MOVED requests there, STAYED to the
    catch-all (the monolith), all counted by the proxy in Redis; then the command's JSON and table."""
    client = redis.Redis.from_url(redis_server, decode_responses=True)
    proxy = start_proxy(tmp_path_factory.mktemp("inventory-proxy"), ROUTES, **table)
    try:
        assert strangler(table, "canary", "items", "--candidate", "orders", "--percent", "100").returncode == 0
        probes = []
        wait_until(lambda: probes.append(1) or requests.get(f"{proxy.url}/items", timeout=10).headers["content-type"]
                   != "application/json", timeout=10, what="the proxy to take the canary")
        # Forget the probes once all are counted: only the requests below remain.
        wait_until(lambda: last_hour(client).total == len(probes), timeout=10, what="the probes to be counted")
        clear_traffic(client)
        for _ in range(MOVED):
            assert requests.get(f"{proxy.url}/items", timeout=10).status_code == 200
        for number in range(STAYED):
            assert requests.get(f"{proxy.url}/elsewhere/{number}", timeout=10).status_code == 200
        wait_until(lambda: last_hour(client).counts == {("items", "orders"): MOVED, ("default", "monolith"): STAYED},
                   timeout=10, what="the proxy to count its requests in Redis")
    finally:
        proxy.stop()
        client.close()
    return run(table, "--json"), run(table)


def run(table: dict[str, str], *arguments: str, **env: str) -> str:
    done = inventory(table, *arguments, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def inventory(table: dict[str, str], *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`strangler inventory` on the kit's monolith with `table`, the test run's environment plus `env`."""
    return strangler({**table, **env}, "inventory", "--django-settings", "tests.settings", "--project-dir", str(ROOT),
                     *arguments)


def test_the_json_gives_the_share_of_the_last_hours_requests_served_beside_the_monolith(served):
    report = json.loads(served[0])
    assert report["requests_last_hour"] == {
        "moved": MOVED, "total": MOVED + STAYED, "share_moved": 0.6, "minutes": 60,
        "by_route": [{"route": "default", "upstream": "monolith", "requests": STAYED},
                     {"route": "items", "upstream": "orders", "requests": MOVED}]}


def test_the_table_form_says_both_figures(served):
    last = served[1].strip().splitlines()[-2:]
    assert last[0] == "6 of 10 requests in the last 60 minutes (60%) were answered by an upstream other than 'monolith'."
    assert "URL patterns (" in last[1]


def test_without_redis_the_requests_are_not_counted_and_it_says_so(table):
    printed = run(table, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert "Requests of the last hour: not counted (no Redis at REDIS_URL" in printed


def test_publish_keeps_the_patterns_for_the_dashboard(table, redis_client):
    report = json.loads(run(table, "--publish", "--json"))
    kept = published_inventory(redis_client)
    assert kept is not None and kept.source == "tests.settings"
    assert [entry["pattern"] for entry in kept.patterns] == [entry["pattern"] for entry in report["patterns"]]


def test_publish_without_redis_fails_and_says_why(table):
    done = inventory(table, "--publish", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert done.returncode == 1 and "--publish keeps the patterns in Redis" in done.stderr

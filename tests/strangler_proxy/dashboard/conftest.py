"""A proxy with a dashboard, a route table with room to move, and helpers to act as its users.

The primary of every route is the shared echo upstream; `orders` and `catalog` are a stand-in service
(the echo upstream answering with an extra `flavour` field), so a shadow finds one differing field. The
judge is told to wait for more traffic than the tests send, so it holds and never rolls back by itself.

Every test starts with no live route states, verdicts or shadow records in Redis, and with the proxy
serving that: the version of the live states only ever rises here (so the proxy, which polls it, cannot
mistake a new state for one it has seen), and the test waits until the page says the proxy took it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control.store import VERSION_KEY, ControlStore
from tests.strangler_proxy.control.conftest import clear_live_states
from tests.strangler_proxy.upstreams.processes import Running, start_echo, start_proxy
from tests.support.browser import launched_chromium
from tests.support.waiting import wait_until

ADMIN_TOKEN = "dashboard-tests-admin-token-0123456789abcdef"
ROUTES = """
[upstreams.monolith]
url_env = "ECHO_URL"

[upstreams.orders]
url_env = "SERVICE_URL"

[upstreams.catalog]
url_env = "SERVICE_URL"

[[routes]]
id = "orders"
prefix = "/v1/orders"
upstream = "monolith"
judge = { alpha = 0.0001, min_requests = 1000 }

[[routes]]
id = "catalog"
prefix = "/v1/products"
upstream = "monolith"
judge = { min_requests = 1000 }

[[routes]]
id = "checkout"
prefix = "/v1/checkout"
methods = ["POST"]
upstream = "monolith"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""


@pytest.fixture(scope="session")
def service() -> Iterator[Running]:
    """The extracted service's stand-in: the echo upstream, answering with an extra `flavour` field."""
    running = start_echo(ECHO_FLAVOUR="new")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def table_env(echo: Running, service: Running, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("dashboard") / "routes.toml"
    path.write_text(ROUTES)
    return {"ROUTES_FILE": str(path), "ECHO_URL": echo.url, "SERVICE_URL": service.url}


@pytest.fixture(scope="session")
def proxy(table_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_proxy(tmp_path_factory.mktemp("dashboard-proxy"), ROUTES, PROXY_ADMIN_TOKEN=ADMIN_TOKEN,
                          **table_env)
    yield running
    running.stop()


@pytest.fixture
def store(redis_client: redis.Redis, table_env: dict[str, str]) -> ControlStore:
    """The control store as the `strangler` command builds it, for setting up and checking live states."""
    return ControlStore(redis_client, load_route_table(Path(table_env["ROUTES_FILE"]), table_env))


@pytest.fixture(autouse=True)
def no_live_states(proxy: Running, redis_client: redis.Redis) -> Iterator[None]:
    fresh_start(proxy, redis_client)
    yield
    clear_live_states(redis_client)  # another test's table, in the same Redis, must not meet these states

def fresh_start(proxy: Running, client: redis.Redis) -> None:
    """No live states, verdicts or shadow records, under a version the proxy has not seen; and the proxy
    serving it."""
    version = int(client.get(VERSION_KEY) or 0)
    clear_live_states(client)
    client.set(VERSION_KEY, version + 1)
    settled(proxy, client)


def settled(proxy: Running, client: redis.Redis) -> None:
    """Wait until the proxy serves the live states in Redis (its page says which version it took)."""
    def caught_up() -> bool:
        page = requests.get(f"{proxy.url}/_strangler/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
        return f'data-version="{int(client.get(VERSION_KEY) or 0)}"' in page.text

    wait_until(caught_up, timeout=10, interval=0.1, what="the proxy to take the live states")


def signed_in(proxy: Running) -> requests.Session:
    """A browser that opened /_strangler/?token=... once and now holds the admin cookie."""
    browser = requests.Session()
    browser.headers["Accept"] = "text/html"
    opened = browser.get(f"{proxy.url}/_strangler/?token={ADMIN_TOKEN}", timeout=10)
    assert opened.status_code == 200 and opened.url == f"{proxy.url}/_strangler/", opened.text
    return browser


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page)[1]


def change(browser: requests.Session, proxy: Running, **fields: str) -> requests.Response:
    """Submit a change form the way the page does: with the CSRF token it was given."""
    page = browser.get(f"{proxy.url}/_strangler/", timeout=10)
    return browser.post(f"{proxy.url}/_strangler/change", data={"csrf": csrf_of(page.text), **fields}, timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Chromium for a module's browser tests."""
    yield from launched_chromium()


def opened(chromium: Any, proxy: Running, device: dict[str, Any]) -> Any:
    """A new browser page that opened the dashboard with the token once (the address it shows has none)."""
    context = chromium.new_context(**device, reduced_motion="reduce", locale="en-GB", timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{proxy.url}/_strangler/?token={ADMIN_TOKEN}")
    assert page.url == f"{proxy.url}/_strangler/"
    page.wait_for_selector("#routes")
    return page

"""The dashboard's migration progress, read in headless Chromium: `orders` promoted to its service, an hour's
requests counted by the proxy in Redis, and the monolith's URL patterns published by `strangler inventory
--publish`. Photographed into `screenshots/` (ignored by git)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import requests

from strangler_proxy.control import state
from strangler_proxy.control.store import ControlStore
from strangler_proxy.dashboard.progress import INVENTORY_KEY, publish_inventory
from strangler_proxy.observability.traffic import TRAFFIC_PREFIX, last_hour
from tests.strangler_proxy.dashboard.conftest import opened, settled
from tests.strangler_proxy.upstreams.processes import Running
from tests.support.browser import DESKTOP, PHONE, SCREENSHOTS
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

TO_ORDERS, TO_CATALOG, ELSEWHERE = 30, 10, 10
PATTERNS = [{"pattern": "/v1/orders", "name": "order-list", "view": "monolith.orders.apis.OrderListApi"},
            {"pattern": "/v1/orders/<uuid:order_id>", "name": "order-detail", "view": "monolith.orders.apis.OrderDetailApi"},
            {"pattern": "/v1/products", "name": "product-list", "view": "monolith.catalog.apis.ProductListApi"},
            {"pattern": "/accounts/login/", "name": "login", "view": "django.contrib.auth.views.LoginView"}]


def clear_progress(client: redis.Redis) -> None:
    for key in client.scan_iter(match=f"{TRAFFIC_PREFIX}*", count=1000):
        client.delete(key)
    client.delete(INVENTORY_KEY)


def _get(proxy: Running, path: str) -> None:
    assert requests.get(proxy.url + path, timeout=10).status_code == 200


@pytest.fixture
def progressed(proxy: Running, store: ControlStore, redis_client: redis.Redis) -> Iterator[None]:
    store.change("orders", "canary", lambda current: state.canary(current, candidate="orders", percent=100),
                 reason="moving orders", by="ada")
    store.change("orders", "promote", state.promote, reason="diffs clean", by="ada")
    settled(proxy, redis_client)
    # The proxy adds all the counts it holds at once: once a request sent now is counted, none from
    # before is still to come, and only the requests below remain.
    clear_progress(redis_client)
    _get(proxy, "/flushed")
    wait_until(lambda: ("default", "monolith") in last_hour(redis_client).counts, timeout=10,
               what="the proxy to add its counts")
    clear_progress(redis_client)
    for number in range(TO_ORDERS):
        _get(proxy, f"/v1/orders/{number}")
    for number in range(TO_CATALOG):
        _get(proxy, f"/v1/products/{number}")
    for number in range(ELSEWHERE):
        _get(proxy, f"/about/{number}")
    expected = {("orders", "orders"): TO_ORDERS, ("catalog", "monolith"): TO_CATALOG, ("default", "monolith"): ELSEWHERE}
    wait_until(lambda: last_hour(redis_client).counts == expected, timeout=10, what="the requests to be counted")
    publish_inventory(redis_client, PATTERNS, source="monolith.concierge.settings")
    yield
    clear_progress(redis_client)


def test_the_progress_panel_shows_both_figures_and_the_requests_per_route(chromium, proxy, progressed):
    page = opened(chromium, proxy, DESKTOP)
    panel = page.locator("#progress")
    figures = [[item.locator("dt").text_content(), item.locator("dd").inner_text().strip()]
               for item in panel.locator("dl.figures > div").all()]
    assert figures == [["URL patterns moved", "50.00 % 2 of 4"], ["requests moved, last 60 min", "60.00 % 30 of 50"]]
    assert panel.locator("progress").nth(1).get_attribute("value") == "30"
    rows = [[cell.inner_text() for cell in row.locator("td").all()] for row in panel.locator("tbody tr").all()]
    assert rows == [["orders", "orders", "30", "60.00 %"], ["catalog", "monolith", "10", "20.00 %"],
                    ["default", "monolith", "10", "20.00 %"]]
    assert "Patterns of monolith.concierge.settings, listed" in panel.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-progress-full.png"), full_page=True)
    panel.screenshot(path=str(SCREENSHOTS / "dashboard-progress.png"))
    page.context.close()


def test_the_progress_panel_fits_a_phone(chromium, proxy, progressed):
    page = opened(chromium, proxy, PHONE)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#progress").screenshot(path=str(SCREENSHOTS / "dashboard-progress-phone.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    page.context.close()

"""The dashboard in headless Chromium, over a migration in progress: a person signs in with the token once,
reads the canary, the shadow's diff and the history, rolls the canary back through a confirmation (and
thinks better of a promote), and sees a change made elsewhere arrive without reloading.

Photographed at desktop (1280×800) and phone (390×844) size into `screenshots/` (ignored by git).
"""

from __future__ import annotations

from typing import Any

import pytest

from strangler_proxy.control import state
from tests.strangler_proxy.dashboard.conftest import opened
from tests.strangler_proxy.dashboard.scenario import migrate
from tests.support.browser import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser



def _photograph(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.screenshot(path=str(SCREENSHOTS / f"{name}-full.png"), full_page=True)


@pytest.fixture
def migrating(proxy, store, redis_client) -> None:
    migrate(proxy, store, redis_client)


def test_a_person_reads_the_migration_and_rolls_the_canary_back(chromium, proxy, store, migrating):
    page = opened(chromium, proxy, DESKTOP)
    canary = page.locator("article.card.canary")
    assert canary.locator("h3").inner_text() == "orders"
    assert page.locator("article.card.shadow tr.differs").count() >= 2
    _photograph(page, "dashboard-desktop")

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    canary.locator("button.promote").click()
    page.wait_for_timeout(300)  # a dismissed confirmation sends nothing: give a wrongly sent form time to land
    assert asked == ["Promote orders: its candidate becomes the primary, the primary its fallback?"]
    assert [record.action for record in store.history()][:1] == ["canary"]

    canary.locator("input[name=reason]").fill("candidate p99 above the primary's")
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    canary.locator("button.rollback").click()
    page.wait_for_selector(".flash.done")
    assert asked[-1] == "Roll back orders? Reason: candidate p99 above the primary's"
    assert "rollback orders: monolith + orders (canary 25 %) → monolith" in page.locator(".flash").inner_text()
    assert page.url == f"{proxy.url}/_strangler/"  # reloading will not send the form again
    latest = store.history()[0]
    assert (latest.action, latest.by, latest.reason) == ("rollback", "admin-token", "candidate p99 above the primary's")
    assert "candidate p99 above the primary's" in page.locator("#history tbody tr").first.inner_text()
    _photograph(page, "dashboard-after-rollback")
    page.context.close()


def test_the_page_follows_changes_made_elsewhere_and_fits_a_phone(chromium, proxy, store, migrating):
    page = opened(chromium, proxy, PHONE)
    _photograph(page, "dashboard-narrow")
    store.change("catalog", "canary", lambda current: state.canary(current, candidate="catalog", percent=10),
                 reason="answers match apart from flavour", by="ada")
    page.locator("#history tbody tr").first.filter(has_text="answers match apart from flavour").wait_for(timeout=15_000)
    assert page.locator("#routes tbody tr").nth(1).locator(".badge.canary").inner_text() == "canary 10 %"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    page.context.close()

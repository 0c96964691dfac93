"""A person signs up, chats and buys through the web page, in headless Chromium, via the proxy."""

import datetime
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.system import RunningSystem
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("no chromium on this machine (apt-get install chromium, or set CHROMIUM_PATH)")


@pytest.fixture
def page(tmp_path: Path) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 900, "height": 1000})
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
            browser.close()


def test_a_person_buys_roses_through_the_chat_page(system: RunningSystem, page):
    name = f"web-{uuid.uuid4().hex[:8]}"
    page.goto(f"{system.base_url}/")
    assert page.locator(".message.bot").first.inner_text() == "Hi there, I'm your personal Concierge. How can I help?"

    page.click("text=Sign up")
    page.fill("input[name=username]", name)
    page.fill("input[name=email]", f"{name}@example.com")
    page.fill("input[name=password1]", "Roses-are-red-42")
    page.fill("input[name=password2]", "Roses-are-red-42")
    page.click("button[type=submit]")
    page.wait_for_selector(f"[data-testid=who]:has-text('{name}')")

    page.fill("#text", "I'd like a dozen red roses for tomorrow")
    page.press("#text", "Enter")
    card = page.locator(".card", has_text="A dozen red roses").first
    card.locator("button.order").click()

    form = page.locator("form.checkout").last
    form.locator("input[name=deliveryAddress]").fill("221B Baker Street")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    assert form.locator("input[name=deliveryDate]").input_value() == tomorrow
    form.locator("button[type=submit]").click()

    # The checkout service accepts at once; the page follows the order until the saga ends.
    assert "accepted" in page.locator(".outcome.pending").first.inner_text()
    outcome = page.locator(".outcome.success")
    outcome.wait_for(timeout=60_000)
    assert "confirmed" in outcome.inner_text() and "221B Baker Street" in outcome.inner_text()
    captured = wait_until(lambda: [e for e in requests.get(f"{system.card_processor_url}/_sandbox/ledger",
                                                            timeout=10).json()["entries"]
                                   if e["kind"] == "capture" and e["amount"] == 4900],
                          timeout=30, what="the capture of the roses")
    assert len(captured) == 1


def test_ordering_while_logged_out_asks_to_log_in(system: RunningSystem, page):
    page.goto(f"{system.base_url}/")
    page.fill("#text", "chocolates")
    page.press("#text", "Enter")
    page.locator(".card button.order").first.click()
    assert page.locator(".message.bot", has_text="Please log in to order").is_visible()

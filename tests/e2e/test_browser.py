"""A person signs up, chats and buys through the web page, in headless Chromium, via the proxy.

Each order's outcome is photographed at desktop (1280×800) and phone (390×844) size into `screenshots/`
(ignored by git), and every page's last state into the test's tmp_path.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.system import RunningSystem
from tests.support.browser import DESKTOP, PHONE, SCREENSHOTS, launched_chromium
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

GREETING = "Hi there, I'm your personal Concierge. How can I help?"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launched_chromium()


def _page(chromium: Any, tmp_path: Path, device: dict[str, Any]) -> Iterator[Any]:
    # Reduced motion: scrolling is instant, so what a screenshot shows is where the page came to rest.
    context = chromium.new_context(**device, reduced_motion="reduce", locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        context.close()


@pytest.fixture
def page(chromium, tmp_path: Path) -> Iterator[Any]:
    yield from _page(chromium, tmp_path, DESKTOP)


@pytest.fixture
def phone(chromium, tmp_path: Path) -> Iterator[Any]:
    yield from _page(chromium, tmp_path, PHONE)


# ---------------------------------------------------------------- steps a person takes
def _sign_up(page: Any, system: RunningSystem) -> str:
    name = f"web-{uuid.uuid4().hex[:8]}"
    page.goto(f"{system.base_url}/")
    page.click("text=Sign up")
    page.fill("input[name=username]", name)
    page.fill("input[name=email]", f"{name}@example.com")
    page.fill("input[name=password1]", "Roses-are-red-42")
    page.fill("input[name=password2]", "Roses-are-red-42")
    page.click("button[type=submit]")
    page.wait_for_selector(f"[data-testid=who]:has-text('{name}')")
    return name


def _say(page: Any, text: str) -> None:
    replies = page.locator(".message.bot:not(.typing)").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    page.locator(".message.bot:not(.typing)").nth(replies).wait_for()


def _order(page: Any, product: str) -> Any:
    """Press Order on the product's card; returns the delivery form that comes back."""
    forms = page.locator("form.checkout").count()
    page.locator(".card", has_text=product).last.locator("button.order").click()
    form = page.locator("form.checkout").nth(forms)
    form.wait_for()
    return form


def _in_view(page: Any, locator: Any) -> None:
    """The element is on screen whole: below the header and above the message box, never under it."""
    box = locator.bounding_box()
    header, composer = page.locator(".topbar").bounding_box(), page.locator("#composer").bounding_box()
    assert box is not None and header is not None and composer is not None
    assert box["y"] >= header["y"] + header["height"] - 1, f"{box} is under the header {header}"
    assert box["y"] + box["height"] <= composer["y"] + 1, f"{box} is under the message box {composer}"


def _photograph(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# ---------------------------------------------------------------- buying
def test_a_person_buys_roses_through_the_chat_page(system: RunningSystem, page):
    _sign_up(page, system)
    assert page.locator(".message.bot").first.inner_text() == GREETING

    _say(page, "I'd like a dozen red roses for tomorrow")
    form = _order(page, "A dozen red roses")
    form.locator("input[name=deliveryAddress]").fill("221B Baker Street")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    assert form.locator("input[name=deliveryDate]").input_value() == tomorrow
    form.locator("button[type=submit]").click()

    # The checkout service accepts at once; the page follows the order until the saga ends.
    assert "accepted" in page.locator(".outcome.pending").first.inner_text()
    outcome = page.locator(".outcome.success")
    outcome.wait_for(timeout=60_000)
    assert "confirmed" in outcome.inner_text() and "221B Baker Street" in outcome.inner_text()
    _in_view(page, outcome)
    button = form.locator("button[type=submit]")
    assert button.inner_text() == "Ordered"
    assert button.is_disabled()
    _photograph(page, "order-confirmed-desktop")
    captured = wait_until(lambda: [e for e in requests.get(f"{system.card_processor_url}/_sandbox/ledger",
                                                            timeout=10).json()["entries"]
                                   if e["kind"] == "capture" and e["amount"] == 4900],
                          timeout=30, what="the capture of the roses")
    assert len(captured) == 1


def test_on_a_phone_field_errors_and_a_declined_card_are_told_in_words(system: RunningSystem, phone):
    """The balloon ride costs more than the card processor's risk limit, so its payment is declined."""
    _sign_up(phone, system)
    _say(phone, "a hot-air balloon ride")
    form = _order(phone, "Hot-air balloon ride")
    address = form.locator("input[name=deliveryAddress]")
    _in_view(phone, address)

    address.fill("1 Field Lane, Bath")
    form.locator("input[name=deliveryDate]").fill((datetime.date.today() + datetime.timedelta(days=800)).isoformat())
    form.locator("button[type=submit]").click()
    problem = form.locator(".field-error[data-for=deliveryDate]")
    problem.wait_for()
    assert problem.inner_text() == "We deliver at most 365 days ahead."
    assert "deliveryDate" not in phone.locator("#messages").inner_text()

    form.locator("input[name=deliveryDate]").fill(datetime.date.today().isoformat())
    form.locator("button[type=submit]").click()
    outcome = phone.locator(".outcome.error")
    outcome.wait_for(timeout=60_000)
    told = outcome.inner_text()
    assert "Payment declined" in told and "You have not been charged." in told
    assert "risk_threshold" not in told and "card declined (" not in told
    _in_view(phone, outcome)
    assert form.locator("button[type=submit]").inner_text() == "Payment declined"
    _photograph(phone, "order-declined-phone")


def test_on_a_phone_a_confirmed_order_shows_above_the_message_box(system: RunningSystem, phone):
    _sign_up(phone, system)
    _say(phone, "chocolates under $30")
    form = _order(phone, "Box of chocolate truffles")
    form.locator("input[name=deliveryAddress]").fill("4 Privet Drive, Little Whinging")
    form.locator("button[type=submit]").click()
    outcome = phone.locator(".outcome.success")
    outcome.wait_for(timeout=60_000)
    _in_view(phone, outcome)
    _photograph(phone, "order-confirmed-phone")


def test_a_declined_order_on_the_desktop_page(system: RunningSystem, page):
    _sign_up(page, system)
    _say(page, "a hotel for friday")
    form = _order(page, "Boutique hotel night")
    form.locator("input[name=deliveryAddress]").fill("12 River Walk")
    form.locator("button[type=submit]").click()
    outcome = page.locator(".outcome.error")
    outcome.wait_for(timeout=60_000)
    _in_view(page, outcome)
    _photograph(page, "order-declined-desktop")


def test_ordering_while_logged_out_asks_to_log_in(system: RunningSystem, page):
    page.goto(f"{system.base_url}/")
    _say(page, "chocolates")
    page.locator(".card button.order").first.click()
    assert page.locator(".message.bot", has_text="Please log in to order").is_visible()


# ---------------------------------------------------------------- the conversation
def test_a_reload_starts_a_new_conversation(system: RunningSystem, page):
    page.goto(f"{system.base_url}/")
    _say(page, "roses for tomorrow")
    assert "tomorrow" in page.locator(".message.bot").nth(1).inner_text()

    page.reload()
    _say(page, "chocolates")
    intro = page.locator(".message.bot").nth(1).inner_text()
    assert intro.startswith("Here are") and "tomorrow" not in intro


def test_a_greeting_in_two_pieces_is_answered_as_a_greeting(system: RunningSystem, page):
    page.goto(f"{system.base_url}/")
    _say(page, "hi there, good morning")
    assert page.locator(".message.bot").nth(1).inner_text().startswith("Hello! What can I find for you today?")


def test_product_cards_have_drawn_pictures_and_one_width(system: RunningSystem, page):
    page.goto(f"{system.base_url}/")
    _say(page, "hotels")
    cards = page.locator(".product-grid .card")
    cards.first.wait_for()
    assert cards.count() >= 3
    widths = {round(cards.nth(index).bounding_box()["width"]) for index in range(cards.count())}
    assert len(widths) == 1, f"cards of different widths: {widths}"
    hostel = page.locator(".card", has_text="Hostel bed").locator(".picture svg").inner_html()

    _say(page, "a balloon ride")
    balloon = page.locator(".card", has_text="Hot-air balloon ride").locator(".picture svg").inner_html()
    assert hostel != balloon and "<text" not in hostel + balloon, "pictures are drawings, not initials"

"""The checkout's admin on its running web process: staff see orders (with their saga history), keys
and reports; a user who is not staff is sent back to the log-in page."""

from __future__ import annotations

import uuid

import pytest

from tests.extracted.admin_login import create_users, logged_in
from tests.extracted.checkout.conftest import order_body

CHANGELISTS = ["checkout/order/", "checkout/idempotencykey/", "checkout/reportsent/"]


@pytest.fixture(scope="module")
def admin(checkout):
    """The admin's URL, a staff user and a customer of the checkout's own, and one finished order."""
    tag = uuid.uuid4().hex[:8]
    create_users("extracted.checkout.manage", checkout.env, tag)
    order_id = checkout.checkout(order_body("prosecco")).json()["orderId"]
    checkout.wait_for_order(order_id)
    return f"{checkout.checkout_url}/admin/checkout/", tag, order_id


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_staff_user_sees_each_changelist(admin, changelist):
    url, tag, _ = admin
    session = logged_in(url, f"staff-{tag}", csrf_cookie="checkout_csrftoken")
    response = session.get(url + changelist, timeout=10, allow_redirects=False)
    assert response.status_code == 200, response.text


def test_an_order_shows_its_saga_history(admin):
    url, tag, order_id = admin
    session = logged_in(url, f"staff-{tag}", csrf_cookie="checkout_csrftoken")
    page = session.get(f"{url}checkout/order/{order_id}/change/", timeout=10).text
    assert "authorize_payment" in page and "capture_payment" in page and "Succeeded" in page
    assert 'name="_save"' not in page  # to look at, not to edit


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_user_who_is_not_staff_is_refused(admin, changelist):
    url, tag, _ = admin
    session = logged_in(url, f"customer-{tag}", csrf_cookie="checkout_csrftoken")
    response = session.get(url + changelist, timeout=10, allow_redirects=False)
    assert response.status_code == 302 and "/admin/checkout/login/" in response.headers["Location"]
    assert "sessionid" not in session.cookies  # never the monolith's cookie name

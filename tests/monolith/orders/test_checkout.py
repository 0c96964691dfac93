"""The original synchronous checkout against the real card-processor sandbox."""

import datetime
import json

from django.utils import timezone

from monolith.accounts.models import Profile
from monolith.catalog.models import Product
from monolith.orders.models import Order
from tests.support.waiting import free_port


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def _checkout(client, **overrides):
    body = {"productId": "chocolate-truffles", "deliveryAddress": "1 Cocoa Lane", "deliveryDate": _tomorrow()}
    body.update(overrides)
    return client.post("/v1/checkout", json.dumps(body), content_type="application/json")


def _stock(product_id: str) -> int:
    return Product.objects.get(pk=product_id).stock


def test_checkout_charges_stores_the_order_and_takes_stock(demo_catalog, card_processor, shopper_client, mailoutbox):
    before = _stock("chocolate-truffles")
    response = _checkout(shopper_client)
    body = response.json()
    assert response.status_code == 200 and body["success"] is True
    assert "confirmed" in body["message"] and "1 Cocoa Lane" in body["message"]
    order = Order.objects.get(pk=body["orderId"])
    assert (order.product_id, order.amount_cents, order.status) == ("chocolate-truffles", 2400, "confirmed")
    assert _stock("chocolate-truffles") == before - 1
    assert card_processor.kinds(order_id=body["orderId"]) == ["charge"]
    assert [mail.to for mail in mailoutbox] == [["ada@example.com"]] and order.number in mailoutbox[0].subject


def test_a_decline_by_the_risk_rule_leaves_no_order_and_no_stock_change(demo_catalog, card_processor, shopper_client):
    before = _stock("city-hotel-night")
    response = _checkout(shopper_client, productId="city-hotel-night")
    body = response.json()
    assert response.status_code == 402 and body["success"] is False and body["code"] == 402
    assert "declined" in body["message"]
    assert not Order.objects.exists() and _stock("city-hotel-night") == before


def test_a_card_that_always_declines_is_declined(demo_catalog, card_processor, shopper, shopper_client):
    Profile.objects.filter(user=shopper).update(payment_method="pm_card_chargeDeclined")
    before = _stock("chocolate-truffles")
    response = _checkout(shopper_client)
    assert response.status_code == 402 and "generic_decline" in response.json()["message"]
    assert not Order.objects.exists() and _stock("chocolate-truffles") == before


def test_out_of_stock_is_a_409_and_charges_nothing(demo_catalog, card_processor, shopper_client):
    Product.objects.filter(pk="prosecco").update(stock=0)
    ledger_before = len(card_processor.ledger())
    response = _checkout(shopper_client, productId="prosecco")
    assert response.status_code == 409 and response.json()["success"] is False
    assert len(card_processor.ledger()) == ledger_before and not Order.objects.exists()


def test_an_unreachable_card_processor_is_a_503_that_puts_the_stock_back(demo_catalog, shopper_client, settings):
    from monolith.orders.payments import card_processor as client_factory

    settings.CARD_PROCESSOR_URL = f"http://127.0.0.1:{free_port()}"
    client_factory.cache_clear()
    before = _stock("chocolate-truffles")
    response = _checkout(shopper_client)
    client_factory.cache_clear()
    assert response.status_code == 503 and response.json()["code"] == 503
    assert not Order.objects.exists() and _stock("chocolate-truffles") == before


def test_anonymous_checkout_is_403_in_the_error_shape(demo_catalog, client):
    response = _checkout(client)
    assert response.status_code == 403 and isinstance(response.json()["code"], int)


def test_the_order_history_shows_only_the_shoppers_own_orders(demo_catalog, card_processor, shopper_client, client):
    order_id = _checkout(shopper_client).json()["orderId"]
    orders = shopper_client.get("/v1/orders").json()["orders"]
    assert [order["orderId"] for order in orders] == [order_id]
    assert shopper_client.get(f"/v1/orders/{order_id}").json()["deliveryAddress"] == "1 Cocoa Lane"

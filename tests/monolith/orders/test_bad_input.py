"""Bad checkout input: a 4xx in the contract's Error shape, and nothing written, charged or taken."""

import datetime
import json

import pytest
from django.utils import timezone

from monolith.catalog.models import Product
from monolith.orders.models import Order

YESTERDAY = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
GOOD = {"productId": "chocolate-truffles", "deliveryAddress": "1 Cocoa Lane", "deliveryDate": TOMORROW}

BAD_BODIES = {
    "malformed JSON": '{"productId": "chocolate-truffles",',
    "not an object": json.dumps(["chocolate-truffles"]),
    "missing productId": json.dumps({k: v for k, v in GOOD.items() if k != "productId"}),
    "productId not a string": json.dumps({**GOOD, "productId": 42}),
    "unknown productId": json.dumps({**GOOD, "productId": "unicorn"}),
    "blank address": json.dumps({**GOOD, "deliveryAddress": "  "}),
    "address not a string": json.dumps({**GOOD, "deliveryAddress": {"street": "x"}}),
    "date in the past": json.dumps({**GOOD, "deliveryDate": YESTERDAY}),
    "date not a date": json.dumps({**GOOD, "deliveryDate": "tomorrow-ish"}),
    "date not a string": json.dumps({**GOOD, "deliveryDate": 20261224}),
    "oversized body": json.dumps({**GOOD, "deliveryAddress": "x" * 70_000}),
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_bad_checkout_input_is_a_4xx_error_and_changes_nothing(case, demo_catalog, card_processor, shopper_client):
    ledger_before, stock_before = len(card_processor.ledger()), list(Product.objects.values_list("stock", flat=True))
    response = shopper_client.post("/v1/checkout", BAD_BODIES[case], content_type="application/json")
    body = response.json()
    assert 400 <= response.status_code < 500, (case, response.status_code, body)
    assert isinstance(body["code"], int) and body["code"] == response.status_code
    assert isinstance(body["message"], str) and body["message"]
    assert not Order.objects.exists()
    assert list(Product.objects.values_list("stock", flat=True)) == stock_before
    assert len(card_processor.ledger()) == ledger_before


def test_an_oversized_body_is_413(demo_catalog, shopper_client):
    response = shopper_client.post("/v1/checkout", BAD_BODIES["oversized body"], content_type="application/json")
    assert response.status_code == 413


def test_a_past_date_says_so(demo_catalog, card_processor, shopper_client):
    response = shopper_client.post("/v1/checkout", BAD_BODIES["date in the past"], content_type="application/json")
    assert "deliveryDate" in response.json()["message"] and "past" in response.json()["message"]

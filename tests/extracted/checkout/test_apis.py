"""`POST /v1/checkout` and the order reads, over HTTP against the running service."""

from __future__ import annotations

import datetime
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chassis.identity import NOT_AUTHENTICATED, Identity, sign
from tests.extracted.checkout.conftest import order_body
from tests.extracted.checkout.system import ADA, CheckoutSystem

BOB = Identity(user_id="202", username="bob", email="bob@example.com")


def order_ids(checkout: CheckoutSystem, identity: Identity = ADA) -> list[str]:
    return checkout.order_ids(identity)


def assert_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]


def test_an_order_is_accepted_at_once_with_its_id_and_where_to_read_the_outcome(checkout):
    response = checkout.checkout(order_body("prosecco"))
    assert response.status_code == 202
    body = response.json()
    assert body["success"] is True and "accepted" in body["message"] and "not confirmed yet" in body["message"]
    assert body["status"] == "pending" and uuid.UUID(body["orderId"])
    assert body["statusUrl"] == f"/v1/orders/{body['orderId']}" == response.headers["Location"]
    checkout.wait_for_order(body["orderId"])


def test_the_status_url_shows_status_amounts_and_history(checkout):
    accepted = checkout.checkout(order_body("teddy-bear")).json()
    order = checkout.wait_for_order(accepted["orderId"])
    assert (order["status"], order["productId"], order["amountCents"], order["currency"]) == (
        "confirmed", "teddy-bear", 1999, "usd")
    assert order["history"][0]["step"] == "checkout" and all(entry["at"] for entry in order["history"])


def test_another_user_cannot_read_the_order(checkout):
    order_id = checkout.checkout(order_body("prosecco")).json()["orderId"]
    assert_error(checkout.order(order_id, identity=BOB), 404)
    assert order_id not in order_ids(checkout, BOB)
    checkout.wait_for_order(order_id)


def test_an_unknown_order_id_is_404(checkout):
    assert_error(checkout.order(str(uuid.uuid4())), 404)
    assert_error(checkout.order("not-a-uuid"), 404)


@pytest.mark.parametrize("headers", [{}, {"X-Strangler-Identity": "forged"},
                                     {"X-Strangler-Identity": sign(ADA, keys=["someone-elses-key"])}])
def test_an_anonymous_or_forged_caller_gets_403_and_orders_nothing(checkout, headers):
    before = order_ids(checkout)
    posted = requests.post(f"{checkout.checkout_url}/v1/checkout", json=order_body(), headers=headers, timeout=10)
    read = requests.get(f"{checkout.checkout_url}/v1/orders", headers=headers, timeout=10)
    assert_error(posted, 403)
    assert_error(read, 403)
    # The monolith's words for no token and for a bad one, too (chassis.identity.NOT_AUTHENTICATED).
    assert posted.json()["message"] == read.json()["message"] == NOT_AUTHENTICATED
    assert order_ids(checkout) == before


def long_ago() -> str:
    return (datetime.date.today() - datetime.timedelta(days=1)).isoformat()


def too_far() -> str:
    return (datetime.date.today() + datetime.timedelta(days=400)).isoformat()


@pytest.mark.parametrize("body", [
    {},
    {"deliveryAddress": "12 Rue de Rivoli", "deliveryDate": "2031-01-01"},
    order_body("no-such-product"),
    order_body("../../etc/passwd"),
    order_body(deliveryDate=long_ago()),
    order_body(deliveryDate=too_far()),
    order_body(deliveryDate="next tuesday"),
    order_body(deliveryDate=20310101),
    order_body(deliveryAddress=""),
    order_body(deliveryAddress="x" * 301),
    order_body(productId=["prosecco"]),
    order_body(paymentMethod="4242424242424242"),
    ["prosecco"],
    "prosecco",
])
def test_bad_input_is_a_400_in_the_error_shape_and_writes_nothing(checkout, body):
    before = order_ids(checkout)
    assert_error(checkout.checkout(body), 400)
    assert order_ids(checkout) == before


@pytest.mark.parametrize(("data", "status"), [(b"{", 400), (b"", 400), (b'{"productId": "\xff"}', 400),
                                               (b'{"deliveryAddress": "' + b"x" * 70_000 + b'"}', 413)])
def test_a_malformed_or_oversized_body_is_refused_and_writes_nothing(checkout, data, status):
    before = order_ids(checkout)
    assert_error(checkout.checkout(None, data=data), status)
    assert order_ids(checkout) == before


def test_the_same_idempotency_key_and_body_return_the_same_order(checkout):
    key, body = f"key-{uuid.uuid4()}", order_body("milk-chocolate-hearts")
    first, again = checkout.checkout(body, key=key), checkout.checkout(dict(reversed(body.items())), key=key)
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    order_id = first.json()["orderId"]
    checkout.wait_for_order(order_id)
    assert order_ids(checkout).count(order_id) == 1
    assert checkout.kinds(order_id) == ["authorize", "capture"]


def test_the_same_idempotency_key_with_another_body_is_refused_and_creates_nothing(checkout):
    key = f"key-{uuid.uuid4()}"
    first = checkout.checkout(order_body("prosecco"), key=key).json()
    before = order_ids(checkout)
    other = checkout.checkout(order_body("teddy-bear"), key=key)
    assert_error(other, 422)
    assert order_ids(checkout) == before
    checkout.wait_for_order(first["orderId"])


def test_one_idempotency_key_belongs_to_one_user(checkout):
    key = f"key-{uuid.uuid4()}"
    ada = checkout.checkout(order_body("prosecco"), key=key).json()
    bob = checkout.checkout(order_body("prosecco"), key=key, identity=BOB).json()
    assert ada["orderId"] != bob["orderId"]
    checkout.wait_for_order(ada["orderId"])
    checkout.wait_for_order(bob["orderId"], identity=BOB)


def test_twin_requests_with_one_key_at_the_same_moment_create_one_order(checkout):
    """Eight clients send the same request with the same key at the same moment."""
    key, body, start = f"key-{uuid.uuid4()}", order_body("hostel-bed"), threading.Barrier(8)

    def send(_: int) -> requests.Response:
        start.wait()
        return checkout.checkout(body, key=key)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(8)))
    assert {response.status_code for response in responses} == {202}
    [order_id] = {response.json()["orderId"] for response in responses}
    checkout.wait_for_order(order_id)
    assert checkout.kinds(order_id) == ["authorize", "capture"]


def test_a_malformed_idempotency_key_is_a_400(checkout):
    assert_error(checkout.checkout(order_body(), key="x" * 300), 400)


def test_a_product_is_read_from_the_catalogue_once_for_checkouts_in_quick_succession(checkout):
    """CATALOG_PRODUCT_CACHE_SECONDS (30 by default) keeps the product in the web process: the second
    checkout of it asks the catalogue nothing, and both orders carry the catalogue's price."""
    path = "/v1/products/cooking-class"  # a product no other test here orders, so no process has kept it
    before = _monolith_gets(checkout, path)
    first = checkout.checkout(order_body("cooking-class")).json()
    second = checkout.checkout(order_body("cooking-class")).json()
    amounts = {checkout.wait_for_order(body["orderId"])["amountCents"] for body in (first, second)}
    assert _monolith_gets(checkout, path) - before == 1
    price = requests.get(f"{checkout.monolith_url}{path}", timeout=10).json()["priceCents"]
    assert amounts == {price}


def _monolith_gets(checkout: CheckoutSystem, path: str) -> int:
    return sum(1 for line in checkout.processes["monolith"].json_lines()
               if line.get("method") == "GET" and line.get("path") == path)

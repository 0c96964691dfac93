"""Bad JSON of any shape to `POST /v1/checkout`, over HTTP: a 400 in the Error shape, nothing written."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.extracted.checkout.conftest import order_body

DEEP = 10_000
BODIES = {
    "arrays, unclosed": "[" * DEEP,
    "objects, unclosed": '{"a":' * DEEP,
    "arrays, closed": "[" * 5000 + "]" * 5000,
    # Parses, but the idempotency fingerprint (json.dumps) and the serializer recurse over it afterwards.
    "a field nested just short of the parser's reach": '{"productId": ' + "[" * 900 + "]" * 900 + "}",
    "a field nested past what any request needs": '{"productId": ' + "[" * 40 + "]" * 40 + "}",
    "not JSON": "{'productId': nope",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_bad_json_is_a_400_in_the_error_shape_and_orders_nothing(checkout, body):
    before = checkout.order_ids()
    response = checkout.checkout(None, data=body.encode(), key=f"deep-{uuid.uuid4().hex}")
    assert response.status_code == 400, response.text[:300]
    error = response.json()
    assert error["code"] == 400 and error["message"].startswith("JSON parse error") and error["request_id"]
    assert checkout.order_ids() == before


def test_a_key_first_sent_with_bad_json_is_still_free_for_a_good_request(checkout):
    key = f"deep-then-good-{uuid.uuid4().hex}"
    refused = checkout.checkout(None, data=("[" * DEEP).encode(), key=key)
    accepted = checkout.checkout(None, data=json.dumps(order_body()).encode(), key=key)
    assert refused.status_code == 400
    assert accepted.status_code == 202, accepted.text
    checkout.wait_for_order(accepted.json()["orderId"])

"""Fingerprints of requests and the processor's idempotency keys (no Django, no processes)."""

from __future__ import annotations

from extracted.checkout.checkout.fingerprints import processor_key, request_fingerprint

BODY = {"productId": "prosecco", "deliveryAddress": "12 Rue de Rivoli", "deliveryDate": "2031-01-02"}


def fingerprint(body=BODY, **overrides):
    arguments = {"method": "POST", "path": "/v1/checkout", "body": body, "user_id": "101", **overrides}
    return request_fingerprint(**arguments)


def test_the_same_request_in_another_key_order_has_the_same_fingerprint():
    assert fingerprint() == fingerprint(dict(reversed(list(BODY.items()))))


def test_another_body_user_path_or_method_changes_the_fingerprint():
    others = {fingerprint({**BODY, "productId": "teddy-bear"}), fingerprint(user_id="102"),
              fingerprint(path="/v1/other"), fingerprint(method="PUT")}
    assert fingerprint() not in others and len(others) == 4


def test_processor_keys_are_stable_per_order_and_action():
    assert processor_key("o-1", "authorize") == processor_key("o-1", "authorize") == "checkout-o-1-authorize"
    assert processor_key("o-1", "capture") != processor_key("o-1", "authorize")

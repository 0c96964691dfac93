"""The sandbox's HTTP API, spoken to over the network as a card-processor client would."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.sandboxes.card_processor.conftest import StartCardProcessor
from tests.sandboxes.card_processor.sandbox import Sandbox


def order() -> str:
    return uuid.uuid4().hex


def intent(amount: int = 500, *, order_id: str, **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa",
            "metadata": {"order_id": order_id}, **extra}


def post(sandbox: Sandbox, path: str, body: Any = None, *, key: str | None = None) -> requests.Response:
    return sandbox.post(path, body, key=key)


def test_automatic_charge_succeeds_and_is_recorded_as_a_charge(card_processor: Sandbox) -> None:
    order_id = order()
    response = post(card_processor, "/v1/payment_intents", intent(order_id=order_id))
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("pi_") and body["object"] == "payment_intent"
    assert (body["status"], body["amount"], body["currency"]) == ("succeeded", 500, "usd")
    assert body["metadata"] == {"order_id": order_id}
    [entry] = card_processor.ledger(order_id=order_id)
    assert (entry["kind"], entry["payment_intent"], entry["amount"]) == ("charge", body["id"], 500)


def test_authorization_waits_for_capture_and_capture_succeeds(card_processor: Sandbox) -> None:
    order_id = order()
    held = post(card_processor, "/v1/payment_intents", intent(order_id=order_id, capture_method="manual")).json()
    assert held["status"] == "requires_capture"
    captured = post(card_processor, f"/v1/payment_intents/{held['id']}/capture")
    assert captured.status_code == 200 and captured.json()["status"] == "succeeded"
    assert card_processor.kinds(order_id=order_id) == ["authorize", "capture"]


def test_authorization_can_be_voided_and_then_not_captured(card_processor: Sandbox) -> None:
    order_id = order()
    held = post(card_processor, "/v1/payment_intents", intent(order_id=order_id, capture_method="manual")).json()
    voided = post(card_processor, f"/v1/payment_intents/{held['id']}/cancel")
    assert voided.status_code == 200 and voided.json()["status"] == "canceled"
    refused = post(card_processor, f"/v1/payment_intents/{held['id']}/capture")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "payment_intent_unexpected_state"
    assert card_processor.kinds(order_id=order_id) == ["authorize", "void"]


def test_a_charged_intent_cannot_be_captured_or_voided(card_processor: Sandbox) -> None:
    charged = post(card_processor, "/v1/payment_intents", intent(order_id=order())).json()
    for action in ("capture", "cancel"):
        response = post(card_processor, f"/v1/payment_intents/{charged['id']}/{action}")
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "invalid_request_error"


def test_amount_at_the_risk_limit_is_declined_and_one_cent_less_is_charged(card_processor: Sandbox) -> None:
    order_id = order()
    declined = post(card_processor, "/v1/payment_intents", intent(10000, order_id=order_id))
    charged = post(card_processor, "/v1/payment_intents", intent(9999, order_id=order_id))
    assert declined.status_code == 402
    error = declined.json()["error"]
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", "risk_threshold")
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert charged.status_code == 200
    assert card_processor.kinds(order_id=order_id) == ["decline", "charge"]


def test_stripes_declining_test_card_is_always_declined(card_processor: Sandbox) -> None:
    order_id = order()
    response = post(card_processor, "/v1/payment_intents",
                    intent(100, order_id=order_id, payment_method="pm_card_chargeDeclined"))
    assert response.status_code == 402
    assert response.json()["error"]["decline_code"] == "generic_decline"
    assert card_processor.kinds(order_id=order_id) == ["decline"]


@pytest.mark.parametrize("payment_method", ["visa", "tok_visa", "pm_bank_sepa", "pm_card_"])
def test_payment_method_that_is_not_a_test_card_is_a_bad_request(card_processor: Sandbox,
                                                                 payment_method: str) -> None:
    order_id = order()
    response = post(card_processor, "/v1/payment_intents",
                    intent(order_id=order_id, payment_method=payment_method))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "payment_method"
    assert card_processor.ledger(order_id=order_id) == []


def test_refund_in_parts_up_to_the_amount_and_no_further(card_processor: Sandbox) -> None:
    order_id = order()
    charged = post(card_processor, "/v1/payment_intents", intent(1000, order_id=order_id)).json()
    part = post(card_processor, "/v1/refunds", {"payment_intent": charged["id"], "amount": 300})
    too_much = post(card_processor, "/v1/refunds", {"payment_intent": charged["id"], "amount": 701})
    rest = post(card_processor, "/v1/refunds", {"payment_intent": charged["id"]})
    again = post(card_processor, "/v1/refunds", {"payment_intent": charged["id"]})
    assert part.status_code == 200
    assert {key: part.json()[key] for key in ("object", "payment_intent", "amount", "status")} == {
        "object": "refund", "payment_intent": charged["id"], "amount": 300, "status": "succeeded"}
    assert part.json()["id"].startswith("re_")
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (400, "amount_too_large")
    assert (rest.status_code, rest.json()["amount"]) == (200, 700)
    assert (again.status_code, again.json()["error"]["code"]) == (400, "charge_already_refunded")
    assert [(e["kind"], e["amount"]) for e in card_processor.ledger(order_id=order_id)] == [
        ("charge", 1000), ("refund", 300), ("refund", 700)]


def test_an_uncaptured_authorization_cannot_be_refunded(card_processor: Sandbox) -> None:
    held = post(card_processor, "/v1/payment_intents", intent(order_id=order(), capture_method="manual")).json()
    response = post(card_processor, "/v1/refunds", {"payment_intent": held["id"]})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "payment_intent_unexpected_state")


def test_get_returns_the_intent_and_an_unknown_id_is_404(card_processor: Sandbox) -> None:
    charged = post(card_processor, "/v1/payment_intents", intent(order_id=order())).json()
    found = requests.get(f"{card_processor.base_url}/v1/payment_intents/{charged['id']}", timeout=5)
    missing = requests.get(f"{card_processor.base_url}/v1/payment_intents/pi_nope", timeout=5)
    assert found.json() == charged
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "resource_missing")


def test_same_key_and_same_params_replay_the_first_answer(card_processor: Sandbox) -> None:
    order_id, key = order(), order()
    first = post(card_processor, "/v1/payment_intents", intent(order_id=order_id), key=key)
    reordered = dict(reversed(list(intent(order_id=order_id).items())))
    second = post(card_processor, "/v1/payment_intents", reordered, key=key)
    assert first.json() == second.json()
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    [entry] = card_processor.ledger(order_id=order_id)
    assert (entry["kind"], entry["idempotency_key"]) == ("charge", key)


def test_same_key_with_other_params_is_rejected(card_processor: Sandbox) -> None:
    order_id, key = order(), order()
    post(card_processor, "/v1/payment_intents", intent(500, order_id=order_id), key=key)
    response = post(card_processor, "/v1/payment_intents", intent(600, order_id=order_id), key=key)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"
    assert card_processor.kinds(order_id=order_id) == ["charge"]


def test_same_key_on_another_endpoint_is_rejected(card_processor: Sandbox) -> None:
    key = order()
    held = post(card_processor, "/v1/payment_intents", intent(order_id=order(), capture_method="manual"), key=key)
    response = post(card_processor, f"/v1/payment_intents/{held.json()['id']}/capture", key=key)
    assert response.json()["error"]["type"] == "idempotency_error"


def test_a_replayed_decline_is_declined_again_without_a_second_attempt(card_processor: Sandbox) -> None:
    order_id, key = order(), order()
    body = intent(order_id=order_id, payment_method="pm_card_chargeDeclined")
    first, second = (post(card_processor, "/v1/payment_intents", body, key=key) for _ in range(2))
    assert first.status_code == second.status_code == 402
    assert first.json() == second.json()
    assert card_processor.kinds(order_id=order_id) == ["decline"]


def test_a_refused_request_leaves_its_key_free_for_a_correct_one(card_processor: Sandbox) -> None:
    order_id, key = order(), order()
    held = post(card_processor, "/v1/payment_intents", intent(order_id=order_id, capture_method="manual")).json()
    post(card_processor, f"/v1/payment_intents/{held['id']}/cancel")
    refused = post(card_processor, f"/v1/payment_intents/{held['id']}/capture", key=key)
    assert refused.status_code == 400
    charged = post(card_processor, "/v1/payment_intents", intent(order_id=order_id), key=key)
    assert charged.status_code == 200 and "Idempotent-Replayed" not in charged.headers


def test_bad_json_is_a_400_invalid_request_error(card_processor: Sandbox) -> None:
    response = requests.post(f"{card_processor.base_url}/v1/payment_intents", data=b"{not json",
                             headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "code": "invalid_json",
                                        "message": "The request body is not valid JSON."}


@pytest.mark.parametrize(("body", "param"), [
    ({"amount": "500"}, "amount"), ({"amount": 5.5}, "amount"), ({"amount": True}, "amount"),
    ({"amount": 0}, "amount"), ({"amount": None}, "amount"), ({"currency": "USD"}, "currency"),
    ({"currency": 840}, "currency"), ({"metadata": {"order_id": 7}}, "metadata"),
    ({"metadata": ["a"]}, "metadata"), ({"capture_method": "later"}, "capture_method"),
    ({"amount_cents": 500}, "amount_cents"),
])
def test_wrong_types_and_unknown_params_are_400_naming_the_param(card_processor: Sandbox, body: dict[str, Any],
                                                                 param: str) -> None:
    response = post(card_processor, "/v1/payment_intents", intent(order_id=order()) | body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize("body", [[1, 2], "text", 12, {"payment_intent": 5}, {"payment_intent": "pi_x", "amount": -1}])
def test_a_body_that_is_not_a_valid_object_is_a_400(card_processor: Sandbox, body: Any) -> None:
    response = post(card_processor, "/v1/refunds", body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_paths_and_methods_answer_stripe_shaped_json(card_processor: Sandbox) -> None:
    missing = requests.get(f"{card_processor.base_url}/v1/charges", timeout=5)
    wrong_method = requests.get(f"{card_processor.base_url}/v1/refunds", timeout=5)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "resource_missing")
    assert (wrong_method.status_code, wrong_method.json()["error"]["type"]) == (405, "invalid_request_error")


def test_a_bearer_api_key_is_accepted_and_ignored(card_processor: Sandbox) -> None:
    response = requests.post(f"{card_processor.base_url}/v1/payment_intents", json=intent(order_id=order()),
                             headers={"Authorization": "Bearer sk_test_anything"}, timeout=5)
    assert response.status_code == 200


def test_ledger_filters_by_every_metadata_key_given(card_processor: Sandbox) -> None:
    order_id = order()
    post(card_processor, "/v1/payment_intents", intent(order_id=order_id) | {"metadata": {"order_id": order_id,
                                                                                          "step": "a"}})
    post(card_processor, "/v1/payment_intents", intent(order_id=order_id) | {"metadata": {"order_id": order_id,
                                                                                          "step": "b"}})
    assert len(card_processor.ledger(order_id=order_id)) == 2
    assert [e["metadata"]["step"] for e in card_processor.ledger(order_id=order_id, step="b")] == ["b"]
    assert card_processor.ledger(contains=order_id) == []


def test_reset_wipes_the_ledger_only_when_allowed(card_processor: Sandbox,
                                                  start_card_processor: StartCardProcessor) -> None:
    locked = start_card_processor()
    assert post(locked, "/_sandbox/reset").status_code == 403
    post(card_processor, "/v1/payment_intents", intent(order_id=order()))
    assert post(card_processor, "/_sandbox/reset").status_code == 200
    assert card_processor.ledger() == []

"""A customer buys a box of chocolates from the whole system, started from the Procfile."""

import datetime
import uuid

import pytest
import requests

from tests.e2e.system import RunningSystem
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

FINAL_STATES = {"confirmed", "out_of_stock", "payment_declined", "failed_after_retries", "failed"}


def _api(system: RunningSystem, token: str | None = None) -> requests.Session:
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Token {token}"
    return session


def _sign_up(system: RunningSystem) -> str:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    response = requests.post(f"{system.base_url}/v1/auth/signup", timeout=10,
                             json={"username": name, "email": f"{name}@example.com", "password": "a-long-passphrase"})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def _chat(api: requests.Session, system: RunningSystem, text: str) -> list[dict]:
    message = {"type": "unstructured", "unstructured": {"id": uuid.uuid4().hex, "text": text,
                                                        "timestamp": datetime.datetime.now(datetime.UTC).isoformat()}}
    response = api.post(f"{system.base_url}/v1/nlu", json={"messages": [message]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_chatting_and_checking_out_buys_the_chocolates(system: RunningSystem):
    """Through the proxy: chat on the monolith, checkout accepted by the checkout service, saga to the end."""
    api = _api(system, _sign_up(system))
    cards = [m["structured"] for m in _chat(api, system, "I'd like to buy a box of chocolates")
             if m["type"] == "structured" and m["structured"]["type"] == "product"]
    assert cards and cards[0]["payload"]["clickAction"] == "checkout"
    product_id = cards[0]["payload"]["productId"]
    stock_before = api.get(f"{system.base_url}/v1/products/{product_id}", timeout=10).json()["stock"]

    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    response = api.post(f"{system.base_url}/v1/checkout", timeout=30,
                        json={"productId": product_id, "deliveryAddress": "1 Cocoa Lane", "deliveryDate": tomorrow})
    accepted = response.json()
    assert response.status_code == 202 and accepted["success"] is True, accepted
    assert "accepted" in accepted["message"] and accepted["statusUrl"]

    order = wait_until(lambda: _final(api.get(f"{system.base_url}{accepted['statusUrl']}", timeout=10).json()),
                       timeout=60, what="the saga to finish")
    assert order["status"] == "confirmed", order
    assert {"reserve_stock", "authorize_payment", "confirm_order"} <= {step["step"] for step in order["history"]}
    orders = api.get(f"{system.base_url}/v1/orders", timeout=10).json()["orders"]
    assert [listed["orderId"] for listed in orders] == [accepted["orderId"]]
    assert api.get(f"{system.base_url}/v1/products/{product_id}", timeout=10).json()["stock"] == stock_before - 1
    # "confirmed" is the point of no return; the capture follows it in the saga.
    kinds = wait_until(lambda: _charges(system, accepted["orderId"], until="capture"), timeout=30,
                       what="the capture")
    assert kinds == ["authorize", "capture"]

    def confirmation_mail() -> list[dict]:
        return [line for line in system.json_logs()
                if line.get("message") == "email sent" and accepted["number"] in line.get("email_subject", "")]

    mail = wait_until(confirmation_mail, timeout=30, what="the confirmation e-mail from the notifications worker")
    assert mail[0]["service"] == "notifications" and "1 Cocoa Lane" in mail[0]["email_body"]


def _charges(system: RunningSystem, order_id: str, *, until: str) -> list[str] | None:
    ledger = requests.get(f"{system.card_processor_url}/_sandbox/ledger", timeout=10).json()["entries"]
    kinds = [entry["kind"] for entry in ledger if entry["metadata"].get("order_id") == order_id]
    return kinds if until in kinds else None


def _final(order: dict) -> dict | None:
    return order if order.get("status") in FINAL_STATES else None


def test_every_line_every_process_printed_is_json(system: RunningSystem):
    requests.get(f"{system.base_url}/v1/products", timeout=10)
    lines = system.process_lines()
    processes = {process.split(".")[0] for process, _ in lines}
    assert {"release", "web", "monolith", "checkout", "checkoutworker", "checkoutbeat", "notifications", "redis",
            "cardprocessor"} <= processes
    not_json = [(process, text) for process, text in lines if not text.startswith("{")]
    assert not not_json
    assert all(isinstance(line, dict) and "message" in line for line in system.json_logs())

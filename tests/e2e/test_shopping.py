"""A customer buys a box of chocolates from the whole system, started from the Procfile."""

import datetime
import uuid

import pytest
import requests

from tests.e2e.system import RunningSystem
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


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
    api = _api(system, _sign_up(system))
    cards = [m["structured"] for m in _chat(api, system, "I'd like to buy a box of chocolates")
             if m["type"] == "structured" and m["structured"]["type"] == "product"]
    assert cards and cards[0]["payload"]["clickAction"] == "checkout"
    product_id = cards[0]["payload"]["productId"]
    stock_before = api.get(f"{system.base_url}/v1/products/{product_id}", timeout=10).json()["stock"]

    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    response = api.post(f"{system.base_url}/v1/checkout", timeout=30,
                        json={"productId": product_id, "deliveryAddress": "1 Cocoa Lane", "deliveryDate": tomorrow})
    outcome = response.json()
    assert response.status_code == 200 and outcome["success"] is True, outcome

    orders = api.get(f"{system.base_url}/v1/orders", timeout=10).json()["orders"]
    assert [order["orderId"] for order in orders] == [outcome["orderId"]]
    assert api.get(f"{system.base_url}/v1/products/{product_id}", timeout=10).json()["stock"] == stock_before - 1
    ledger = requests.get(f"{system.card_processor_url}/_sandbox/ledger", timeout=10).json()["entries"]
    charges = [e for e in ledger if e["kind"] == "charge" and e["metadata"].get("order_id") == outcome["orderId"]]
    assert len(charges) == 1 and charges[0]["amount"] == orders[0]["amountCents"]

    def confirmation_mail() -> list[dict]:
        return [line for line in system.json_logs()
                if line.get("message") == "email sent" and outcome["number"] in line.get("email_subject", "")]

    mail = wait_until(confirmation_mail, timeout=10, what="the confirmation e-mail in the logs")
    assert "1 Cocoa Lane" in mail[0]["email_body"]


def test_every_line_every_process_printed_is_json(system: RunningSystem):
    requests.get(f"{system.base_url}/v1/products", timeout=10)
    lines = system.process_lines()
    processes = {process.split(".")[0] for process, _ in lines}
    assert {"release", "web", "redis", "cardprocessor"} <= processes
    not_json = [(process, text) for process, text in lines if not text.startswith("{")]
    assert not not_json
    assert all(isinstance(line, dict) and "message" in line for line in system.json_logs())

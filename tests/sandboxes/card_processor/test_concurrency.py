"""Duplicates that arrive together: one idempotency key must still mean one action."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.sandboxes.card_processor.conftest import StartCardProcessor

DUPLICATES = 8


def test_concurrent_duplicates_with_one_key_charge_once(start_card_processor: StartCardProcessor) -> None:
    """Two worker processes of four threads each take eight copies of one charge at the same moment."""
    sandbox = start_card_processor(WEB_CONCURRENCY="2", GUNICORN_THREADS="4")
    order_id, key = uuid.uuid4().hex, uuid.uuid4().hex
    body: dict[str, Any] = {"amount": 700, "currency": "usd", "payment_method": "pm_card_visa", "metadata": {"order_id": order_id}}
    start_line = threading.Barrier(DUPLICATES)

    def send(_: int) -> requests.Response:
        start_line.wait()
        return requests.post(f"{sandbox.base_url}/v1/payment_intents", json=body,
                             headers={"Idempotency-Key": key}, timeout=30)

    with ThreadPoolExecutor(DUPLICATES) as pool:
        responses = list(pool.map(send, range(DUPLICATES)))
    assert [response.status_code for response in responses] == [200] * DUPLICATES
    assert len({response.json()["id"] for response in responses}) == 1
    assert sum("Idempotent-Replayed" in response.headers for response in responses) == DUPLICATES - 1
    assert sandbox.kinds(order_id=order_id) == ["charge"]

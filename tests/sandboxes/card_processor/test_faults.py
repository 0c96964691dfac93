"""Injected latency, outages and dropped answers."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.sandboxes.card_processor.conftest import StartCardProcessor
from tests.sandboxes.card_processor.sandbox import Sandbox


def charge_body(order_id: str, amount: int = 500) -> dict[str, Any]:
    return {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "metadata": {"order_id": order_id}}


def charge(sandbox: Sandbox, order_id: str, *, key: str | None = None, timeout: float = 5) -> requests.Response:
    return sandbox.post("/v1/payment_intents", charge_body(order_id), key=key, timeout=timeout)


def test_an_outage_answers_503_api_error_and_does_nothing(start_card_processor: StartCardProcessor) -> None:
    sandbox = start_card_processor(CARD_SANDBOX_FAILURE_RATE="1")
    response = charge(sandbox, "o-1")
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "api_error"
    assert sandbox.ledger() == []


def test_a_dropped_answer_is_a_connection_error_but_the_charge_happened(
        start_card_processor: StartCardProcessor) -> None:
    sandbox = start_card_processor(CARD_SANDBOX_DROP_RATE="1")
    with pytest.raises(requests.ConnectionError):
        charge(sandbox, "o-1", key="k-1")
    assert sandbox.kinds(order_id="o-1") == ["charge"]
    assert "fault injected: response dropped after acting" in sandbox.log_messages()


def test_latency_holds_every_api_call(start_card_processor: StartCardProcessor) -> None:
    sandbox = start_card_processor(CARD_SANDBOX_LATENCY_MS="2000")
    with pytest.raises(requests.Timeout):
        charge(sandbox, "o-1", timeout=0.2)


def test_one_seed_gives_the_same_faults_on_every_run(start_card_processor: StartCardProcessor) -> None:
    """Two sandboxes with one seed and a 50 % drop rate meet the same sequence of calls."""
    outcomes = [_outcomes(start_card_processor(CARD_SANDBOX_DROP_RATE="0.5", CARD_SANDBOX_SEED="42"))
                for _ in range(2)]
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {"answered", "dropped"}


def _outcomes(sandbox: Sandbox) -> list[str]:
    results = []
    for number in range(12):
        try:
            charge(sandbox, f"o-{number}")
            results.append("answered")
        except requests.ConnectionError:
            results.append("dropped")
    return results

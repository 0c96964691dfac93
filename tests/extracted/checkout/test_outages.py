"""The saga when the card processor or the catalogue is down: retries with backoff, then compensation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.extracted.checkout.conftest import order_body
from tests.extracted.checkout.system import CheckoutSystem, running_checkout

BUDGET = 3


@pytest.fixture(scope="module")
def processor_down(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[CheckoutSystem]:
    """Every card-processor call answers 503; the saga may try each step three times, 0.1 s apart at first."""
    with running_checkout(tmp_path_factory.mktemp("processor-down"),
                          card_processor_env={"CARD_SANDBOX_FAILURE_RATE": "1"},
                          saga_env={"SAGA_MAX_ATTEMPTS": str(BUDGET), "SAGA_BACKOFF_BASE_SECONDS": "0.1"}) as system:
        yield system


def test_a_processor_outage_retries_then_fails_after_retries_with_the_stock_back(processor_down):
    before = processor_down.stock("gourmet-basket")
    accepted = processor_down.checkout(order_body("gourmet-basket"))
    assert accepted.status_code == 202
    order = processor_down.wait_for_order(accepted.json()["orderId"])
    assert order["status"] == "failed_after_retries" and "not been charged" in order["message"]
    assert processor_down.stock("gourmet-basket") == before
    assert processor_down.ledger(order["orderId"]) == []
    assert order["stock"] == "released"


def test_the_history_shows_each_retry_with_its_backoff_and_then_the_compensations(processor_down):
    order = processor_down.wait_for_order(processor_down.checkout(order_body("candle-set")).json()["orderId"])
    authorize = [entry for entry in order["history"] if entry["step"] == "authorize_payment"]
    assert [entry["state"] for entry in authorize] == ["scheduled"] + ["retrying"] * (BUDGET - 1) + ["failed"]
    assert [entry["attempt"] for entry in authorize[1:]] == list(range(1, BUDGET + 1))
    assert all("next try in" in entry["detail"] for entry in authorize[1:-1])
    assert f"gave up after {BUDGET} tries" in authorize[-1]["detail"]
    compensations = [entry["step"] for entry in order["history"]
                     if entry["state"] in ("succeeded", "failed") and entry["step"] != "authorize_payment"]
    assert compensations[-3:] == ["void_payment", "release_stock", "publish_event"]
    assert order["payment"] == "unknown"  # the void could not reach the processor either: left to the sweeper


def test_an_authorisation_that_never_reached_the_processor_is_not_made_later_to_be_voided(tmp_path):
    """Nothing listens where the card processor should be: every authorise is refused before it is
    sent, so the order's payment stays "none", the void has nothing to do, and once the processor is
    back its ledger shows no authorisation for the order."""
    with running_checkout(tmp_path, saga_env={"SAGA_MAX_ATTEMPTS": "2", "SAGA_BACKOFF_BASE_SECONDS": "0.1"}) as system:
        system.stop_card_processor()
        order = system.wait_for_order(system.checkout(order_body("museum-pass")).json()["orderId"])
        void = [entry for entry in order["history"] if entry["step"] == "void_payment"]
        system.start_card_processor()
        assert order["status"] == "failed_after_retries" and order["payment"] == "none"
        assert [entry["state"] for entry in void] == ["scheduled", "skipped"]
        assert system.ledger(order["orderId"]) == []


def test_with_the_catalogue_down_checkout_answers_503_and_orders_nothing(processor_down):
    before = processor_down.order_ids()
    processor_down.processes["monolith"].stop()
    response = processor_down.checkout(order_body("prosecco"))
    assert response.status_code == 503 and response.json()["code"] == 503
    assert "catalogue is unavailable" in response.json()["message"]
    assert processor_down.order_ids() == before

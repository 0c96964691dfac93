"""The saga when the card processor or the catalogue is down: retries with backoff, then compensation,
or, once the money is captured, a park or a note for a person instead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.extracted.checkout.conftest import order_body
from tests.extracted.checkout.reservations import catalog_through, faulty_catalog, held_reservations
from tests.extracted.checkout.system import CheckoutSystem, running_checkout
from tests.support.waiting import wait_until

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


def test_a_commit_the_catalogue_cannot_answer_is_retried_and_ends_committed(tmp_path):
    """The catalogue answers the first two commits 503; the saga may try each step four times."""
    with running_checkout(tmp_path) as system, faulty_catalog(system.monolith_url, refused_commits=2) as catalog:
        worker = catalog_through(system, catalog)
        before = system.stock("cooking-class")
        order = system.wait_for_order(system.checkout(order_body("cooking-class")).json()["orderId"])
        assert [entry["state"] for entry in history(order, "commit_stock")] == [
            "scheduled", "retrying", "retrying", "succeeded"]
        assert len(catalog.refused) == 2
        assert (order["status"], order["payment"], order["stock"]) == ("confirmed", "captured", "committed")
        assert order["orderId"] not in held_reservations(system)
        assert system.stock("cooking-class") == before - 1
        assert not [line for line in worker.json_lines() if line["level"] == "error"]


def test_a_commit_that_outlasts_its_budget_parks_the_paid_order_until_the_sweeper_commits_it(tmp_path):
    """Every commit answers 503 until the catalogue recovers; two tries per step; beat sweeps every second."""
    saga = {"SAGA_MAX_ATTEMPTS": "2", "SAGA_BACKOFF_BASE_SECONDS": "0.1", "SAGA_BACKOFF_MAX_SECONDS": "1",
            "SAGA_SWEEP_INTERVAL_SECONDS": "1", "SAGA_STUCK_AFTER_SECONDS": "3"}
    with (running_checkout(tmp_path, saga_env=saga) as system,
          faulty_catalog(system.monolith_url, refused_commits=1_000) as catalog):
        catalog_through(system, catalog)
        before = system.stock("food-tasting-tour")
        order_id = system.checkout(order_body("food-tasting-tour")).json()["orderId"]
        parked = wait_until(lambda: _parked_at_commit(system, order_id), timeout=60, what="the order to park")
        assert (parked["status"], parked["payment"], parked["stock"]) == ("confirmed", "captured", "held")
        assert not history(parked, "void_payment") and not history(parked, "release_stock")
        catalog.recover()
        system.start_beat()
        order = system.wait_for_order(order_id)
        assert (order["status"], order["stock"]) == ("confirmed", "committed")
        assert [entry["state"] for entry in history(order, "commit_stock")][-2:] == ["resumed", "succeeded"]
        assert system.kinds(order_id) == ["authorize", "capture"]
        assert system.stock("food-tasting-tour") == before - 1


def test_a_paid_order_whose_units_were_given_back_is_published_confirmed_and_flagged_for_a_person(tmp_path):
    """Each reservation is released just before its commit reaches the catalogue, which answers 410."""
    with (running_checkout(tmp_path) as system,
          faulty_catalog(system.monolith_url, release_before_commit=True) as catalog):
        worker = catalog_through(system, catalog)
        before = system.stock("hostel-bed")
        order = system.wait_for_order(system.checkout(order_body("hostel-bed")).json()["orderId"])
        [_, failed] = history(order, "commit_stock")
        assert failed["state"] == "failed" and "410" in failed["detail"]
        assert (order["status"], order["payment"], order["stock"]) == ("confirmed", "captured", "released")
        assert not history(order, "void_payment") and not history(order, "release_stock")
        assert history(order, "publish_event")[-1]["state"] == "succeeded"
        assert system.kinds(order["orderId"]) == ["authorize", "capture"]
        assert system.stock("hostel-bed") == before
        [flagged] = [line for line in worker.json_lines() if line["level"] == "error"]
        assert flagged["order_id"] == order["orderId"] and "a person must look" in flagged["message"]


def history(order: dict, step: str) -> list[dict]:
    return [entry for entry in order["history"] if entry["step"] == step]


def _parked_at_commit(system: CheckoutSystem, order_id: str) -> dict | None:
    order = system.order(order_id).json()
    failed = [entry for entry in history(order, "commit_stock") if entry["state"] == "failed"]
    return order if failed and "parked" in failed[-1]["detail"] else None

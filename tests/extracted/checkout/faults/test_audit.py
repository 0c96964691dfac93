"""The fault runs' judge: lost orders, double charges, open authorisations and stock, from plain data."""

from __future__ import annotations

from typing import Any

import pytest

from extracted.checkout.checkout.policy import RetryPolicy
from tests.extracted.checkout.faults.audit import audit, is_settled, ledger_by_order, open_authorizations
from tests.extracted.checkout.faults.scale import SCALES, fault_scale, retry_budget_covering

pytestmark = pytest.mark.fault


def order(status: str = "confirmed", *, completed: bool = True, stock: str = "held", payment: str = "captured",
          amount: int = 1800) -> dict[str, Any]:
    return {"status": status, "completed": completed, "step": "completed" if completed else "capture_payment",
            "stock": stock, "payment": payment, "amountCents": amount, "history": []}


def failed(**overrides: Any) -> dict[str, Any]:
    return order("failed_after_retries", **{"stock": "released", "payment": "voided", **overrides})


class Ledger:
    """Entries as the sandbox lists them, numbered in the order they are added."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, order_id: str, kind: str, intent: str = "pi_1", amount: int = 1800) -> Ledger:
        self.entries.append({"seq": len(self.entries) + 1, "kind": kind, "payment_intent": intent, "amount": amount,
                             "metadata": {"order_id": order_id}})
        return self


def problems(orders: dict[str, Any], entries: list[dict[str, Any]], *, before: int = 10,
             after: int | None = None) -> list[str]:
    confirmed = sum(1 for o in orders.values() if o and o["completed"] and o["status"] == "confirmed")
    return audit(orders, entries, stock_before=before, stock_after=before - confirmed if after is None else after
                 ).problems


def test_a_confirmed_order_authorised_and_captured_once_is_clean():
    assert problems({"o1": order()}, Ledger().add("o1", "authorize").add("o1", "capture").entries) == []


def test_an_order_the_checkout_does_not_know_is_lost():
    assert problems({"o1": None}, []) == ["o1: lost: the checkout does not know this accepted order"]


def test_an_order_still_under_way_is_not_terminal():
    [problem] = problems({"o1": order(completed=False)}, [])
    assert problem.startswith("o1: not terminal: confirmed at step capture_payment")


def test_two_captures_are_a_double_charge():
    entries = Ledger().add("o1", "authorize").add("o1", "capture").add("o1", "capture").entries
    assert "o1: double charge: captured 2 times" in problems({"o1": order()}, entries)


def test_an_automatic_charge_is_flagged():
    entries = Ledger().add("o1", "charge").add("o1", "authorize", "pi_2").add("o1", "capture", "pi_2").entries
    assert "o1: charged automatically 1 time(s)" in problems({"o1": order()}, entries)


def test_a_second_authorisation_left_open_on_a_confirmed_order_is_flagged():
    entries = Ledger().add("o1", "authorize").add("o1", "capture").add("o1", "authorize", "pi_2").entries
    assert problems({"o1": order()}, entries) == [
        "o1: confirmed, with authorisation(s) ['pi_2'] left open besides the capture"]


def test_a_failed_order_must_have_its_authorisation_voided_and_nothing_captured():
    open_hold = Ledger().add("o1", "authorize").entries
    captured = Ledger().add("o1", "authorize").add("o1", "capture").entries
    assert problems({"o1": failed()}, open_hold) == [
        "o1: failed_after_retries but authorisation(s) ['pi_1'] never voided"]
    assert problems({"o1": failed()}, captured) == ["o1: failed_after_retries but captured"]
    assert problems({"o1": failed()}, Ledger().add("o1", "authorize").add("o1", "void").entries) == []
    assert problems({"o1": failed()}, []) == []


def test_a_failed_order_still_holding_stock_is_flagged():
    assert problems({"o1": failed(stock="held")}, []) == ["o1: failed_after_retries but still holds stock (held)"]


def test_amounts_must_match_the_order():
    entries = Ledger().add("o1", "authorize").add("o1", "capture", amount=1900).entries
    assert problems({"o1": order()}, entries) == ["o1: capture of 1900 for an order of 1800"]


def test_the_shelf_must_hold_the_initial_stock_less_the_confirmed_orders():
    entries = Ledger().add("o1", "authorize").add("o1", "capture").entries
    assert problems({"o1": order(), "o2": failed()}, entries, before=10, after=8) == [
        "stock: 8 on the shelf, expected 10 - 1 confirmed = 9"]


def test_other_orders_entries_are_ignored_and_entries_grouped_in_ledger_order():
    entries = Ledger().add("o2", "authorize").add("o1", "authorize").add("o2", "capture").entries
    assert [e["seq"] for e in ledger_by_order(reversed(entries))["o2"]] == [1, 3]
    assert open_authorizations(ledger_by_order(entries)["o1"]) == ["pi_1"]


def test_settled_means_finished_and_holding_nothing_unless_confirmed():
    assert is_settled(order()) and is_settled(failed()) and is_settled(failed(payment="none", stock="none"))
    assert not is_settled(order(completed=False))
    assert not is_settled(failed(payment="unknown"))
    assert not is_settled(failed(stock="held"))
    assert not is_settled(None)


def test_the_scale_is_ci_unless_full_is_asked_for():
    assert fault_scale({}) is SCALES["ci"] and fault_scale({"FAULT_SCALE": "CI"}) is SCALES["ci"]
    assert fault_scale({"FAULT_SCALE": "full"}).drop_checkouts == 500
    with pytest.raises(ValueError, match="FAULT_SCALE='huge' is not a scale"):
        fault_scale({"FAULT_SCALE": "huge"})


@pytest.mark.parametrize("seconds", [5, 30, 75])
def test_a_covering_retry_budget_outlasts_the_outage_even_when_every_draw_is_short(seconds):
    env = retry_budget_covering(seconds)
    policy = RetryPolicy(int(env["SAGA_MAX_ATTEMPTS"]), float(env["SAGA_BACKOFF_BASE_SECONDS"]),
                         float(env["SAGA_BACKOFF_MAX_SECONDS"]))
    shortest = sum(policy.countdown(attempt, draw=lambda: 0.0) for attempt in range(1, policy.max_attempts))
    assert shortest >= seconds
    assert policy.problems(visibility_timeout=3600, stuck_after=int(env["SAGA_STUCK_AFTER_SECONDS"])) == []

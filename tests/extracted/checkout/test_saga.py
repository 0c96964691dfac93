"""The saga, run by a real worker against the real monolith and card processor."""

from __future__ import annotations

from collections import Counter

from tests.extracted.checkout.conftest import order_body
from tests.extracted.checkout.reservations import held_reservations, release
from tests.extracted.checkout.system import CheckoutSystem
from tests.support.waiting import wait_until

FORWARD = ["reserve_stock", "authorize_payment", "confirm_order", "capture_payment", "commit_stock",
           "publish_event"]


def place(checkout: CheckoutSystem, product_id: str, **overrides: str) -> dict:
    accepted = checkout.checkout(order_body(product_id, **overrides))
    assert accepted.status_code == 202, accepted.text
    return checkout.wait_for_order(accepted.json()["orderId"])


def steps(order: dict, state: str) -> list[str]:
    return [entry["step"] for entry in order["history"] if entry["state"] == state]


def events_for(checkout: CheckoutSystem, order_id: str) -> list[dict]:
    return [event for event in checkout.published_events() if event["order_id"] == order_id]


def test_an_accepted_order_is_confirmed_with_every_step_in_its_history(checkout):
    order = place(checkout, "praline-selection")
    assert (order["status"], order["completed"], order["step"]) == ("confirmed", True, "completed")
    assert (order["payment"], order["stock"]) == ("captured", "committed")
    assert steps(order, "succeeded") == ["checkout", *FORWARD]
    assert steps(order, "scheduled") == FORWARD
    times = [entry["at"] for entry in order["history"]]
    assert times == sorted(times)
    assert order["message"].startswith(f"Order {order['number']} confirmed")


def test_a_confirmed_order_authorises_and_captures_once_and_takes_one_unit(checkout):
    before = checkout.stock("chocolate-truffles")
    order = place(checkout, "chocolate-truffles")
    [authorize, capture] = checkout.ledger(order["orderId"])
    assert (authorize["kind"], capture["kind"]) == ("authorize", "capture")
    assert authorize["amount"] == capture["amount"] == order["amountCents"] == 2400
    assert authorize["idempotency_key"] == f"checkout-{order['orderId']}-authorize"
    assert checkout.stock("chocolate-truffles") == before - 1


def test_a_confirmed_order_s_stock_is_sold_for_good_and_no_longer_listed_as_held(checkout):
    """Committed once the money is captured: a release by its id (as any sweeper's) cannot give it back."""
    before = checkout.stock("bordeaux-red")
    order = place(checkout, "bordeaux-red")
    assert order["stock"] == "committed"
    assert order["orderId"] not in held_reservations(checkout)
    refused = release(checkout, order["orderId"])
    assert refused.status_code == 409, refused.text
    assert checkout.stock("bordeaux-red") == before - 1


def test_a_declined_order_releases_its_stock_and_commits_nothing(checkout):
    before = checkout.stock("pinot-grigio")
    order = place(checkout, "pinot-grigio", paymentMethod="pm_card_chargeDeclined")
    assert (order["status"], order["stock"]) == ("payment_declined", "released")
    assert "commit_stock" not in steps(order, "scheduled")
    assert checkout.stock("pinot-grigio") == before
    assert order["orderId"] not in held_reservations(checkout)


def test_the_outcome_is_published_once_as_order_confirmed(checkout):
    order = place(checkout, "sunflower-bunch")
    [event] = events_for(checkout, order["orderId"])
    assert (event["type"], event["event_id"], event["reason"]) == (
        "order.confirmed", f"{order['orderId']}:order.confirmed", None)
    assert (event["email"], event["amount_cents"], event["delivery_address"]) == (
        "ada@example.com", 2200, "12 Rue de Rivoli, Paris")


def test_the_risk_rule_declines_the_card_releases_the_stock_and_captures_nothing(checkout):
    """city-hotel-night costs 149.00, over the sandbox's 100.00 risk limit."""
    before = checkout.stock("city-hotel-night")
    order = place(checkout, "city-hotel-night")
    assert order["status"] == "payment_declined" and "risk_threshold" in order["reason"]
    assert "declined" in order["message"] and "not been charged" in order["message"]
    assert checkout.kinds(order["orderId"]) == ["decline"]
    assert checkout.stock("city-hotel-night") == before
    assert (order["stock"], order["payment"]) == ("released", "declined")
    assert steps(order, "failed") == ["authorize_payment"]
    assert steps(order, "succeeded")[-2:] == ["release_stock", "publish_event"]
    [event] = events_for(checkout, order["orderId"])
    assert event["type"] == "order.failed" and "risk_threshold" in event["reason"]


def test_the_declining_test_card_ends_payment_declined(checkout):
    before = checkout.stock("tulip-bouquet")
    order = place(checkout, "tulip-bouquet", paymentMethod="pm_card_chargeDeclined")
    assert order["status"] == "payment_declined" and "generic_decline" in order["reason"]
    assert checkout.kinds(order["orderId"]) == ["decline"]
    assert checkout.stock("tulip-bouquet") == before


def test_an_empty_shelf_ends_out_of_stock_and_charges_nothing(checkout):
    checkout.drain_stock("balloon-ride")
    order = place(checkout, "balloon-ride")
    assert order["status"] == "out_of_stock" and "out of stock" in order["message"]
    assert checkout.ledger(order["orderId"]) == []
    assert checkout.stock("balloon-ride") == 0
    assert steps(order, "failed") == ["reserve_stock"]
    assert "authorize_payment" not in steps(order, "scheduled")
    [event] = events_for(checkout, order["orderId"])
    assert event["type"] == "order.failed"


def test_the_steps_due_at_once_run_in_the_task_that_began_the_saga(checkout):
    """One message carries a confirmed order through all six steps: every transition is still
    persisted (the history has each step) before the next step runs."""
    before = _saga_tasks_received(checkout)
    order = place(checkout, "white-lilies")
    assert steps(order, "succeeded") == ["checkout", *FORWARD]
    assert _saga_tasks_received(checkout) - before == Counter({"checkout.saga.reserve_stock": 1})


def test_redelivered_step_tasks_change_nothing(checkout):
    """Every step's task arrives again for an order already completed, as after a worker's crash."""
    order = place(checkout, "red-roses-dozen")
    stock = checkout.stock("red-roses-dozen")
    for step in [*FORWARD, "void_payment", "release_stock"]:
        checkout.send_step(step, order["orderId"])
    wait_until(lambda: len(_not_due(checkout, order["orderId"])) >= 8, timeout=30, what="the redeliveries")
    again = checkout.order(order["orderId"]).json()
    assert checkout.kinds(order["orderId"]) == ["authorize", "capture"]
    assert checkout.stock("red-roses-dozen") == stock
    assert again["history"] == order["history"] and again["status"] == "confirmed"
    assert len(events_for(checkout, order["orderId"])) == 1


def test_extra_copies_of_a_step_sent_while_the_saga_runs_authorise_once(checkout):
    """Two more copies of the authorise step reach the worker threads while the order is in flight."""
    accepted = checkout.checkout(order_body("champagne-brut")).json()
    checkout.send_step("authorize_payment", accepted["orderId"])
    checkout.send_step("authorize_payment", accepted["orderId"])
    order = checkout.wait_for_order(accepted["orderId"])
    assert order["status"] == "confirmed"
    assert checkout.kinds(order["orderId"]) == ["authorize", "capture"]


def test_every_line_the_web_process_and_worker_print_is_json(checkout):
    lines = checkout.log_lines()
    assert lines and {line["service"] for line in lines} == {"checkout"}


def _saga_tasks_received(checkout: CheckoutSystem) -> Counter[str]:
    """How many messages of each saga task the worker has taken so far."""
    names = (line["message"].split()[1].split("[")[0] for line in checkout.workers[0].json_lines()
             if line["message"].startswith("Task checkout.saga.") and line["message"].endswith("received"))
    return Counter(names)


def _not_due(checkout: CheckoutSystem, order_id: str) -> list[dict]:
    return [line for line in checkout.workers[0].json_lines()
            if line.get("order_id") == order_id and line["message"].startswith("step not due")]

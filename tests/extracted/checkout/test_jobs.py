"""The scheduled jobs, run by a real beat and worker: the sweeper and the daily report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.extracted.checkout.conftest import order_body
from tests.extracted.checkout.reservations import catalog_through, faulty_catalog, held_reservations
from tests.extracted.checkout.system import CheckoutSystem, running_checkout
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[CheckoutSystem]:
    """A checkout whose beat sweeps every second and counts an order stuck after three quiet seconds."""
    with running_checkout(tmp_path_factory.mktemp("swept"),
                          saga_env={"SAGA_SWEEP_INTERVAL_SECONDS": "1", "SAGA_STUCK_AFTER_SECONDS": "3",
                                    "SAGA_BACKOFF_MAX_SECONDS": "1"}) as system:
        system.start_beat()
        yield system


def worker_messages(system: CheckoutSystem) -> list[dict]:
    return [line for worker in system.workers for line in worker.json_lines()]


def test_an_order_whose_step_message_was_lost_is_resumed_by_the_sweeper(swept):
    """The broker loses the first step's message while no worker is running."""
    assert swept.workers[0].stop() == 0  # SIGTERM: a warm shutdown
    accepted = swept.checkout(order_body("museum-pass")).json()
    swept.forget_queued_messages()
    swept.start_worker()
    order = swept.wait_for_order(accepted["orderId"], timeout=60)
    assert order["status"] == "confirmed"
    resumed = [entry for entry in order["history"] if entry["state"] == "resumed"]
    assert [entry["step"] for entry in resumed] == ["reserve_stock"]
    assert "resumed by the sweeper" in resumed[0]["detail"]
    assert swept.kinds(order["orderId"]) == ["authorize", "capture"]
    assert any(line["message"] == "sweeper: stuck order resumed" and line["order_id"] == order["orderId"]
               for line in worker_messages(swept))


def test_a_reservation_no_order_is_entitled_to_is_released_by_the_sweeper(swept):
    before = swept.stock("river-cruise")
    reservation_id = swept.hold_stock("river-cruise", 2)
    assert swept.stock("river-cruise") == before - 2
    wait_until(lambda: swept.stock("river-cruise") == before, timeout=60, what="the sweeper to release it",
               interval=0.5)
    assert any(line.get("reservation_id") == reservation_id and "releasing a reservation with no order"
               in line["message"] for line in worker_messages(swept))


def test_stock_held_by_live_and_confirmed_orders_is_left_alone(swept):
    order = swept.wait_for_order(swept.checkout(order_body("spa-day")).json()["orderId"])
    held = swept.stock("spa-day")
    wait_until(lambda: _sweeps(swept) >= 5, timeout=60, what="five sweeps", interval=0.5)
    assert swept.stock("spa-day") == held
    assert order["status"] == "confirmed"


def test_a_confirmed_order_s_reservation_is_not_listed_for_the_sweeper_and_a_release_gives_nothing_back(swept):
    """Committed once paid, it leaves the held list; a release sent for it all the same (as by a sweep
    that listed it before the commit) is told it is sold and stops there."""
    order = swept.wait_for_order(swept.checkout(order_body("cooking-class")).json()["orderId"])
    sold = swept.stock("cooking-class")
    assert order["stock"] == "committed" and order["orderId"] not in held_reservations(swept)
    swept.send_job("release_reservation", order["orderId"])
    wait_until(lambda: [line for line in worker_messages(swept) if line.get("reservation_id") == order["orderId"]
                        and line["message"] == "reservation committed: nothing to release"],
               timeout=30, what="the release job to run", interval=0.2)
    assert swept.stock("cooking-class") == sold


def test_an_orphan_made_after_confirmed_orders_is_still_released(swept):
    """Confirmed orders no longer fill the held list the sweeper reads, so a newer orphan is found."""
    confirmed = [swept.checkout(order_body("hostel-bed")).json()["orderId"] for _ in range(3)]
    for order_id in confirmed:
        assert swept.wait_for_order(order_id)["status"] == "confirmed"
    before = swept.stock("hostel-bed")
    orphan = swept.hold_stock("hostel-bed", 1)
    assert not set(held_reservations(swept)) & set(confirmed)
    wait_until(lambda: swept.stock("hostel-bed") == before, timeout=60, what="the sweeper to release the orphan",
               interval=0.5)
    assert orphan not in held_reservations(swept)


def test_the_sweeper_commits_the_stock_a_confirmed_order_still_holds(tmp_path):
    """The catalogue refuses the order's one commit (422), so it ends confirmed with its reservation still
    held, as orders confirmed before the saga committed stock did; then beat sweeps every second."""
    saga = {"SAGA_SWEEP_INTERVAL_SECONDS": "1", "SAGA_STUCK_AFTER_SECONDS": "3", "SAGA_BACKOFF_MAX_SECONDS": "1"}
    with (running_checkout(tmp_path, saga_env=saga) as system,
          faulty_catalog(system.monolith_url, refused_commits=1, refusal=422) as catalog):
        worker = catalog_through(system, catalog)
        before = system.stock("spa-day")
        order = system.wait_for_order(system.checkout(order_body("spa-day")).json()["orderId"])
        assert (order["status"], order["stock"]) == ("confirmed", "held")
        assert order["orderId"] in held_reservations(system)
        system.start_beat()
        wait_until(lambda: system.order(order["orderId"]).json()["stock"] == "committed", timeout=60,
                   what="the sweeper to commit the stock", interval=0.5)
        assert order["orderId"] not in held_reservations(system)
        assert system.stock("spa-day") == before - 1
        assert any(line["message"] == "sweeper: committing the stock of a confirmed order"
                   and line["order_id"] == order["orderId"] for line in worker.json_lines())


def test_the_daily_report_is_emailed_to_the_shop_once_per_day(swept):
    swept.send_job("daily_report")
    swept.send_job("daily_report")
    wait_until(lambda: len(_report_lines(swept)) == 2, timeout=30, what="two report runs", interval=0.2)
    mails = [line for line in worker_messages(swept) if line["message"] == "email sent"]
    [mail] = [line for line in mails if line["email_subject"].startswith("Concierge orders for")]
    assert mail["email_to"] == ["shop@localhost"]
    assert "Top products:" in mail["email_body"] and "Failures:" in mail["email_body"]
    # The two runs race; which one finishes first is not the point.
    assert sorted(line["message"] for line in _report_lines(swept)) == ["orders report already sent",
                                                                         "orders report sent"]


def test_old_idempotency_keys_are_forgotten_by_a_job(swept):
    swept.send_job("forget_idempotency_keys")
    forgotten = wait_until(lambda: [line for line in worker_messages(swept)
                                    if line["message"] == "idempotency keys forgotten"],
                           timeout=30, what="the job to run", interval=0.2)
    assert len(forgotten) == 1


def test_beat_logs_json_lines_only(swept):
    lines = swept.processes["beat"].json_lines()
    assert any("sweep-orders" in line["message"] for line in lines)


def _sweeps(system: CheckoutSystem) -> int:
    return sum(line["message"] == "sweep finished" for line in worker_messages(system))


def _report_lines(system: CheckoutSystem) -> list[dict]:
    return [line for line in worker_messages(system) if line["message"].startswith("orders report")]

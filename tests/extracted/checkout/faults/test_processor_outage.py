"""The card processor down for a while: orders wait and go through when it returns, or, with a short retry
budget, fail cleanly: stock back on the shelf, authorisations voided, nothing captured."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.extracted.checkout.faults.audit import audit
from tests.extracted.checkout.faults.driver import (PRODUCT, finishing_times, ledger, place_checkouts, say,
                                                     watch_orders)
from tests.extracted.checkout.faults.scale import retry_budget_covering
from tests.extracted.checkout.system import running_checkout

pytestmark = pytest.mark.fault

RETURN_BOUND_SECONDS = 45.0
FAIL_BOUND_SECONDS = 30.0
SETTLE_BOUND_SECONDS = 30.0
PROCESSOR = {"GUNICORN_THREADS": "16"}
SHORT_BUDGET = {"SAGA_MAX_ATTEMPTS": "3", "SAGA_BACKOFF_BASE_SECONDS": "0.2", "SAGA_BACKOFF_MAX_SECONDS": "1",
                "SAGA_STUCK_AFTER_SECONDS": "3", "SAGA_SWEEP_INTERVAL_SECONDS": "1"}


def test_orders_placed_around_an_outage_wait_and_go_through_when_the_processor_returns(tmp_path, scale):
    """A retry budget longer than the outage (`outage_seconds`: 15 s in CI, 60 s full, plus 15 s). A third
    of `outage_checkouts` (20 in CI, 60 full) is placed before the processor stops, the rest during
    the outage; the processor then comes back on the same port and ledger. Bound: every order confirmed
    within 45 s of its return (the longest backoff is 4 s, 8 s full), captured once.
    """
    count, before = scale.outage_checkouts, scale.outage_checkouts // 3
    saga = retry_budget_covering(scale.outage_seconds + 15) | {"SAGA_SWEEP_INTERVAL_SECONDS": "1"}
    with running_checkout(tmp_path, card_processor_env=PROCESSOR, saga_env=saga, workers=2) as system:
        system.set_stock(PRODUCT, stock_before := count + 10)
        system.start_beat()
        first = place_checkouts(system, before, per_second=scale.checkouts_per_second, key_prefix="early")
        system.stop_card_processor()
        down_at = time.monotonic()
        # The rest arrive over the first half of the outage, so some wait through all of it.
        rest = place_checkouts(system, count - before, per_second=(count - before) / (scale.outage_seconds / 2),
                               key_prefix="during")
        time.sleep(max(0.0, down_at + scale.outage_seconds - time.monotonic()))  # the outage's length
        system.start_card_processor()
        back_at = time.time()
        order_ids = first.order_ids + rest.order_ids
        orders = watch_orders(system, order_ids, timeout=RETURN_BOUND_SECONDS + 30)
        findings = audit(orders, ledger(system), stock_before=stock_before, stock_after=system.stock(PRODUCT))
        finished = finishing_times(orders)
        took = (finished[-1] - back_at) if finished else float("inf")
        waited = sum(any("card processor unavailable" in entry["detail"] for entry in order["history"])
                     for order in orders.values() if order)
        say("processor back", findings, outage_s=scale.outage_seconds, orders_that_waited=waited,
            return_to_all_finished_s=took)

    assert first.refused == rest.refused == []
    assert findings.problems == []
    assert findings.confirmed == findings.accepted == count
    assert waited >= count - before
    assert took <= RETURN_BOUND_SECONDS


def test_with_a_short_retry_budget_orders_fail_cleanly_during_an_outage(tmp_path, scale):
    """A budget of 3 tries, 0.2 s then 0.4 s apart; `outage_checkouts` checkouts placed while the processor
    is down (for `outage_seconds`, or until every order has ended if that takes longer). Bounds: every
    order ends failed_after_retries within 30 s of the last acceptance with its stock back on the shelf,
    even while the processor is still down; within 30 s of the processor's return the sweeper has voided
    whatever authorisation each might hold (the ledger shows an authorise followed by a void, or nothing)
    and no order was captured.
    """
    count = scale.outage_checkouts
    with running_checkout(tmp_path, card_processor_env=PROCESSOR, saga_env=SHORT_BUDGET, workers=2) as system:
        system.set_stock(PRODUCT, stock_before := count + 10)
        system.start_beat()
        system.stop_card_processor()
        down_at = time.monotonic()
        placed = place_checkouts(system, count, per_second=scale.checkouts_per_second, key_prefix="doomed")
        ended = watch_orders(system, placed.order_ids, timeout=FAIL_BOUND_SECONDS + 30,
                             until=lambda order: bool(order and order["completed"]))
        finished = finishing_times(ended)
        failed_within = (finished[-1] - placed.last_accepted_at) if finished else float("inf")
        stock_while_down = system.stock(PRODUCT)
        time.sleep(max(0.0, down_at + scale.outage_seconds - time.monotonic()))  # the outage's length
        system.start_card_processor()
        back_at = time.time()
        orders = watch_orders(system, placed.order_ids, timeout=SETTLE_BOUND_SECONDS + 30)
        settled_within = time.time() - back_at
        entries = ledger(system)
        findings = audit(orders, entries, stock_before=stock_before, stock_after=system.stock(PRODUCT))
        kinds = Counter(entry["kind"] for entry in entries)
        say("short budget", findings, last_accept_to_all_failed_s=failed_within,
            return_to_all_voided_s=settled_within, ledger=" ".join(f"{k}:{n}" for k, n in sorted(kinds.items())))

    assert placed.refused == []
    assert [order["status"] for order in ended.values() if order] == ["failed_after_retries"] * count
    assert failed_within <= FAIL_BOUND_SECONDS
    assert stock_while_down == stock_before
    assert findings.problems == []
    assert settled_within <= SETTLE_BOUND_SECONDS

"""The card processor down for a while: orders wait and go through when it returns, or, with a short retry
budget, fail cleanly: stock back on the shelf, authorisations voided, nothing captured."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from devstack.checkout import running_checkout
from tests.extracted.checkout.faults.audit import audit
from tests.extracted.checkout.faults.driver import (
    PRODUCT,
    ledger,
    place_checkouts,
    seconds_to_last_finish,
    watch_orders,
)
from tests.extracted.checkout.faults.scale import retry_budget_covering

pytestmark = pytest.mark.fault

# Reported beside the measured times, not asserted; each watch gives up 30 s past its bound (a hang guard),
# and the assertions then name the orders that had not ended.
RETURN_BOUND_SECONDS = 45.0
FAIL_BOUND_SECONDS = 30.0
SETTLE_BOUND_SECONDS = 30.0
HANG_GUARD_EXTRA_SECONDS = 30.0
PROCESSOR = {"GUNICORN_THREADS": "16"}
SHORT_BUDGET = {"SAGA_MAX_ATTEMPTS": "3", "SAGA_BACKOFF_BASE_SECONDS": "0.2", "SAGA_BACKOFF_MAX_SECONDS": "1",
                "SAGA_STUCK_AFTER_SECONDS": "3", "SAGA_SWEEP_INTERVAL_SECONDS": "1"}


def test_orders_placed_around_an_outage_wait_and_go_through_when_the_processor_returns(tmp_path, scale, figures):
    """A retry budget longer than the outage (`outage_seconds`: 15 s in CI, 60 s full, plus 15 s). A third
    of `outage_checkouts` (20 in CI, 60 full) is placed before the processor stops, the rest during
    the outage; the processor then comes back on the same port and ledger. Every order is confirmed and
    captured once; reported beside its 45 s bound (the longest backoff is 4 s, 8 s full): how long after
    the return every order had finished.
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
        orders = watch_orders(system, order_ids, timeout=RETURN_BOUND_SECONDS + HANG_GUARD_EXTRA_SECONDS)
        findings = audit(orders, ledger(system), stock_before=stock_before, stock_after=system.stock(PRODUCT))
        waited = sum(any("card processor unavailable" in entry["detail"] for entry in order["history"])
                     for order in orders.values() if order)
        figures.outcome = findings.summary()
        figures.seconds("processor's return to every order finished", seconds_to_last_finish(orders, back_at),
                        bound=RETURN_BOUND_SECONDS)
        figures.count("outage", f"{scale.outage_seconds:g} s")
        figures.count("orders that waited for the processor", waited)

    assert first.refused == rest.refused == []
    assert findings.problems == []
    assert findings.confirmed == findings.accepted == count
    assert waited >= count - before


def test_with_a_short_retry_budget_orders_fail_cleanly_during_an_outage(tmp_path, scale, figures):
    """A budget of 3 tries, 0.2 s then 0.4 s apart; `outage_checkouts` checkouts placed while the processor
    is down (for `outage_seconds`, or until every order has ended if that takes longer). Every order ends
    failed_after_retries with its stock back on the shelf while the processor is still down; once it is
    back the sweeper voids whatever authorisation each might hold (the ledger shows an authorise followed
    by a void, or nothing) and no order was captured. Reported beside their 30 s bounds: how long after the
    last acceptance every order had failed, and after the return every order had settled.
    """
    count = scale.outage_checkouts
    with running_checkout(tmp_path, card_processor_env=PROCESSOR, saga_env=SHORT_BUDGET, workers=2) as system:
        system.set_stock(PRODUCT, stock_before := count + 10)
        system.start_beat()
        system.stop_card_processor()
        down_at = time.monotonic()
        placed = place_checkouts(system, count, per_second=scale.checkouts_per_second, key_prefix="doomed")
        ended = watch_orders(system, placed.order_ids, timeout=FAIL_BOUND_SECONDS + HANG_GUARD_EXTRA_SECONDS,
                             until=lambda order: bool(order and order["completed"]))
        failed_within = seconds_to_last_finish(ended, placed.last_accepted_at)
        stock_while_down = system.stock(PRODUCT)
        time.sleep(max(0.0, down_at + scale.outage_seconds - time.monotonic()))  # the outage's length
        system.start_card_processor()
        back_at = time.time()
        orders = watch_orders(system, placed.order_ids, timeout=SETTLE_BOUND_SECONDS + HANG_GUARD_EXTRA_SECONDS)
        settled_within = time.time() - back_at
        entries = ledger(system)
        findings = audit(orders, entries, stock_before=stock_before, stock_after=system.stock(PRODUCT))
        kinds = Counter(entry["kind"] for entry in entries)
        figures.outcome = findings.summary()
        figures.seconds("last acceptance to every order failed", failed_within, bound=FAIL_BOUND_SECONDS)
        figures.seconds("processor's return to every order settled", settled_within, bound=SETTLE_BOUND_SECONDS)
        figures.count("ledger", " ".join(f"{kind}:{n}" for kind, n in sorted(kinds.items())) or "empty")

    assert placed.refused == []
    assert [order["status"] for order in ended.values() if order] == ["failed_after_retries"] * count
    assert stock_while_down == stock_before
    assert findings.problems == []

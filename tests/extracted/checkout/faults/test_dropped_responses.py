"""A card processor that acts and then drops the answer on one call in five: nobody is charged twice."""

from __future__ import annotations

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

pytestmark = pytest.mark.fault

TERMINAL_BOUND_SECONDS = 45.0  # reported beside the measured time, not asserted
HANG_GUARD_SECONDS = TERMINAL_BOUND_SECONDS + 30  # past this the watch gives up and the audit names the stragglers
PROCESSOR = {"CARD_SANDBOX_DROP_RATE": "0.2", "CARD_SANDBOX_SEED": "20260601", "GUNICORN_THREADS": "16"}
SAGA = {"SAGA_MAX_ATTEMPTS": "6", "SAGA_STUCK_AFTER_SECONDS": "10", "SAGA_SWEEP_INTERVAL_SECONDS": "2"}
DROPPED = "fault injected: response dropped after acting"


def test_answers_dropped_after_the_processor_acted_never_charge_twice(tmp_path, scale, figures):
    """`drop_checkouts` checkouts (60 in CI, 500 full) against a processor that commits and then closes the
    connection on 20% of its calls (seeded); two workers, beat running the sweeper. Every authorisation,
    capture and void may be lost on its way back. Every order ends, with at most one capture and no
    authorisation left open; reported beside its 45 s bound: how long after the last acceptance every
    order had finished.
    """
    count = scale.drop_checkouts
    with running_checkout(tmp_path, card_processor_env=PROCESSOR, saga_env=SAGA, workers=2) as system:
        system.set_stock(PRODUCT, stock_before := count + 10)
        system.start_beat()
        placed = place_checkouts(system, count, per_second=scale.checkouts_per_second, key_prefix="drops")
        orders = watch_orders(system, placed.order_ids, timeout=HANG_GUARD_SECONDS)
        findings = audit(orders, ledger(system), stock_before=stock_before, stock_after=system.stock(PRODUCT))
        dropped = sum(message == DROPPED for message in system.card_processor.log_messages())
        figures.outcome = findings.summary()
        figures.seconds("last acceptance to every order finished", seconds_to_last_finish(
            orders, placed.last_accepted_at), bound=TERMINAL_BOUND_SECONDS)
        figures.count("answers dropped", dropped)

    assert placed.refused == []
    assert findings.problems == []
    assert findings.accepted == count
    assert dropped >= count // 5, "the processor dropped fewer answers than the test relies on"

"""Redis killed and started again, empty, in the middle of a run: consumption resumes and no order is lost."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.checkout import running_checkout
from devstack.waiting import free_port
from tests.extracted.checkout.faults.audit import Order, audit
from tests.extracted.checkout.faults.driver import (
    PRODUCT,
    OwnRedis,
    finished_at,
    ledger,
    log_count,
    place_checkouts,
    seconds_to_last_finish,
    step_ended_at,
    watch_orders,
)

pytestmark = pytest.mark.fault

# Reported beside the measured times, not asserted.
RESUME_BOUND_SECONDS = 30.0
TERMINAL_BOUND_SECONDS = 60.0
HANG_GUARD_SECONDS = TERMINAL_BOUND_SECONDS + 30  # past this the watch gives up and the audit names the stragglers
DOWN_SECONDS = 2.0
# 250 ms a processor call keeps sagas in flight when Redis goes; the sweeper (every second, for orders
# quiet for 5 s) sends again the steps whose messages died with it.
PROCESSOR = {"CARD_SANDBOX_LATENCY_MS": "250", "GUNICORN_THREADS": "16"}
SAGA = {"SAGA_BACKOFF_MAX_SECONDS": "2", "SAGA_STUCK_AFTER_SECONDS": "5", "SAGA_SWEEP_INTERVAL_SECONDS": "1",
        "SAGA_MAX_ATTEMPTS": "6"}


def test_a_redis_restart_mid_run_resumes_consumption_and_loses_no_order(tmp_path, scale, figures):
    """The test's own redis-server (no persistence) carries every queue. When half of `redis_checkouts`
    checkouts (40 in CI, 200 full) have been answered it is SIGKILLed and, 2 s later, started again empty
    on the same port; queued and unacknowledged messages are gone. Two workers, beat running the sweeper.
    An order whose saga began after the restart finishes, and every order ends. Reported beside their
    bounds: how long after the restart that first order finished (30 s), and how long after the last
    acceptance every order had (60 s).
    """
    count, half = scale.redis_checkouts, threading.Event()
    redis = OwnRedis(free_port(), tmp_path / "redis", log_path=tmp_path / "logs" / "redis.log")
    redis.start()
    try:
        with running_checkout(tmp_path, card_processor_env=PROCESSOR, saga_env=SAGA, workers=2,
                              redis_url=redis.url) as system:
            system.set_stock(PRODUCT, stock_before := count + 10)
            system.start_beat()
            with ThreadPoolExecutor(1) as background:
                placing = background.submit(place_checkouts, system, count, key_prefix="redis",
                                            per_second=scale.checkouts_per_second,
                                            on_placed=lambda answered: answered >= count // 2 and half.set())
                assert half.wait(timeout=120), "half the checkouts were not answered"
                redis.kill()
                time.sleep(DOWN_SECONDS)  # how long Redis stays down: the fault's shape, not a wait
                redis.start()
                restarted_at = time.time()
                placed = placing.result()
            orders = watch_orders(system, placed.order_ids, timeout=HANG_GUARD_SECONDS)
            findings = audit(orders, ledger(system), stock_before=stock_before, stock_after=system.stock(PRODUCT))
            resumed = first_finish_started_after(orders, restarted_at)
            figures.outcome = findings.summary()
            figures.seconds("restart to the first order begun after it finished", resumed - restarted_at,
                            bound=RESUME_BOUND_SECONDS)
            figures.seconds("last acceptance to every order finished", seconds_to_last_finish(
                orders, placed.last_accepted_at), bound=TERMINAL_BOUND_SECONDS)
            figures.count("orders the sweeper resumed", log_count(system.workers, "sweeper: stuck order"))
    finally:
        redis.stop()

    assert placed.refused == []
    assert findings.problems == []
    assert findings.accepted == count
    assert math.isfinite(resumed), "no order whose saga began after the restart finished"


def first_finish_started_after(orders: dict[str, Order | None], moment: float) -> float:
    """When the first order finished whose saga began after `moment`: proof that new messages flow again
    (an order already under way may finish on what its worker held before Redis went)."""
    return min((finished_at(order) or float("inf") for order in orders.values()
                if order and (step_ended_at(order, "reserve_stock") or 0) > moment), default=float("inf"))

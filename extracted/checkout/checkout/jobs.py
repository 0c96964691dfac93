"""The scheduled jobs (Celery beat) and the small per-order tasks the sweep sends.

    checkout.jobs.sweep                    every SAGA_SWEEP_INTERVAL_SECONDS: see housekeeping.py
    checkout.jobs.daily_report             daily at SHOP_REPORT_HOUR_UTC: yesterday's orders to SHOP_REPORT_EMAIL
    checkout.jobs.forget_idempotency_keys  hourly: keys older than IDEMPOTENCY_KEY_TTL_HOURS
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from extracted.checkout.celery_app import app
from extracted.checkout.checkout import housekeeping
from extracted.checkout.checkout.idempotency import idempotency_keys_forget
from extracted.checkout.checkout.services import order_leftover_commit, order_leftover_release, order_leftover_void

logger = logging.getLogger(__name__)


@app.task(name="checkout.jobs.sweep")
def sweep() -> None:
    """Resume or compensate stuck orders and send clean-ups for what failed orders left behind."""
    now = timezone.now()
    stuck = housekeeping.stuck_orders_sweep(now=now)
    leftovers = housekeeping.leftovers_sweep(now=now, void=void_leftover.delay, release=release_leftover.delay)
    orphans = housekeeping.orphan_reservations_sweep(now=now, release=release_reservation.delay,
                                                     commit=commit_leftover.delay)
    logger.info("sweep finished", extra={"stuck": stuck, "leftovers": leftovers, "orphans": orphans})


@app.task(name="checkout.jobs.void_leftover")
def void_leftover(order_id: str) -> None:
    """Void the authorisation a failed order still holds; nothing if it holds none."""
    order_leftover_void(order_id=order_id)


@app.task(name="checkout.jobs.release_leftover")
def release_leftover(order_id: str) -> None:
    """Release the stock a failed order still holds; nothing if it holds none."""
    order_leftover_release(order_id=order_id)


@app.task(name="checkout.jobs.commit_leftover")
def commit_leftover(order_id: str) -> None:
    """Commit the stock a finished, confirmed order still holds; nothing if it holds none."""
    order_leftover_commit(order_id=order_id)


@app.task(name="checkout.jobs.release_reservation")
def release_reservation(reservation_id: str) -> None:
    """Release a reservation no order is entitled to; releasing twice, or one sold since, is a no-op."""
    housekeeping.reservation_release(reservation_id=reservation_id)


@app.task(name="checkout.jobs.daily_report")
def daily_report() -> None:
    """E-mail the shop yesterday's (UTC) orders: count, revenue, top products, failures."""
    housekeeping.daily_report_send(day=timezone.now().date() - datetime.timedelta(days=1))


@app.task(name="checkout.jobs.forget_idempotency_keys")
def forget_idempotency_keys() -> None:
    """Delete Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24)."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    logger.info("idempotency keys forgotten", extra={"deleted": idempotency_keys_forget(older_than=cutoff)})

"""What the beat jobs do: sweep up after the saga, report to the shop, forget old idempotency keys.

The sweep, every SAGA_SWEEP_INTERVAL_SECONDS, logs each action it takes:

    an order with no progress for SAGA_STUCK_AFTER_SECONDS   resumed (its step sent again, fresh budget),
                                                             or compensated when it is still before the
                                                             point of no return after SAGA_DEADLINE_SECONDS
    a finished, unconfirmed order with an authorisation      voided (within SAGA_VOID_WITHIN_DAYS)
    a finished, unconfirmed order with stock held            released
    a reservation in the catalogue with no order entitled    released (one found sold, committed, is left)
    a reservation still held for a finished, confirmed order committed

A confirmed order's reservation is committed by the saga once its money is captured, so it drops out of
the catalogue's held list: what the sweep lists are live orders' reservations and orphans, and, until
the sweep has committed them, the reservations of orders confirmed before the saga committed stock
(which would otherwise fill the list, capped at 500, and hide newer orphans).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from extracted.checkout.checkout import selectors
from extracted.checkout.checkout.catalog_client import CatalogError, ReservationCommitted
from extracted.checkout.checkout.clients import catalog
from extracted.checkout.checkout.models import ReportSent
from extracted.checkout.checkout.report import report_subject, report_text
from extracted.checkout.checkout.saga import order_abandon, order_resume

logger = logging.getLogger(__name__)
BATCH = 200

Send = Callable[[str], None]


def stuck_orders_sweep(*, now: datetime.datetime) -> int:
    """Resume or compensate every order that stopped moving; returns how many were acted on."""
    quiet_since = now - datetime.timedelta(seconds=settings.SAGA_STUCK_AFTER_SECONDS)
    deadline = now - datetime.timedelta(seconds=settings.SAGA_DEADLINE_SECONDS)
    acted = 0
    for order in selectors.orders_stuck(quiet_since=quiet_since, limit=BATCH):
        why = f"no progress in {order.step} since {order.updated_at.isoformat()}"
        if selectors.order_is_abandonable(order, created_before=deadline):
            moved, action = order_abandon(order, why=f"{why}, past the saga's deadline"), "compensated"
        else:
            moved, action = order_resume(order, why=f"{why}; resumed by the sweeper"), "resumed"
        if moved:
            logger.warning("sweeper: stuck order %s", action, extra={"order_id": str(order.pk), "step": order.step})
            acted += 1
    return acted


def leftovers_sweep(*, now: datetime.datetime, void: Send, release: Send) -> int:
    """Send a clean-up for each finished, unconfirmed order still holding money or stock."""
    quiet_since = now - datetime.timedelta(seconds=settings.SAGA_STUCK_AFTER_SECONDS)
    since = now - datetime.timedelta(days=settings.SAGA_VOID_WITHIN_DAYS)
    holding_money = selectors.orders_with_open_authorization(created_after=since, quiet_since=quiet_since,
                                                             limit=BATCH)
    for order in holding_money:
        logger.warning("sweeper: voiding an authorisation left by a failed order", extra={"order_id": str(order.pk)})
        void(str(order.pk))
    holding_stock = selectors.orders_holding_stock(quiet_since=quiet_since, limit=BATCH)
    for order in holding_stock:
        logger.warning("sweeper: releasing stock left by a failed order", extra={"order_id": str(order.pk)})
        release(str(order.pk))
    return len(holding_money) + len(holding_stock)


def orphan_reservations_sweep(*, now: datetime.datetime, release: Send, commit: Send) -> int:
    """Send a release for each reservation the catalogue holds for no live or confirmed order, and a
    commit for each one it still holds for a finished, confirmed order; returns how many were sent."""
    quiet_since = now - datetime.timedelta(seconds=settings.SAGA_STUCK_AFTER_SECONDS)
    try:
        held = catalog().reservations_held(after=now - datetime.timedelta(days=settings.SAGA_VOID_WITHIN_DAYS),
                                           before=quiet_since)
    except CatalogError as error:
        logger.warning("sweeper: cannot list the catalogue's reservations", extra={"error": str(error)})
        return 0
    orphans = sorted(set(held) - selectors.order_ids_entitled_to_stock(order_ids=held))
    for reservation_id in orphans:
        logger.warning("sweeper: releasing a reservation with no order", extra={"reservation_id": reservation_id})
        release(reservation_id)
    # A commit refused for good moves the order's clock: it is tried again one quiet period later.
    sold = sorted(selectors.order_ids_sold_but_held(order_ids=held, quiet_since=quiet_since))
    for order_id in sold:
        logger.warning("sweeper: committing the stock of a confirmed order", extra={"order_id": order_id})
        commit(order_id)
    return len(orphans) + len(sold)


def reservation_release(*, reservation_id: str) -> bool:
    """Release a reservation no order is entitled to; False when it was sold (committed) meanwhile."""
    try:
        catalog().reservation_release(reservation_id)
    except ReservationCommitted:
        # Sold between the listing and now: its units are gone for good, nothing to give back or retry.
        logger.info("reservation committed: nothing to release", extra={"reservation_id": reservation_id})
        return False
    logger.info("reservation released", extra={"reservation_id": reservation_id})
    return True


def daily_report_send(*, day: datetime.date) -> bool:
    """E-mail the shop the report for `day`, once: False when it was already sent."""
    report = selectors.daily_report(day=day)
    try:
        with transaction.atomic():
            ReportSent.objects.create(day=day)
            send_mail(report_subject(report), report_text(report), None, [settings.SHOP_REPORT_EMAIL])
    except IntegrityError:
        logger.info("orders report already sent", extra={"day": day.isoformat()})
        return False
    logger.info("orders report sent", extra={"day": day.isoformat(), "orders": report.orders,
                                             "to": settings.SHOP_REPORT_EMAIL})
    return True

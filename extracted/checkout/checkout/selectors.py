"""Reads of orders, their history and idempotency keys; a user only ever sees their own orders.

The copy that lives, behind the proxy's `checkout` and `orders` routes: the monolith's synchronous
checkout (monolith/orders) is kept as the "before", their rollback.
"""

from __future__ import annotations

import datetime
from uuid import UUID

from django.db.models import Count, QuerySet, Sum

from extracted.checkout.checkout.flow import ABANDONABLE, Payment, Status, Step, Stock
from extracted.checkout.checkout.models import IdempotencyKey, Order, SagaEvent
from extracted.checkout.checkout.report import DailyReport, TopProduct

TOP_PRODUCTS = 5


def order_get_for_user(*, order_id: UUID, user_id: str) -> Order | None:
    return Order.objects.filter(pk=order_id, user_id=user_id).first()


def order_list(*, user_id: str, limit: int = 50) -> QuerySet[Order]:
    """The user's most recent orders, newest first."""
    return Order.objects.filter(user_id=user_id).order_by("-created_at")[:limit]


def order_at_step(*, order_id: str, step: Step) -> Order | None:
    """The order if it is waiting for `step`; None when it moved on (or never existed)."""
    try:
        return Order.objects.filter(pk=UUID(order_id), step=step).first()
    except ValueError:
        return None


def order_get(*, order_id: str) -> Order | None:
    try:
        return Order.objects.filter(pk=UUID(order_id)).first()
    except ValueError:
        return None


def order_history(*, order: Order) -> QuerySet[SagaEvent]:
    return SagaEvent.objects.filter(order=order).order_by("at", "id")


def idempotency_key_get(*, user_id: str, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user_id=user_id, key=key).first()


def orders_stuck(*, quiet_since: datetime.datetime, limit: int) -> list[Order]:
    """Orders in a step that has made no progress since `quiet_since`, oldest first."""
    return list(Order.objects.exclude(step=Step.COMPLETED).filter(updated_at__lt=quiet_since)
                .order_by("updated_at")[:limit])


def order_is_abandonable(order: Order, *, created_before: datetime.datetime) -> bool:
    """Still before the point of no return, and older than the saga's deadline."""
    return order.step in ABANDONABLE and order.created_at < created_before


def orders_with_open_authorization(*, created_after: datetime.datetime, quiet_since: datetime.datetime,
                                   limit: int) -> list[Order]:
    """Finished, unconfirmed orders that may still hold an authorisation on the card."""
    return list(_leftovers(quiet_since).filter(payment__in=[Payment.AUTHORIZED, Payment.UNKNOWN],
                                                created_at__gt=created_after)[:limit])


def orders_holding_stock(*, quiet_since: datetime.datetime, limit: int) -> list[Order]:
    """Finished, unconfirmed orders that may still hold stock in the catalogue."""
    return list(_leftovers(quiet_since).filter(stock__in=[Stock.HELD, Stock.UNKNOWN])[:limit])


def _leftovers(quiet_since: datetime.datetime) -> QuerySet[Order]:
    return (Order.objects.filter(step=Step.COMPLETED, updated_at__lt=quiet_since)
            .exclude(status=Status.CONFIRMED).order_by("updated_at"))


def order_ids_entitled_to_stock(*, order_ids: list[str]) -> set[str]:
    """Of `order_ids`, those whose order exists and is confirmed or still running."""
    ids = [UUID(order_id) for order_id in order_ids if _is_uuid(order_id)]
    entitled = Order.objects.filter(pk__in=ids).exclude(step=Step.COMPLETED, status__in=_FAILED)
    return {str(order_id) for order_id in entitled.values_list("pk", flat=True)}


def order_ids_sold_but_held(*, order_ids: list[str], quiet_since: datetime.datetime) -> set[str]:
    """Of `order_ids`, the finished, confirmed orders whose stock was never committed (made before the
    saga committed stock, or refused a commit) and that have not moved since `quiet_since`."""
    ids = [UUID(order_id) for order_id in order_ids if _is_uuid(order_id)]
    sold = Order.objects.filter(pk__in=ids, step=Step.COMPLETED, status=Status.CONFIRMED, stock=Stock.HELD,
                                updated_at__lt=quiet_since)
    return {str(order_id) for order_id in sold.values_list("pk", flat=True)}


def daily_report(*, day: datetime.date) -> DailyReport:
    orders = Order.objects.filter(created_at__date=day)
    confirmed = orders.filter(status=Status.CONFIRMED)
    revenue = {row["currency"]: row["total"] for row in
               confirmed.values("currency").annotate(total=Sum("amount_cents")).order_by("currency")}
    top = [TopProduct(row["product_id"], row["product_name"], row["orders"]) for row in
           confirmed.values("product_id", "product_name").annotate(orders=Count("id"))
           .order_by("-orders", "product_id")[:TOP_PRODUCTS]]
    failures = {row["status"]: row["orders"] for row in
                orders.filter(status__in=_FAILED).values("status").annotate(orders=Count("id")).order_by()}
    return DailyReport(day=day, orders=orders.count(), confirmed=confirmed.count(), revenue_cents=revenue,
                       top_products=top, failures=failures, pending=orders.filter(status=Status.PENDING).count())


_FAILED = [Status.OUT_OF_STOCK, Status.PAYMENT_DECLINED, Status.FAILED_AFTER_RETRIES, Status.FAILED]


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True

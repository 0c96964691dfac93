"""What each saga step does to the outside world, and how its errors are classified.

A step reads the order, makes one idempotent call keyed by the order (the reservation id is the order
id; the card processor's key is the order id and the action), and returns what to record: `Done`, or
it raises `Transient` (try again later) or `Permanent` (compensate now, or after the capture record it
and go on). It never writes the order itself: saga.py persists the outcome as one transition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from kombu.exceptions import KombuError

from extracted.checkout.celery_app import app
from extracted.checkout.checkout.catalog_client import (
    CatalogError,
    CatalogUnavailable,
    OutOfStock,
    ReservationCommitted,
    ReservationGone,
    ReservationReleased,
)
from extracted.checkout.checkout.clients import card_processor, catalog
from extracted.checkout.checkout.fingerprints import processor_key
from extracted.checkout.checkout.flow import Payment, Status, Step, Stock
from extracted.checkout.checkout.models import Order
from integrations.card_processor.client import (
    CardProcessorError,
    CardProcessorRejected,
    CardProcessorUnavailable,
    PaymentDeclined,
)
from integrations.card_processor.client import Payment as Authorization
from order_contract.events import ORDER_CONFIRMED, ORDER_FAILED, InvalidEvent, OrderEvent, publish

Changes = dict[str, Any]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Done:
    """The step did its work (or found none to do, `skipped`); `changes` are the order fields to set."""

    detail: str
    changes: Changes = field(default_factory=dict)
    skipped: bool = False


class StepFailure(Exception):
    """The step could not do its work; `changes` still record what was learned (e.g. "unknown")."""

    def __init__(self, detail: str, *, changes: Changes | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.changes = changes or {}


class Transient(StepFailure):
    """Worth another try later, with the same keys: a timeout, a 5xx, an unreachable service."""


class Permanent(StepFailure):
    """No retry can help; `status` is the order's terminal status when this failure decides it."""

    def __init__(self, detail: str, *, status: Status = Status.FAILED, changes: Changes | None = None) -> None:
        super().__init__(detail, changes=changes)
        self.status = status


def reserve_stock(order: Order) -> Done:
    try:
        catalog().reservation_make(reservation_id=str(order.id), product_id=order.product_id,
                                   quantity=order.quantity)
    except OutOfStock:
        raise Permanent(f"{order.product_name} is out of stock", status=Status.OUT_OF_STOCK) from None
    except CatalogUnavailable as error:
        raise Transient(f"catalogue unavailable: {error}", changes={"stock": Stock.UNKNOWN}) from None
    except CatalogError as error:
        raise Permanent(f"the catalogue refused the reservation: {error}") from None
    return Done(f"{order.quantity} x {order.product_id} held", {"stock": Stock.HELD})


def authorize_payment(order: Order) -> Done:
    try:
        payment = _authorize(order)
    except PaymentDeclined as declined:
        raise Permanent(f"card declined ({declined.decline_code})", status=Status.PAYMENT_DECLINED,
                        changes={"payment": Payment.DECLINED, "payment_id": declined.payment_id or ""}) from None
    except CardProcessorUnavailable as error:
        # Unknown only if the request may have reached the processor: an authorisation that was never
        # sent must not be made later (by the void's recovery) just to be voided.
        changes = {"payment": Payment.UNKNOWN} if error.reached else {}
        raise Transient(f"card processor unavailable: {error}", changes=changes) from None
    except CardProcessorRejected as error:
        raise Permanent(f"the card processor refused the authorisation: {error}") from None
    except CardProcessorError as error:
        raise Transient(f"card processor: {error}", changes={"payment": Payment.UNKNOWN}) from None
    return Done(f"authorised {payment.id}", {"payment": Payment.AUTHORIZED, "payment_id": payment.id})


def confirm_order(order: Order) -> Done:
    """The point of no return: stock is held and the money authorised, so the shop commits to the order."""
    return Done("order confirmed")


def capture_payment(order: Order) -> Done:
    try:
        card_processor().capture(order.payment_id, idempotency_key=processor_key(str(order.id), "capture"))
    except CardProcessorUnavailable as error:
        raise Transient(f"card processor unavailable: {error}") from None
    except CardProcessorError as error:
        raise Permanent(f"the card processor refused the capture: {error}") from None
    return Done(f"captured {order.payment_id}", {"payment": Payment.CAPTURED})


def commit_stock(order: Order) -> Done:
    """Sell the held units for good, once the money is captured: no release can give them back after this."""
    if order.stock == Stock.COMMITTED:
        return Done("stock already committed", skipped=True)
    try:
        catalog().reservation_commit(str(order.id))
    except CatalogUnavailable as error:
        raise Transient(f"catalogue unavailable: {error}") from None
    except ReservationGone as error:
        # The customer paid for units the catalogue no longer holds for them: no retry brings them back.
        stock = Stock.RELEASED if isinstance(error, ReservationReleased) else Stock.NONE
        logger.error("a captured order's reservation is gone: a person must look",
                     extra={"order_id": str(order.id), "product_id": order.product_id, "error": str(error)})
        raise Permanent(f"the catalogue holds no units to sell: {error}", changes={"stock": stock}) from None
    except CatalogError as error:
        logger.error("the catalogue refused to commit a captured order's reservation: a person must look",
                     extra={"order_id": str(order.id), "error": str(error)})
        raise Permanent(f"the catalogue refused the commit: {error}") from None
    return Done(f"{order.quantity} x {order.product_id} sold", {"stock": Stock.COMMITTED})


def void_payment(order: Order) -> Done:
    """Release the authorisation, if one was (or may have been) made."""
    if order.payment not in (Payment.AUTHORIZED, Payment.UNKNOWN):
        return Done(f"nothing to void (payment {order.payment})", skipped=True)
    payment_id = order.payment_id or _recover_authorization(order)
    if not payment_id:
        return Done("no authorisation was made", {"payment": Payment.NONE}, skipped=True)
    try:
        card_processor().void(payment_id, idempotency_key=processor_key(str(order.id), "void"))
    except CardProcessorUnavailable as error:
        raise Transient(f"card processor unavailable: {error}", changes={"payment_id": payment_id}) from None
    except CardProcessorError as error:
        raise Permanent(f"the card processor refused the void: {error}", changes={"payment_id": payment_id}) from None
    return Done(f"voided {payment_id}", {"payment": Payment.VOIDED, "payment_id": payment_id})


def release_stock(order: Order) -> Done:
    if order.stock == Stock.RELEASED:
        return Done("stock already released", skipped=True)
    if order.stock == Stock.COMMITTED:
        return Done("stock sold (committed): nothing to release", skipped=True)
    try:
        catalog().reservation_release(str(order.id))
    except ReservationCommitted:
        # Sold for good: giving the units back is no longer possible, and trying again cannot change that.
        logger.error("an order to release stock for has its reservation committed: a person must look",
                     extra={"order_id": str(order.id), "status": order.status})
        return Done("stock sold (committed): nothing to release", {"stock": Stock.COMMITTED}, skipped=True)
    except CatalogUnavailable as error:
        raise Transient(f"catalogue unavailable: {error}") from None
    except CatalogError as error:
        raise Permanent(f"the catalogue refused the release: {error}") from None
    return Done("stock released", {"stock": Stock.RELEASED})


def publish_event(order: Order) -> Done:
    """Announce the outcome to the notifications worker; its id is stable, so a repeat is deduplicated."""
    try:
        event = order_event(order)
        publish(app, event, queue=settings.ORDER_EVENTS_QUEUE)
    except InvalidEvent as error:
        raise Permanent(str(error)) from None
    except (KombuError, OSError) as error:
        raise Transient(f"broker unavailable: {error!r}") from None
    return Done(f"published {event.type}")


def order_event(order: Order) -> OrderEvent:
    confirmed = order.status == Status.CONFIRMED
    return OrderEvent.for_order(
        type=ORDER_CONFIRMED if confirmed else ORDER_FAILED, order_id=str(order.id), user_id=order.user_id,
        email=order.email, product_name=order.product_name, amount_cents=order.amount_cents,
        currency=order.currency, delivery_address=order.delivery_address,
        delivery_date=order.delivery_date.isoformat(), reason=None if confirmed else order.reason or order.status)


ACTIONS: dict[Step, Callable[[Order], Done]] = {
    Step.RESERVE_STOCK: reserve_stock,
    Step.AUTHORIZE_PAYMENT: authorize_payment,
    Step.CONFIRM_ORDER: confirm_order,
    Step.CAPTURE_PAYMENT: capture_payment,
    Step.COMMIT_STOCK: commit_stock,
    Step.VOID_PAYMENT: void_payment,
    Step.RELEASE_STOCK: release_stock,
    Step.PUBLISH_EVENT: publish_event,
}


def _authorize(order: Order) -> Authorization:
    return card_processor().authorize(
        amount_cents=order.amount_cents, currency=order.currency, payment_method=order.payment_method,
        idempotency_key=processor_key(str(order.id), "authorize"),
        metadata={"order_id": str(order.id), "user_id": order.user_id, "product_id": order.product_id})


def _recover_authorization(order: Order) -> str:
    """The id of the authorisation whose answer was lost: asking again with its key replays the answer.

    Only asked when an earlier request may have reached the processor; if in fact it did not, this
    makes the authorisation, which the caller then voids at once: nothing is ever captured for a
    failed order.
    """
    try:
        return _authorize(order).id
    except PaymentDeclined:
        return ""
    except CardProcessorUnavailable as error:
        raise Transient(f"card processor unavailable: {error}") from None
    except CardProcessorError as error:
        raise Permanent(f"could not learn which authorisation to void: {error}") from None

"""The original, synchronous checkout: every step happens inside the request.

    reserve stock -> charge the card -> store the order -> notify

It is correct rather than fast: stock taken for a failed charge is put back, an order is stored only
after its charge succeeded, and a charge whose order cannot be stored is refunded. Every call to the
card processor carries an idempotency key derived from the order id, so a retried call never charges
twice. What it cannot do is survive its own process dying between the charge and the insert; the
asynchronous checkout (a saga run by workers) exists to close that gap.

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.contrib.auth.models import User

from integrations.card_processor.client import CardProcessorError, Payment
from monolith.accounts.services import profile_get
from monolith.catalog import gateway
from monolith.catalog.gateway import ProductInfo
from monolith.notifications.services import order_confirmation_send
from monolith.orders.models import Order
from monolith.orders.payments import card_processor

logger = logging.getLogger(__name__)


def order_checkout(*, user: User, product: ProductInfo, delivery_address: str,
                   delivery_date: datetime.date) -> Order:
    """Sell one unit of `product` to `user`; raises OutOfStock or a CardProcessorError, changing nothing."""
    order_id = uuid.uuid4()
    gateway.reserve_stock(product.id, reservation_id=_reservation_id(order_id))
    try:
        payment = _charge(order_id=order_id, user=user, product=product)
    except CardProcessorError:
        gateway.release_stock(reservation_id=_reservation_id(order_id))
        raise
    order = _store(order_id=order_id, user=user, product=product, payment=payment,
                   delivery_address=delivery_address, delivery_date=delivery_date)
    logger.info("order confirmed", extra={"order_id": str(order.id), "product_id": product.id,
                                          "amount_cents": product.price_cents, "payment_id": payment.id})
    order_confirmation_send(order=order)
    return order


def _reservation_id(order_id: uuid.UUID) -> str:
    """The order's hold on its stock, the same on every call for the order."""
    return f"order-{order_id}"


def _charge(*, order_id: uuid.UUID, user: User, product: ProductInfo) -> Payment:
    return card_processor().charge(
        amount_cents=product.price_cents,
        currency=product.currency,
        payment_method=profile_get(user=user).payment_method,
        idempotency_key=f"order-{order_id}-charge",
        metadata={"order_id": str(order_id), "product_id": product.id, "user_id": str(user.pk)},
    )


def _store(*, order_id: uuid.UUID, user: User, product: ProductInfo, payment: Payment,
           delivery_address: str, delivery_date: datetime.date) -> Order:
    try:
        return Order.objects.create(
            id=order_id, user=user, product_id=product.id, product_name=product.name,
            amount_cents=product.price_cents, currency=product.currency, payment_id=payment.id,
            delivery_address=delivery_address, delivery_date=delivery_date)
    except Exception:
        # The card was charged but there is no order to show for it: give the money and stock back.
        logger.exception("storing the order failed; refunding", extra={"order_id": str(order_id)})
        card_processor().refund(payment.id, idempotency_key=f"order-{order_id}-refund")
        gateway.release_stock(reservation_id=_reservation_id(order_id))
        raise

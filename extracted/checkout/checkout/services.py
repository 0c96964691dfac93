"""Order writes outside the saga: accepting an order (at once, once per Idempotency-Key) and the
sweeper's clean-up actions.

The copy that lives, behind the proxy's `checkout` and `orders` routes: the monolith's synchronous
checkout (monolith/orders) is kept as the "before", their rollback.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.db import transaction
from django.urls import reverse

from chassis.identity import Identity
from extracted.checkout.checkout import selectors, steps
from extracted.checkout.checkout.catalog_client import CatalogUnavailable, Product
from extracted.checkout.checkout.clients import product_get
from extracted.checkout.checkout.dispatch import step_send_on_commit
from extracted.checkout.checkout.errors import CatalogDown, ProductNotFound
from extracted.checkout.checkout.flow import FIRST_STEP, Status, Stock
from extracted.checkout.checkout.idempotency import Answer, KeyClaim, answer_once
from extracted.checkout.checkout.models import Order, SagaEvent
from extracted.checkout.checkout.saga import Entry, order_transition
from extracted.checkout.checkout.texts import accepted_message

logger = logging.getLogger(__name__)
ACCEPTED = 202


def order_status_url(order: Order) -> str:
    return reverse("order-detail", kwargs={"order_id": order.pk})


def order_accept(*, claim: KeyClaim | None, identity: Identity, product_id: str, delivery_address: str,
                 delivery_date: datetime.date, payment_method: str) -> Answer:
    """Accept one unit of the catalogue's product `product_id`, once per idempotency `claim`.

    The product is read from the catalogue first (ProductNotFound, CatalogDown); then the order is
    persisted with the key claimed in one transaction, and a twin request that claimed the key first
    has its answer given again (IdempotencyConflict when it was another request).
    """
    product = _catalog_product(product_id)
    return answer_once(claim, lambda: order_checkout(identity=identity, product=product,
                                                     delivery_address=delivery_address, delivery_date=delivery_date,
                                                     payment_method=payment_method))


def _catalog_product(product_id: str) -> Product:
    try:
        product = product_get(product_id)
    except CatalogUnavailable:
        raise CatalogDown() from None
    if product is None:
        raise ProductNotFound(product_id)
    return product


def order_checkout(*, identity: Identity, product: Product, delivery_address: str,
                   delivery_date: datetime.date, payment_method: str) -> Answer:
    """Persist a pending order for one unit of `product`; its first step is sent after commit."""
    with transaction.atomic():
        order = Order.objects.create(
            user_id=str(identity.user_id), email=identity.email or "", product_id=product.id,
            product_name=product.name, amount_cents=product.price_cents, currency=product.currency,
            payment_method=payment_method, delivery_address=delivery_address, delivery_date=delivery_date)
        SagaEvent.objects.bulk_create([SagaEvent(order=order, step="checkout", state=SagaEvent.State.SUCCEEDED,
                                                 detail="order accepted"),
                                       SagaEvent(order=order, step=FIRST_STEP, state=SagaEvent.State.SCHEDULED)])
        step_send_on_commit(order_id=str(order.pk), step=FIRST_STEP)
    logger.info("order accepted", extra={"order_id": str(order.pk), "product_id": product.id,
                                         "amount_cents": product.price_cents})
    return Answer(ACCEPTED, acceptance_body(order), order_id=order.pk)


def acceptance_body(order: Order) -> dict[str, object]:
    """The contract's CheckoutResponse (`success`, `message`), plus where to read the outcome."""
    return {"success": True, "message": accepted_message(order), "orderId": str(order.pk),
            "number": order.number, "status": order.status, "statusUrl": order_status_url(order)}


def order_leftover_void(*, order_id: str) -> bool:
    """Void the authorisation a finished, unconfirmed order may still hold; True when it is gone."""
    order = selectors.order_get(order_id=order_id)
    if order is None or not order.completed or order.status == Status.CONFIRMED:
        return False
    return _clean_up(order, steps.void_payment)


def order_leftover_release(*, order_id: str) -> bool:
    """Release the stock a finished, unconfirmed order may still hold; True when it is back."""
    order = selectors.order_get(order_id=order_id)
    if order is None or not order.completed or order.status == Status.CONFIRMED:
        return False
    return _clean_up(order, steps.release_stock)


def order_leftover_commit(*, order_id: str) -> bool:
    """Commit the stock a finished, confirmed order still holds; True when it is sold for good."""
    order = selectors.order_get(order_id=order_id)
    if order is None or not order.completed or order.status != Status.CONFIRMED or order.stock != Stock.HELD:
        return False
    return _clean_up(order, steps.commit_stock)


def _clean_up(order: Order, action: Callable[[Order], steps.Done]) -> bool:
    name = action.__name__
    try:
        done = action(order)
    except steps.StepFailure as failure:
        logger.warning("clean-up failed; the next sweep tries again",
                       extra={"order_id": str(order.pk), "action": name, "detail": failure.detail})
        # No history entry (a long outage would add one per sweep); the moved clock spaces the tries out.
        order_transition(order, to=None, changes=failure.changes, entries=[])
        return False
    order_transition(order, to=None, changes=done.changes,
                     entries=[Entry(name, SagaEvent.State.SUCCEEDED, f"clean-up: {done.detail}")])
    logger.info("clean-up done", extra={"order_id": str(order.pk), "action": name, "detail": done.detail})
    return True


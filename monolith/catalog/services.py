"""Writes to the catalogue: stock moves and the reservations other services hold stock under.

Stock moves are single conditional UPDATEs, so concurrent buyers never oversell and never drive stock
below zero. A reservation is stock held under an id the caller chose (the checkout's order id); each
write is one transaction with its conditional stock UPDATE and is idempotent on the id, so a caller may
repeat any call. Refusals are the domain errors of monolith.catalog.errors, and datasync's NotOwner once
the products' writes have moved to the catalogue service (`strangler data switch-writes catalog`): from
then on the monolith's copy is kept by the sync and read-only here (its capture trigger refuses any other
write too).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from datasync.guard import ensure_owner
from monolith.catalog import selectors
from monolith.catalog.errors import OutOfStock, ProductNotFound, ReservationConflict, ReservationReleased
from monolith.catalog.models import Product, Reservation

DATASYNC_MODULE, DATASYNC_SIDE = "catalog", "monolith"  # extracted/catalog/sync.py


def stock_reserve(*, product_id: str, quantity: int = 1) -> None:
    ensure_owner(module=DATASYNC_MODULE, side=DATASYNC_SIDE)
    updated = Product.objects.filter(pk=product_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not updated:
        raise OutOfStock(product_id)


def stock_release(*, product_id: str, quantity: int = 1) -> None:
    ensure_owner(module=DATASYNC_MODULE, side=DATASYNC_SIDE)
    Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)


def reservation_make(*, reservation_id: str, product_id: str, quantity: int) -> tuple[Reservation, bool]:
    """Hold `quantity` units of the product under `reservation_id`, once: (reservation, made now).

    Raises ProductNotFound, OutOfStock, ReservationReleased (the id was released) or ReservationConflict
    (the id holds another product or quantity).
    """
    if selectors.product_get(product_id=product_id) is None:
        raise ProductNotFound(product_id)
    existing = Reservation.objects.filter(pk=reservation_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                stock_reserve(product_id=product_id, quantity=quantity)
                return Reservation.objects.create(id=reservation_id, product_id=product_id, quantity=quantity), True
        except IntegrityError:  # a twin request, or a release's tombstone, took the id first: stock rolled back
            existing = Reservation.objects.get(pk=reservation_id)
    return _the_same(existing, product_id=product_id, quantity=quantity), False


def reservation_release(*, reservation_id: str) -> bool:
    """Give back what `reservation_id` holds, once; True when stock went back."""
    if _release_held(reservation_id):
        return True
    if _tombstone(reservation_id):
        return False  # never made: nothing to give back, and now a late reservation takes nothing
    return _release_held(reservation_id)  # made meanwhile by a twin request, or released already


def _the_same(reservation: Reservation, *, product_id: str, quantity: int) -> Reservation:
    if not reservation.held:
        raise ReservationReleased()
    if (reservation.product_id, reservation.quantity) != (product_id, quantity):
        raise ReservationConflict()
    return reservation


@transaction.atomic
def _release_held(reservation_id: str) -> bool:
    # The conditional UPDATE is the guard: of two releases at once, only one finds the row still held.
    taken = Reservation.objects.filter(pk=reservation_id, released_at__isnull=True).update(released_at=timezone.now())
    if not taken:
        return False
    reservation = Reservation.objects.get(pk=reservation_id)
    stock_release(product_id=reservation.product_id, quantity=reservation.quantity)
    return True


def _tombstone(reservation_id: str) -> bool:
    try:
        with transaction.atomic():
            Reservation.objects.create(id=reservation_id, product=None, quantity=0, released_at=timezone.now())
    except IntegrityError:
        return False
    return True

"""Writes to the catalogue: stock moves and the reservations other services hold stock under.

Stock moves are single conditional UPDATEs, so concurrent buyers never oversell and never drive stock
below zero. A reservation is stock held under an id the caller chose (the checkout's order id): made
once, then released (the units go back) or committed (the units are sold), once. Each write is one
transaction around a conditional UPDATE, so concurrent callers never release or commit one reservation
twice, and is idempotent on the id, so a caller may repeat any call. Refusals are the domain errors of
monolith.catalog.errors, and datasync's NotOwner once the products' writes have moved to the catalogue
service (`strangler data switch-writes catalog`): from then on the monolith's copy is kept by the sync and
read-only here (its capture trigger refuses any other write too). The guard is asked where stock moves,
so a commit, which moves none, is answered on either side, as the service answers it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from datasync.guard import ensure_owner
from monolith.catalog import selectors
from monolith.catalog.errors import (
    OutOfStock,
    ProductNotFound,
    ReservationCommitted,
    ReservationConflict,
    ReservationNotFound,
    ReservationReleased,
)
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
    existing = selectors.reservation_get(reservation_id=reservation_id)
    if existing is None:
        try:
            with transaction.atomic():
                stock_reserve(product_id=product_id, quantity=quantity)
                return Reservation.objects.create(id=reservation_id, product_id=product_id, quantity=quantity), True
        except IntegrityError:  # a twin request, or a release's tombstone, took the id first: stock rolled back
            existing = Reservation.objects.get(pk=reservation_id)
    return _the_same(existing, product_id=product_id, quantity=quantity), False


def reservation_release(*, reservation_id: str) -> bool:
    """Give back what `reservation_id` holds, once; True when stock went back.

    Releasing twice, or an id never made (which leaves a tombstone), gives nothing back; releasing a
    committed reservation raises ReservationCommitted.
    """
    if _release_held(reservation_id):
        return True
    if _tombstone(reservation_id):
        return False  # never made: nothing to give back, and now a late reservation takes nothing
    existing = selectors.reservation_get(reservation_id=reservation_id)
    if existing is not None and existing.committed:
        raise ReservationCommitted()
    return _release_held(reservation_id)  # made meanwhile by a twin request, or released already


@transaction.atomic
def reservation_commit(*, reservation_id: str) -> Reservation:
    """Sell what `reservation_id` holds, for good; committing twice changes nothing more.

    Raises ReservationNotFound (never made) or ReservationReleased (its units went back, or it is a
    release's tombstone).
    """
    # The conditional UPDATE is the guard: of a commit and a release at once, only one finds the row held.
    Reservation.objects.filter(pk=reservation_id, released_at__isnull=True, committed_at__isnull=True,
                               product__isnull=False).update(committed_at=timezone.now())
    reservation = selectors.reservation_get(reservation_id=reservation_id)
    if reservation is None:
        raise ReservationNotFound(reservation_id)
    if not reservation.committed:
        raise ReservationReleased()
    return reservation


def _the_same(reservation: Reservation, *, product_id: str, quantity: int) -> Reservation:
    if not reservation.held:
        raise ReservationReleased()
    if (reservation.product_id, reservation.quantity) != (product_id, quantity):
        raise ReservationConflict()
    return reservation


@transaction.atomic
def _release_held(reservation_id: str) -> bool:
    # The conditional UPDATE is the guard: of two releases (or a release and a commit) at once, one wins.
    taken = Reservation.objects.filter(pk=reservation_id, released_at__isnull=True,
                                       committed_at__isnull=True).update(released_at=timezone.now())
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

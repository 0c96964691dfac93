"""Writes to the catalogue: stock held under reservations other services make, release and commit.

A reservation is stock held under an id the caller chose (the checkout's order id): made once, then
released (the units go back) or committed (the units are sold), once. Each write is one transaction
around a conditional UPDATE, so concurrent callers never oversell, never drive stock below zero and
never release or commit one reservation twice; each is idempotent on the id, so a caller may repeat any
call. Every committed change raises the product's version and invalidates the API cache. Refusals are
the domain errors of extracted.catalog.catalog.errors, and datasync's NotOwner while the products' writes
are still the monolith's (before `strangler data switch-writes catalog`) or switching: a make or release
moves stock, and the capture trigger would refuse it in the middle of the transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from datasync.guard import ensure_owner
from extracted.catalog.catalog import selectors
from extracted.catalog.catalog.cache import catalog_changed
from extracted.catalog.catalog.errors import (
    OutOfStock,
    ProductNotFound,
    ReservationCommitted,
    ReservationConflict,
    ReservationNotFound,
    ReservationReleased,
)
from extracted.catalog.catalog.models import Product, Reservation

DATASYNC_MODULE, DATASYNC_SIDE = "catalog", "catalog"  # extracted/catalog/sync.py


def reservation_make(*, reservation_id: str, product_id: str, quantity: int) -> tuple[Reservation, bool]:
    """Hold `quantity` units of the product under `reservation_id`, once: (reservation, made now).

    Raises ProductNotFound, OutOfStock, ReservationReleased (the id was released) or ReservationConflict
    (the id holds another product or quantity).
    """
    ensure_owner(module=DATASYNC_MODULE, side=DATASYNC_SIDE)
    if selectors.product_get(product_id=product_id) is None:
        raise ProductNotFound(product_id)
    existing = selectors.reservation_get(reservation_id=reservation_id)
    if existing is None:
        try:
            with transaction.atomic():
                _stock_move(product_id, -quantity)
                made = Reservation.objects.create(id=reservation_id, product_id=product_id, quantity=quantity)
                catalog_changed()
                return made, True
        except IntegrityError:  # a twin request, or a release's tombstone, took the id first: stock rolled back
            existing = Reservation.objects.get(pk=reservation_id)
    if existing.released_at is not None:
        raise ReservationReleased()
    if (existing.product_id, existing.quantity) != (product_id, quantity):
        raise ReservationConflict()
    return existing, False


def reservation_release(*, reservation_id: str) -> bool:
    """Give back what `reservation_id` holds, once; True when stock went back.

    Releasing twice, or an id never made (which leaves a tombstone), gives nothing back; releasing a
    committed reservation raises ReservationCommitted.
    """
    ensure_owner(module=DATASYNC_MODULE, side=DATASYNC_SIDE)
    if _release_held(reservation_id):
        return True
    if _tombstone(reservation_id):
        return False  # never made: nothing to give back, and now a late reservation takes nothing
    existing = selectors.reservation_get(reservation_id=reservation_id)
    if existing is not None and existing.committed:
        raise ReservationCommitted()
    return _release_held(reservation_id)  # made meanwhile by a twin request, or released already


def reservation_commit(*, reservation_id: str) -> Reservation:
    """Sell what `reservation_id` holds, for good; committing twice changes nothing more.

    Raises ReservationNotFound (never made) or ReservationReleased (its units went back).
    """
    now = timezone.now()
    Reservation.objects.filter(pk=reservation_id, released_at__isnull=True, committed_at__isnull=True,
                               product__isnull=False).update(committed_at=now)
    reservation = selectors.reservation_get(reservation_id=reservation_id)
    if reservation is None:
        raise ReservationNotFound(reservation_id)
    if not reservation.committed:
        raise ReservationReleased()
    return reservation


def _stock_move(product_id: str, units: int) -> None:
    """Add `units` (negative: take them) to the product's stock; raises OutOfStock rather than go below 0."""
    moved = Product.objects.filter(pk=product_id, stock__gte=max(0, -units)).update(
        stock=F("stock") + units, version=F("version") + 1, updated_at=timezone.now())
    if not moved:
        raise OutOfStock()


@transaction.atomic
def _release_held(reservation_id: str) -> bool:
    # The conditional UPDATE is the guard: of two releases (or a release and a commit) at once, one wins.
    taken = Reservation.objects.filter(pk=reservation_id, released_at__isnull=True,
                                       committed_at__isnull=True).update(released_at=timezone.now())
    if not taken:
        return False
    reservation = Reservation.objects.get(pk=reservation_id)
    _stock_move(reservation.product_id, reservation.quantity)  # type: ignore[arg-type]  (held: a product)
    catalog_changed()
    return True


def _tombstone(reservation_id: str) -> bool:
    try:
        with transaction.atomic():
            Reservation.objects.create(id=reservation_id, product=None, quantity=0, released_at=timezone.now())
    except IntegrityError:
        return False
    return True

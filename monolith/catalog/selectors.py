"""Reads of the catalogue."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from monolith.catalog.models import Product, Reservation

RESERVATIONS_LIMIT = 500


def product_get(*, product_id: str) -> Product | None:
    return Product.objects.filter(pk=product_id).first()


def product_list(*, words: list[str] | None = None, category: str | None = None,
                 max_price_cents: int | None = None, limit: int = 50) -> QuerySet[Product]:
    """Products matching any of `words` (name, keywords, category), cheapest first."""
    products = Product.objects.all()
    if category:
        products = products.filter(category=category)
    if max_price_cents is not None:
        products = products.filter(price_cents__lte=max_price_cents)
    if words:
        match = Q()
        for word in words:
            match |= Q(name__icontains=word) | Q(keywords__icontains=word) | Q(category__iexact=word)
        products = products.filter(match)
    return products[:limit]


def reservation_get(*, reservation_id: str) -> Reservation | None:
    return Reservation.objects.filter(pk=reservation_id).first()


def reservations_held(*, after: datetime.datetime, before: datetime.datetime) -> QuerySet[Reservation]:
    """Reservations made in that window, still held and not committed, oldest first (RESERVATIONS_LIMIT)."""
    held = Reservation.objects.filter(released_at__isnull=True, committed_at__isnull=True,
                                      created_at__gt=after, created_at__lt=before)
    return held.order_by("created_at")[:RESERVATIONS_LIMIT]

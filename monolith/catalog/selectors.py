"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from monolith.catalog.models import Product


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

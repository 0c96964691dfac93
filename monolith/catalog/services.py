"""Writes to the catalogue: stock moves are single conditional UPDATEs, so concurrent buyers never
oversell and never drive stock below zero."""

from __future__ import annotations

from django.db.models import F

from monolith.catalog.models import Product


class OutOfStock(Exception):
    """The product has fewer units left than were asked for."""


def stock_reserve(*, product_id: str, quantity: int = 1) -> None:
    updated = Product.objects.filter(pk=product_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not updated:
        raise OutOfStock(product_id)


def stock_release(*, product_id: str, quantity: int = 1) -> None:
    Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)

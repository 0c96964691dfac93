"""The catalogue as the rest of the monolith sees it (branch by abstraction).

Callers (the assistant, orders) use only these functions and the `ProductInfo` they return, never the
model. Today they run against the local ORM; when the catalogue is extracted, this module switches to
the catalogue service's API and no caller changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.templatetags.static import static

from monolith.catalog import selectors, services
from monolith.catalog.errors import OutOfStock
from monolith.catalog.models import Product

__all__ = ["OutOfStock", "ProductInfo", "get_product", "release_stock", "reserve_stock", "search_products"]


@dataclass(frozen=True)
class ProductInfo:
    id: str
    name: str
    description: str
    price_cents: int
    currency: str
    image_url: str
    category: str
    stock: int

    @property
    def price_display(self) -> str:
        symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(self.currency, "")
        return f"{symbol}{self.price_cents / 100:,.2f}" if symbol else f"{self.price_cents / 100:,.2f} {self.currency}"


def _info(product: Product) -> ProductInfo:
    return ProductInfo(id=product.id, name=product.name, description=product.description,
                       price_cents=product.price_cents, currency=product.currency,
                       image_url=static(product.image), category=product.category, stock=product.stock)


def get_product(product_id: str) -> ProductInfo | None:
    product = selectors.product_get(product_id=product_id)
    return _info(product) if product else None


def search_products(*, words: list[str], category: str | None = None, max_price_cents: int | None = None,
                    limit: int = 5) -> list[ProductInfo]:
    found = selectors.product_list(words=words, category=category, max_price_cents=max_price_cents, limit=limit)
    return [_info(product) for product in found]


def reserve_stock(product_id: str, quantity: int = 1) -> None:
    """Take `quantity` units; raises OutOfStock when there are not enough."""
    services.stock_reserve(product_id=product_id, quantity=quantity)


def release_stock(product_id: str, quantity: int = 1) -> None:
    services.stock_release(product_id=product_id, quantity=quantity)

"""The catalogue as the rest of the monolith sees it (branch by abstraction, DESIGN §5).

Callers (the assistant, orders, the catalogue's own API) use only these functions and the `ProductInfo`
they return, never the model. Where the catalogue is, is an environment change only:

    CATALOG_SERVICE_URL unset    the local ORM (monolith.catalog.selectors and services)
    CATALOG_SERVICE_URL=http://…  the catalogue service's API (monolith.catalog.remote), with its
                                  timeout (CATALOG_SERVICE_TIMEOUT), the request id, an internal proof
                                  and the signed identity of the user served (monolith.catalog.caller)

Both answer alike: the same products, the same domain errors (OutOfStock, ProductNotFound,
ReservationReleased, ReservationConflict, ReservationNotFound, ReservationCommitted), the same popular
searches; the remote one may also raise CatalogUnavailable (503 to an API client). Stock is held under a
reservation id the caller chooses, then given back or sold under it, so a repeated call (a retry after a
timeout) holds, gives back or sells nothing twice.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from django.conf import settings
from django.templatetags.static import static

from catalog_contract.api import price_display, search_terms
from chassis.identity import sign, sign_internal
from chassis.trending import TermCounter
from monolith.catalog import selectors, services
from monolith.catalog.caller import current_identity
from monolith.catalog.errors import OutOfStock
from monolith.catalog.models import Product
from monolith.catalog.remote import CatalogUnavailable, RemoteCatalog

__all__ = ["CatalogUnavailable", "OutOfStock", "ProductInfo", "commit_stock", "get_product", "popular_searches",
           "release_stock", "reserve_stock", "search_products"]

logger = logging.getLogger(__name__)


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
        return price_display(self.price_cents, self.currency)


# ---------------------------------------------------------------- what callers use
def get_product(product_id: str) -> ProductInfo | None:
    return _catalog().product(product_id)


def search_products(*, words: list[str], category: str | None = None, max_price_cents: int | None = None,
                    limit: int = 5) -> list[ProductInfo]:
    """Products matching any of `words`, cheapest first; the words count towards popular searches."""
    return _catalog().search(words=words, category=category, max_price_cents=max_price_cents, limit=limit)


def popular_searches(*, limit: int = 10) -> list[tuple[str, int]]:
    """The most searched terms of the last window (POPULAR_SEARCH_WINDOW_SECONDS), most searched first."""
    return _catalog().popular(limit=limit)


def reserve_stock(product_id: str, *, reservation_id: str, quantity: int = 1) -> None:
    """Hold `quantity` units under `reservation_id` (once); raises OutOfStock when there are not enough."""
    _catalog().reserve(reservation_id=reservation_id, product_id=product_id, quantity=quantity)


def release_stock(*, reservation_id: str) -> None:
    """Give back what `reservation_id` holds; again, or for an id never reserved, it gives nothing.

    Raises ReservationCommitted when its units were sold.
    """
    _catalog().release(reservation_id=reservation_id)


def commit_stock(*, reservation_id: str) -> None:
    """Sell what `reservation_id` holds, for good; again, it changes nothing more.

    Raises ReservationNotFound (never reserved) or ReservationReleased (its units went back).
    """
    _catalog().commit(reservation_id=reservation_id)


# ---------------------------------------------------------------- the two implementations
class Catalog(Protocol):
    def product(self, product_id: str) -> ProductInfo | None: ...
    def search(self, *, words: list[str], category: str | None, max_price_cents: int | None,
               limit: int) -> list[ProductInfo]: ...
    def popular(self, *, limit: int) -> list[tuple[str, int]]: ...
    def reserve(self, *, reservation_id: str, product_id: str, quantity: int) -> None: ...
    def release(self, *, reservation_id: str) -> None: ...
    def commit(self, *, reservation_id: str) -> None: ...


class LocalCatalog:
    """The monolith's own tables, and popular searches counted in the monolith's Redis."""

    def __init__(self, searches: TermCounter) -> None:
        self.searches = searches

    def product(self, product_id: str) -> ProductInfo | None:
        product = selectors.product_get(product_id=product_id)
        return _local_info(product) if product else None

    def search(self, *, words: list[str], category: str | None, max_price_cents: int | None,
               limit: int) -> list[ProductInfo]:
        self._count(words)
        found = selectors.product_list(words=words, category=category, max_price_cents=max_price_cents, limit=limit)
        return [_local_info(product) for product in found]

    def popular(self, *, limit: int) -> list[tuple[str, int]]:
        return self.searches.top(limit)

    def reserve(self, *, reservation_id: str, product_id: str, quantity: int) -> None:
        services.reservation_make(reservation_id=reservation_id, product_id=product_id, quantity=quantity)

    def release(self, *, reservation_id: str) -> None:
        services.reservation_release(reservation_id=reservation_id)

    def commit(self, *, reservation_id: str) -> None:
        services.reservation_commit(reservation_id=reservation_id)

    def _count(self, words: list[str]) -> None:
        try:
            self.searches.count(search_terms(" ".join(words)))
        except redis.RedisError as error:  # a search is answered even when it cannot be counted
            logger.warning("a search was not counted: Redis is unreachable", extra={"error": str(error)})


class ServiceCatalog:
    """The catalogue service's API; it counts the searches it answers itself."""

    def __init__(self, api: RemoteCatalog) -> None:
        self.api = api

    def product(self, product_id: str) -> ProductInfo | None:
        found = self.api.product(product_id)
        return _remote_info(found) if found is not None else None

    def search(self, *, words: list[str], category: str | None, max_price_cents: int | None,
               limit: int) -> list[ProductInfo]:
        found = self.api.products(words=words, category=category, max_price_cents=max_price_cents, limit=limit)
        return [_remote_info(item) for item in found]

    def popular(self, *, limit: int) -> list[tuple[str, int]]:
        return self.api.popular(limit=limit)

    def reserve(self, *, reservation_id: str, product_id: str, quantity: int) -> None:
        self.api.reserve(reservation_id=reservation_id, product_id=product_id, quantity=quantity)

    def release(self, *, reservation_id: str) -> None:
        self.api.release(reservation_id=reservation_id)

    def commit(self, *, reservation_id: str) -> None:
        self.api.commit(reservation_id=reservation_id)


_threads = threading.local()


def _catalog() -> Catalog:
    """The implementation the settings name now; the remote one's connections are kept per thread."""
    url = settings.CATALOG_SERVICE_URL
    if not url:
        return LocalCatalog(_term_counter(settings.REDIS_URL, settings.CATALOG_REDIS_PREFIX,
                                          settings.POPULAR_SEARCH_WINDOW_SECONDS))
    remote: RemoteCatalog | None = getattr(_threads, "remote", None)
    if remote is None or getattr(_threads, "remote_url", None) != url:
        timeout = settings.CATALOG_SERVICE_TIMEOUT
        remote = RemoteCatalog(url, proof=_internal_proof, identity=_caller_identity,
                               timeout=(min(1.0, timeout), timeout))
        _threads.remote, _threads.remote_url = remote, url
    return ServiceCatalog(remote)


@functools.cache
def _term_counter(redis_url: str, prefix: str, window_seconds: int) -> TermCounter:
    client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return TermCounter(client, key=f"{prefix}:popular", window_seconds=window_seconds)


def _internal_proof() -> str:
    return sign_internal(keys=settings.IDENTITY_SIGNING_KEYS)


def _caller_identity() -> str | None:
    identity = current_identity()
    return sign(identity, keys=settings.IDENTITY_SIGNING_KEYS) if identity.is_authenticated else None


def _local_info(product: Product) -> ProductInfo:
    return ProductInfo(id=product.id, name=product.name, description=product.description,
                       price_cents=product.price_cents, currency=product.currency,
                       image_url=static(product.image), category=product.category, stock=product.stock)


def _remote_info(item: dict[str, Any]) -> ProductInfo:
    try:
        return ProductInfo(id=item["id"], name=item["name"], description=item["description"],
                           price_cents=int(item["priceCents"]), currency=item["currency"],
                           image_url=item["imageUrl"], category=item["category"], stock=int(item["stock"]))
    except (KeyError, TypeError, ValueError) as problem:
        raise CatalogUnavailable(f"a product from the catalogue is malformed: {problem!r}") from None

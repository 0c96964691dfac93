"""The clients for the systems the checkout calls, built from settings, one set per thread.

A worker runs many steps at once on threads; giving each thread its own clients keeps each one's
keep-alive connections to itself (requests' sessions are not meant to be shared across threads).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.cache import caches

from chassis.identity import sign_internal
from extracted.checkout.checkout.catalog_client import CatalogClient, Product
from integrations.card_processor.client import CardProcessorClient

_local = threading.local()


def catalog() -> CatalogClient:
    client = getattr(_local, "catalog", None)
    if client is None:
        timeout = settings.CATALOG_TIMEOUT
        client = _local.catalog = CatalogClient(settings.CATALOG_URL, proof=_internal_proof,
                                                timeout=(min(1.0, timeout), timeout))
    return client


def product_get(product_id: str) -> Product | None:
    """The product as the catalogue described it at most CATALOG_PRODUCT_CACHE_SECONDS ago; None when
    the catalogue has no such product (an answer never kept, so a new product is found at once)."""
    cache = caches["products"]
    product = cache.get(product_id)
    if product is None:
        product = catalog().product_get(product_id)
        if product is not None:
            cache.set(product_id, product)
    return product


def card_processor() -> CardProcessorClient:
    client = getattr(_local, "card_processor", None)
    if client is None:
        timeout = settings.CARD_PROCESSOR_TIMEOUT
        # One quick in-call retry (same idempotency key) absorbs a blip; the saga's backoff does the rest.
        client = _local.card_processor = CardProcessorClient(settings.CARD_PROCESSOR_URL, retries=1,
                                                             timeout=(min(1.0, timeout), timeout))
    return client


def _internal_proof() -> str:
    return sign_internal(keys=settings.IDENTITY_SIGNING_KEYS)

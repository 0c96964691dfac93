"""The clients for the systems the checkout calls, built from settings, one set per thread.

A worker runs many steps at once on threads; giving each thread its own clients keeps each one's
keep-alive connections to itself (requests' sessions are not meant to be shared across threads).
"""

from __future__ import annotations

import threading

from django.conf import settings

from chassis.card_processor import CardProcessorClient
from chassis.identity import sign_internal
from extracted.checkout.checkout.catalog_client import CatalogClient

_local = threading.local()


def catalog() -> CatalogClient:
    client = getattr(_local, "catalog", None)
    if client is None:
        timeout = settings.CATALOG_TIMEOUT
        client = _local.catalog = CatalogClient(settings.CATALOG_URL, proof=_internal_proof,
                                                timeout=(min(1.0, timeout), timeout))
    return client


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

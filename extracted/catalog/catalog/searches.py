"""Popular searches: the terms of every search counted per time window in Redis, shared by every process.

Counting never fails a search: with Redis unreachable the search is answered and the count is lost.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings

from catalog_contract.api import search_terms
from chassis.trending import TermCounter
from extracted.catalog.catalog.cache import redis_client

logger = logging.getLogger(__name__)


def counter() -> TermCounter:
    return TermCounter(redis_client(settings.REDIS_URL), key=f"{settings.CATALOG_REDIS_PREFIX}:popular",
                       window_seconds=settings.POPULAR_SEARCH_WINDOW_SECONDS)


def search_count(*, query: str) -> None:
    """Count the terms of one search."""
    try:
        counter().count(search_terms(query))
    except redis.RedisError as error:
        logger.warning("a search was not counted: Redis is unreachable", extra={"error": str(error)})


def searches_popular(*, limit: int) -> list[tuple[str, int]]:
    """The `limit` most searched terms of the window, most searched first."""
    return counter().top(limit)

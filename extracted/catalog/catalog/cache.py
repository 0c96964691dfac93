"""Answers of the read API kept in Redis, shared by every process, and never served after a write.

Every key carries the catalogue's generation: `<prefix>:answers:<generation>:<name>:<digest of params>`.
A committed write raises the generation (`catalog_changed`, run on commit), so from the moment the
writer's call returns every reader computes a fresh answer, and the old ones expire unread after
CATALOG_CACHE_SECONDS. A reader that computed its answer before the write and stores it after the raise
stores it under the old generation, where nobody looks any more: the order of events cannot make an
answer stale. The generation starts from the clock in nanoseconds, so one lost to eviction restarts
above every value used before. Anything else that writes the tables (the sync from the monolith, the
backfill) calls `catalog_changed()` once its transaction has committed.

Redis trouble never fails a read (the answer is computed, as without a cache); a raise that fails is
logged, and answers kept until then live at most CATALOG_CACHE_SECONDS.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import redis
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


class AnswerCache:
    """Answers under `prefix`, kept `seconds` (0: nothing is kept)."""

    def __init__(self, client: redis.Redis, *, prefix: str, seconds: int) -> None:
        self.client = client
        self.prefix = prefix
        self.seconds = seconds
        self.generation_key = f"{prefix}:generation"

    def answer(self, name: str, params: Mapping[str, Any], compute: Callable[[], Any]) -> Any:
        """The kept answer for `name` with `params`, or `compute()`'s, kept for the next reader."""
        if not self.seconds:
            return compute()
        try:
            key = self._key(name, params)
            kept = self.client.get(key)
        except redis.RedisError as error:
            logger.warning("API cache unreachable; answering without it", extra={"error": str(error)})
            return compute()
        if kept is not None:
            return orjson.loads(kept)
        fresh = compute()
        try:
            self.client.set(key, orjson.dumps(fresh), ex=self.seconds)
        except redis.RedisError as error:
            logger.warning("API cache unreachable; answer not kept", extra={"error": str(error)})
        return fresh

    def changed(self) -> None:
        """Make every kept answer unreachable."""
        try:
            if not self.client.exists(self.generation_key):
                self.client.set(self.generation_key, time.time_ns(), nx=True)
            self.client.incr(self.generation_key)
        except redis.RedisError as error:
            logger.error("the API cache could not be invalidated; kept answers expire on their own",
                         extra={"error": str(error), "expire_seconds": self.seconds})

    def _generation(self) -> int:
        current = self.client.get(self.generation_key)
        if current is None:
            self.client.set(self.generation_key, time.time_ns(), nx=True)
            current = self.client.get(self.generation_key)
        return int(current or 0)

    def _key(self, name: str, params: Mapping[str, Any]) -> str:
        digest = hashlib.sha256(orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
        return f"{self.prefix}:answers:{self._generation()}:{name}:{digest}"


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """One client (one connection pool) per Redis URL per process; redis-py's clients are thread-safe."""
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def answers() -> AnswerCache:
    return AnswerCache(redis_client(settings.REDIS_URL), prefix=settings.CATALOG_REDIS_PREFIX,
                       seconds=settings.CATALOG_CACHE_SECONDS)


def catalog_changed() -> None:
    """Once the current transaction commits (at once outside one), no kept answer is served any more."""
    transaction.on_commit(lambda: answers().changed())

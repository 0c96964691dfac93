"""Who a session id or API token belongs to: Redis first, the monolith on a miss.

Each answer, signed-in or anonymous, is cached for IDENTITY_CACHE_SECONDS under
`chassis.identity.identity_cache_key(kind, credential)`. The monolith overwrites that entry with an
anonymous one when the credential dies (log-out, token deleted), so the next request is anonymous at
once; the edge writes with NX so a lookup that raced the log-out cannot put the user back. When Redis
is unreachable the monolith is asked directly: slower, never wrong.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from chassis.identity import ANONYMOUS, Identity, identity_cache_key
from strangler_proxy.identity.monolith import Lookup, LookupFailed, identity_document, identity_from_document
from strangler_proxy.redis_link import Commands

__all__ = ["IdentityResolver", "LookupFailed"]

logger = logging.getLogger(__name__)
FAILED_LOOKUP_SECONDS = 5


class IdentityResolver:
    """`await resolver.cached(kind, credential)`, else `await resolver.look_up(kind, credential)`.

    Two calls, so the caller can decide between them whether a look-up may be made (the identity stage
    has the caller's address pay for it first).
    """

    def __init__(self, *, redis: Commands, lookup: Lookup, cache_seconds: int) -> None:
        self.redis = redis
        self.lookup = lookup
        self.cache_seconds = cache_seconds

    async def cached(self, kind: str, credential: str) -> Identity | None:
        """The cached answer; None when there is none, or Redis cannot say."""
        key = identity_cache_key(kind, credential)
        try:
            document = await self.redis.get(key)
        except RedisError as exc:
            logger.warning("identity cache unavailable; asking the monolith", extra={"error": str(exc)})
            return None
        if document is None:
            return None
        try:
            return identity_from_document(document)
        except LookupFailed:
            return None  # unreadable (an older format?): ask again and overwrite on expiry

    async def look_up(self, kind: str, credential: str) -> Identity:
        """Ask the monolith, and cache its answer; raises LookupFailed when it cannot say. A failed look-up
        is remembered as anonymous for FAILED_LOOKUP_SECONDS, so a monolith that cannot answer (down, or
        without the identity endpoint) is asked once per credential per interval, not on every request."""
        key = identity_cache_key(kind, credential)
        try:
            identity = await self.lookup(kind, credential)
        except LookupFailed:
            await self._store(key, ANONYMOUS, seconds=FAILED_LOOKUP_SECONDS)
            raise
        await self._store(key, identity, seconds=self.cache_seconds)
        return identity

    async def _store(self, key: str, identity: Identity, *, seconds: int) -> None:
        try:
            await self.redis.set(key, identity_document(identity), ex=seconds, nx=True)
        except RedisError as exc:
            logger.warning("identity cache unavailable; answer not cached", extra={"error": str(exc)})

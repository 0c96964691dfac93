"""API keys: each names a usage plan; Redis maps the key's SHA-256 to the plan's name.

    strangler:apikey:<sha256 hex of the key>  →  plan name (e.g. "basic")

Only the digest is stored, so the key itself is shown once, when it is made (`python -m
strangler_proxy.limits.keys add --plan basic`). The proxy remembers each answer for
API_KEY_CACHE_SECONDS, so a revoked key stops working within that time without a Redis round trip on
every request.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from strangler_proxy.redis_link import Commands, as_text

__all__ = ["ApiKeyPlans", "ApiKeyRecord", "api_key_add", "api_key_digest", "api_key_list", "api_key_revoke",
           "apikey_redis_key"]

KEY_PREFIX = "strangler:apikey:"
_MAX_REMEMBERED = 10_000


def api_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def apikey_redis_key(digest: str) -> str:
    return KEY_PREFIX + digest


@dataclass(frozen=True)
class ApiKeyRecord:
    digest: str
    plan: str


# ---------------------------------------------------------------- the proxy's side (async, cached)
class ApiKeyPlans:
    """`await plans(key)` → the key's plan name, or None for an unknown key. Raises RedisError."""

    def __init__(self, redis: Commands, *, remember_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.redis = redis
        self.remember_seconds = remember_seconds
        self.clock = clock
        self._remembered: dict[str, tuple[str | None, float]] = {}

    async def __call__(self, key: str) -> str | None:
        now = self.clock()
        remembered = self._remembered.get(key)
        if remembered is not None and now < remembered[1]:
            return remembered[0]
        raw = await self.redis.get(apikey_redis_key(api_key_digest(key)))
        plan = raw.decode() if isinstance(raw, bytes) else raw
        self._remember(key, plan, now)
        return plan

    def _remember(self, key: str, plan: str | None, now: float) -> None:
        if len(self._remembered) >= _MAX_REMEMBERED:
            self._remembered.clear()  # a crude bound: key sprayers only cost a few extra lookups
        self._remembered[key] = (plan, now + self.remember_seconds)


# ---------------------------------------------------------------- the operator's side (sync, the CLI)
def api_key_add(client: redis.Redis, *, plan: str) -> str:
    """Make and store a new key for `plan`; returns the key, which is not stored anywhere."""
    key = "sk_" + secrets.token_urlsafe(32)
    client.set(apikey_redis_key(api_key_digest(key)), plan)
    return key


def api_key_revoke(client: redis.Redis, *, key: str | None = None, digest: str | None = None) -> bool:
    """Delete a key given itself or its digest (as `api_key_list` shows); whether it existed."""
    if digest is None:
        if key is None:
            raise ValueError("give the key or its digest")
        digest = api_key_digest(key)
    return bool(client.delete(apikey_redis_key(digest)))


def api_key_list(client: redis.Redis) -> list[ApiKeyRecord]:
    """Every stored key's digest and plan, sorted by plan then digest."""
    names = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=500))
    plans = client.mget(names) if names else []
    records = [ApiKeyRecord(as_text(name)[len(KEY_PREFIX):], as_text(plan)) for name, plan in zip(names, plans, strict=True)
               if plan is not None]
    return sorted(records, key=lambda record: (record.plan, record.digest))

"""Exchanges as the pipeline hands them to the identity stage, and the stage built as start-up builds it
(with the limits stage that limits its look-ups)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import redis

from chassis.identity import identity_cache_key
from strangler_proxy.exchange import Exchange, Headers
from strangler_proxy.identity.config import IdentityConfig
from strangler_proxy.identity.stage import IdentityStage, build_stage, monolith_lookup
from strangler_proxy.limits.buckets import LeasedBuckets, SharedBuckets
from strangler_proxy.limits.stage import LimitsStage
from strangler_proxy.redis_link import Commands, RedisLink
from strangler_proxy.table import Route, RouteTable
from tests.strangler_proxy.limits.support import route_table

SIGNING_KEY = "proxy-test-signing-key-" + "s" * 32
PUBLIC = Route(id="products", prefix="/v1/products", upstream="monolith")
PRIVATE = Route(id="orders", prefix="/v1/orders", upstream="monolith", login_required=True)
# Nothing listens here: a lookup sent to it fails at once.
NOWHERE = "http://127.0.0.1:1"
# No plan for anonymous callers: look-ups are not limited (tests of the limit give a table with one).
UNLIMITED = route_table(default_anonymous_plan=None)


def new_exchange(headers: Headers | None = None, *, path: str = "/v1/products", route: Route | None = PUBLIC,
                 client: str = "203.0.113.7") -> Exchange:
    return Exchange(scope={}, request_id="test", method="GET", path=path, query_string=b"",
                    headers=list(headers or []), client_host=client, route=route)


@contextlib.asynccontextmanager
async def identity_stage(monolith_url: str = NOWHERE, *, redis_url: str | None = None,
                         table: RouteTable = UNLIMITED, **options: Any) -> AsyncIterator[IdentityStage]:
    """The stage as `startup()` builds it, on the test Redis (or `redis_url`), asking `monolith_url`;
    its look-ups limited by the anonymous plans of `table`."""
    client = RedisLink(redis_url or os.environ["REDIS_URL"], timeout=0.5)
    config = IdentityConfig(signing_keys=(SIGNING_KEY,), monolith_url=monolith_url, lookup_timeout=5.0, **options)
    lookup = monolith_lookup(config)
    try:
        yield build_stage(config, client, limits_stage(client, table), lookup)
    finally:
        await client.aclose()
        await lookup.close()


def limits_stage(client: Commands, table: RouteTable = UNLIMITED) -> LimitsStage:
    """The limits stage as `limits.startup()` builds it, on `client`, with `table`."""
    buckets = LeasedBuckets(SharedBuckets(client), lease_max=10, lease_seconds=1.0)
    return LimitsStage(buckets=buckets, table=lambda: table)


def cache_identity(redis_client: redis.Redis, kind: str, credential: str, document: dict[str, Any]) -> str:
    """Put an answer in the edge's cache as if the monolith had given it; returns the cache key."""
    key = identity_cache_key(kind, credential)
    redis_client.set(key, json.dumps(document), ex=30)
    return key

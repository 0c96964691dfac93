"""Exchanges as the pipeline hands them to the limits stage, and route tables with plans."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from chassis.identity import ANONYMOUS, Identity
from strangler_proxy.exchange import Exchange
from strangler_proxy.limits.buckets import LeasedBuckets, SharedBuckets
from strangler_proxy.limits.stage import LimitsStage
from strangler_proxy.redis_link import RedisLink
from strangler_proxy.table import Plan, Route, RouteTable, Upstream

# Refill so slow that no token comes back during a test: what a burst allows is exactly what passes.
SLOW = 0.001
PLANS = {
    "anonymous": Plan("anonymous", rate=SLOW, burst=20),
    "strict": Plan("strict", rate=0.5, burst=3),
    "basic": Plan("basic", rate=5, burst=10),
    "premium": Plan("premium", rate=100, burst=200),
}
PUBLIC = Route(id="products", prefix="/v1/products", upstream="monolith")
STRICT = Route(id="signup", prefix="/v1/auth/", upstream="monolith", anonymous_plan="strict")


def route_table(default_anonymous_plan: str | None = "anonymous", plans: dict[str, Plan] = PLANS) -> RouteTable:
    return RouteTable(routes=(STRICT, PUBLIC),
                      upstreams={"monolith": Upstream("monolith", "http://127.0.0.1:1", "MONOLITH_URL")},
                      plans=plans, default_anonymous_plan=default_anonymous_plan)


def new_exchange(*, route: Route | None = PUBLIC, client: str = "203.0.113.7", api_key: str | None = None,
                 identity: Identity = ANONYMOUS) -> Exchange:
    return Exchange(scope={}, request_id="test", method="GET", path="/v1/products", query_string=b"", headers=[],
                    client_host=client, route=route, api_key=api_key, identity=identity)


@contextlib.asynccontextmanager
async def limits_stage(table: RouteTable | None = None, *, lease_max: int = 10, lease_seconds: float = 1.0,
                       redis_url: str | None = None) -> AsyncIterator[LimitsStage]:
    """The stage as `startup()` builds it, with its own Redis connection (one per "process")."""
    client = RedisLink(redis_url or os.environ["REDIS_URL"], timeout=0.5)
    buckets = LeasedBuckets(SharedBuckets(client), lease_max=lease_max, lease_seconds=lease_seconds)
    current = table or route_table()
    try:
        yield LimitsStage(buckets=buckets, table=lambda: current)
    finally:
        await client.aclose()

"""The limits stage: one token bucket per API key, or per anonymous client address and plan.

Which bucket a request spends from:

    API key (X-Api-Key)     the key's plan, one bucket per key:    strangler:bucket:key:<sha256 of key>
    signed-in, no API key   the table's default_user_plan, one bucket per user: strangler:bucket:user:<plan>:<id>
                            (no such plan: not limited here, the caller is accountable)
    anonymous               the route's anonymous_plan, else the table's default_anonymous_plan,
                            per client:                      strangler:bucket:client:<plan>:<address>
                            (IPv6 clients by /64, since one host holds a whole /64; behind
                            TRUSTED_PROXIES, the client address the trusted X-Forwarded-For chain gives)

A plan of None means no limit. Over the limit: 429 with Retry-After in whole seconds.

A credential the identity stage has not cached costs the monolith a look-up, and made-up credentials
are never cached; so before looking one up, the identity stage spends what an anonymous request from
the caller's address would spend (`spend_for_lookup`): a flood of them is refused here, before the
monolith sees it. When the caller turns out anonymous, that token is handed on to its request
(`carry_over_lookup`), which so pays once.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache

from strangler_proxy.exchange import Exchange, Rejection
from strangler_proxy.limits.apikeys import api_key_digest
from strangler_proxy.limits.buckets import LeasedBuckets, SharedBuckets
from strangler_proxy.limits.config import LimitsConfig, load_limits_config
from strangler_proxy.redis_link import HasRedisUrl, RedisLink
from strangler_proxy.table import Plan, RouteTable

__all__ = ["LimitsStage", "startup"]

KEY_BUCKET = "strangler:bucket:key:"
CLIENT_BUCKET = "strangler:bucket:client:"
USER_BUCKET = "strangler:bucket:user:"
_MAX_CLIENT_BUCKETS = 10_000


class LimitsStage:
    """`await stage(exchange)`: spends a token for the request or raises Rejection(429).

    `stage.step(exchange)` does the same as a pipeline stage: it returns None when it is done without
    I/O (no limit, or a token left in this process's lease), else the awaitable that finishes the work.
    """

    def __init__(self, *, buckets: LeasedBuckets, table: Callable[[], RouteTable],
                 owned: Sequence[Callable[[], Awaitable[None]]] = ()) -> None:
        self.owned = tuple(owned)
        self.buckets = buckets
        self.table = table
        # Bucket keys of anonymous clients by (plan, address), so a request does not build its key anew.
        self._client_buckets: dict[tuple[str, str], str] = {}

    async def __call__(self, exchange: Exchange) -> None:
        waiting = self.step(exchange)
        if waiting is not None:
            await waiting

    async def aclose(self) -> None:
        """Close the connections the stage was given to own (its Redis link)."""
        for close in self.owned:
            await close()

    def step(self, exchange: Exchange) -> Awaitable[None] | None:
        found = self._plan_and_bucket(exchange)
        if found is None:
            return None
        plan, bucket = found
        if self.buckets.take_leased(bucket):
            return None
        return self._acquire(plan, bucket)

    async def _acquire(self, plan: Plan, bucket: str) -> None:
        retry_after = await self.buckets.acquire(bucket, plan)
        if retry_after is not None:
            raise too_many_requests(plan, retry_after)

    def spend_for_lookup(self, exchange: Exchange) -> Awaitable[None] | None:
        """Before the caller's credential is looked up: spend what an anonymous request from its address
        would spend on this route (raises Rejection(429) when there is nothing to spend). Returns None
        when done, else the awaitable that finishes the work, like `step`."""
        found = self._anonymous_plan_and_bucket(self.table(), exchange)
        if found is None or self.buckets.take_leased(found[1]):
            return None
        return self._acquire(*found)

    def carry_over_lookup(self, exchange: Exchange) -> None:
        """After a look-up `spend_for_lookup` paid for, once the identity stage has set the caller: an
        anonymous caller's request spends from that same bucket next, so the token goes back for it to
        spend. A signed-in caller's (not limited here) or an API key's (limited by the key) stays spent."""
        if exchange.api_key is None and not exchange.identity.is_authenticated:
            found = self._anonymous_plan_and_bucket(self.table(), exchange)
            if found is not None:
                self.buckets.give_back(found[1])

    def _plan_and_bucket(self, exchange: Exchange) -> tuple[Plan, str] | None:
        table = self.table()
        if exchange.api_key is not None:
            return _key_plan(table, exchange.identity.api_plan), KEY_BUCKET + api_key_digest(exchange.api_key)
        if exchange.identity.is_authenticated:
            return self._user_plan_and_bucket(table, exchange)
        return self._anonymous_plan_and_bucket(table, exchange)

    def _user_plan_and_bucket(self, table: RouteTable, exchange: Exchange) -> tuple[Plan, str] | None:
        """A signed-in caller spends from a bucket of its own under the table's default_user_plan (per user,
        not per address: one office behind one address is many users, one user on two networks is one).
        Without that plan, signed-in callers are not limited here: they are accountable."""
        name = table.default_user_plan
        plan = table.plans.get(name) if name else None
        if plan is None:
            return None
        return plan, f"{USER_BUCKET}{plan.name}:{exchange.identity.user_id}"

    def _anonymous_plan_and_bucket(self, table: RouteTable, exchange: Exchange) -> tuple[Plan, str] | None:
        """The route's plan for an anonymous caller, and the caller's address's bucket for it."""
        name = (exchange.route.anonymous_plan if exchange.route else None) or table.default_anonymous_plan
        plan = table.plans.get(name) if name else None
        if plan is None:
            return None
        return plan, self._client_bucket(plan.name, exchange.client_address or exchange.client_host)

    def _client_bucket(self, plan: str, host: str) -> str:
        bucket = self._client_buckets.get((plan, host))
        if bucket is None:
            if len(self._client_buckets) >= _MAX_CLIENT_BUCKETS:
                self._client_buckets.clear()  # a crude bound: past it, keys are built again
            bucket = self._client_buckets[(plan, host)] = f"{CLIENT_BUCKET}{plan}:{client_id(host)}"
        return bucket


def _key_plan(table: RouteTable, name: str | None) -> Plan:
    plan = table.plans.get(name) if name else None
    if plan is None:
        raise Rejection(403, f"This API key's plan ({name}) is not offered; ask for a new key.")
    return plan


def too_many_requests(plan: Plan, retry_after: float) -> Rejection:
    seconds = max(1, math.ceil(retry_after))
    return Rejection(429, f"Too many requests: the limit is {plan.rate:g} per second with bursts of "
                          f"{plan.burst}. Retry in {seconds} s.",
                     headers=[(b"retry-after", str(seconds).encode())])


def client_id(host: str) -> str:
    """The address a bucket counts: IPv4 as is, IPv6 by its /64, an IPv4-mapped IPv6 as its IPv4."""
    return host if ":" not in host else _ipv6_client_id(host)


@lru_cache(maxsize=4096)
def _ipv6_client_id(host: str) -> str:
    try:
        address = ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return host
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return f"{ipaddress.IPv6Network((address, 64), strict=False).network_address}/64"


# ---------------------------------------------------------------- start-up (one per process)
async def startup(settings: HasRedisUrl, *, table: RouteTable | Callable[[], RouteTable],
                  config: LimitsConfig | None = None) -> LimitsStage:
    """The stage, ready; call once per process, inside the event loop (ASGI lifespan start-up).
    `table` is the route table, or a function returning the current one if the table can be swapped
    while running. Redis at `settings.redis_url` is connected on first use. The identity stage is given
    the stage to limit its look-ups (`spend_for_lookup`); `await stage.aclose()` closes its Redis link."""
    config = config or load_limits_config()
    current = (lambda: table) if isinstance(table, RouteTable) else table
    client = RedisLink(settings.redis_url, timeout=config.redis_timeout, name="strangler-proxy-limits")
    buckets = LeasedBuckets(SharedBuckets(client), lease_max=config.lease_max, lease_seconds=config.lease_seconds)
    return LimitsStage(buckets=buckets, table=current, owned=(client.aclose,))

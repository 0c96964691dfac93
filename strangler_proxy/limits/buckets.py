"""Token buckets in Redis, shared by every proxy process, spent from small local leases.

The bucket (one Redis hash per key) is the truth: an atomic script refills it at the plan's `rate` up to
`burst`, by Redis's clock, and takes up to the tokens asked for. Asking Redis on every request would
cost each request a round trip (30-70 µs of latency, 20-40 µs of CPU), so a process takes a lease of
up to `lease_size(plan)` tokens per round trip and spends them locally:

  * Nothing is admitted without a token taken from the shared bucket, so leases never add tokens. What
    they change is *when* a token is spent: a leased token may be spent up to `lease_seconds` after it
    was taken, after which it is dropped. In any window, then, at most `P × (L - 1)` more requests are
    admitted than the bucket alone would admit, for P processes and lease size L (≤ LIMITS_LEASE_MAX,
    default 10). With L = 1 leasing is off and the bucket is exact.
  * A refused request marks the bucket locally until Redis said a token will be back, so a client
    hammering past its limit costs no round trips while it waits.
  * Concurrent requests for one bucket share one round trip; the lease asks for enough for all of them.
  * A token spent by one step of a request can be given back for its next step to spend (limits/stage.py:
    a credential's look-up and then the request itself), so the request pays once.
  * Redis unreachable: requests are admitted (limits fail open) and the failure is logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.exceptions import NoScriptError, RedisError

from strangler_proxy.redis_link import Commands
from strangler_proxy.table import Plan

__all__ = ["Grant", "LeasedBuckets", "SharedBuckets", "lease_size"]

logger = logging.getLogger(__name__)

# KEYS[1]: the bucket. ARGV: rate (tokens/s), burst, tokens wanted. Returns {granted, seconds until one
# more token} (the second as a string: Redis would truncate a Lua float).
TAKE_SCRIPT = """
local rate, burst, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
return {granted, string.format('%.6f', wait)}
"""


@dataclass(frozen=True)
class Grant:
    """Tokens taken from a shared bucket, and (when the bucket is now empty) seconds until the next."""

    tokens: int
    retry_after: float


class SharedBuckets:
    """The buckets in Redis. `await take(key, plan, wanted)` is one atomic round trip."""

    def __init__(self, redis: Commands) -> None:
        self.redis = redis
        self._sha = hashlib.sha1(TAKE_SCRIPT.encode()).hexdigest()

    async def take(self, key: str, plan: Plan, wanted: int) -> Grant:
        try:
            reply = await self.redis.execute_command("EVALSHA", self._sha, 1, key, plan.rate, plan.burst, wanted)
        except NoScriptError:  # a fresh or flushed Redis: EVAL caches the script for next time
            reply = await self.redis.execute_command("EVAL", TAKE_SCRIPT, 1, key, plan.rate, plan.burst, wanted)
        granted, wait = reply
        return Grant(int(granted), float(wait))


def lease_size(plan: Plan, *, lease_max: int, lease_seconds: float) -> int:
    """Tokens a process takes per round trip: at most a quarter of the burst, and no more than the
    plan refills while a lease lives (so a slow client's dropped leftovers cannot starve it)."""
    return max(1, min(lease_max, plan.burst // 4, math.floor(plan.rate * lease_seconds)))


@dataclass
class _Lease:
    tokens: int = 0
    expires: float = 0.0
    blocked_until: float = 0.0
    refilling: bool = False
    # Requests waiting for the refill in flight, each on a future of its own: one cancelled (its client
    # gone) cancels nothing shared, and waking it costs one turn of the event loop.
    waiters: deque[asyncio.Future[bool]] = field(default_factory=deque)


def _live(lease: _Lease, now: float) -> bool:
    return lease.refilling or (lease.tokens > 0 and now < lease.expires) or now < lease.blocked_until


class LeasedBuckets:
    """`await acquire(key, plan)` → None when admitted, else seconds until a token is expected."""

    def __init__(self, shared: SharedBuckets, *, lease_max: int, lease_seconds: float,
                 max_local: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.shared = shared
        self.lease_max = lease_max
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._leases: dict[str, _Lease] = {}
        self._prune_at = max_local
        self._max_local = max_local
        self._last_failure_log = -math.inf

    def take_leased(self, key: str) -> bool:
        """Spend a token already leased for `key`, if there is one: the common case, with no waiting."""
        lease = self._leases.get(key)
        if lease is not None and lease.tokens > 0 and self.clock() < lease.expires:
            lease.tokens -= 1
            return True
        return False

    def give_back(self, key: str) -> None:
        """Return one token spent from `key` to this process's lease, for the next request to spend.

        Only for a token just spent here (by `take_leased` or `acquire`): it goes back into the lease it
        came from, or is dropped with it once the lease has expired. When Redis was unreachable the
        token spent was none; giving it back then admits one more request while every request is
        admitted anyway.
        """
        lease = self._leases.get(key)
        if lease is not None and self.clock() < lease.expires:
            lease.tokens += 1

    async def acquire(self, key: str, plan: Plan) -> float | None:
        lease = self._leases.get(key) or self._new_lease(key)
        while True:
            now = self.clock()
            if lease.tokens > 0 and now < lease.expires:
                lease.tokens -= 1
                return None
            if now < lease.blocked_until:
                return lease.blocked_until - now
            if not lease.refilling:
                return await self._refill(key, plan, lease)
            if await self._wait_for_refill(lease):
                return None

    async def _wait_for_refill(self, lease: _Lease) -> bool:
        """Wait for the refill in flight; True when it handed this request a token."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        lease.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter in lease.waiters:
                lease.waiters.remove(waiter)
            raise

    async def _refill(self, key: str, plan: Plan, lease: _Lease) -> float | None:
        """Take a lease for this request and for those already waiting on this bucket."""
        lease.refilling = True
        grant = None
        try:
            lease_tokens = lease_size(plan, lease_max=self.lease_max, lease_seconds=self.lease_seconds)
            grant = await self.shared.take(key, plan, lease_tokens + len(lease.waiters))
        except RedisError as exc:
            self._log_failure(exc)
        finally:
            lease.refilling = False
            retry_after = None if grant is None else self._keep(lease, grant)
            self._hand_out(lease, granted=grant is not None and grant.tokens > 0)
        return retry_after

    def _hand_out(self, lease: _Lease, *, granted: bool) -> None:
        """After a refill: leased tokens go to the waiting requests, first come first served.

        Waiters left over after a grant stay queued for the next lease, and one of them is woken to take
        it: waking them all would send most straight back to waiting, a turn of the event loop each.
        After a refusal or a failure every waiter is woken, to be told (or to try Redis itself).
        """
        waiters, now = lease.waiters, self.clock()
        while waiters and lease.tokens > 0 and now < lease.expires:
            waiter = waiters.popleft()
            if not waiter.done():
                lease.tokens -= 1
                waiter.set_result(True)
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(False)
                if granted:
                    return

    def _keep(self, lease: _Lease, grant: Grant) -> float | None:
        """Spend one token of `grant` on the caller, lease the rest; or note when to try again."""
        now = self.clock()
        if grant.tokens == 0:
            lease.blocked_until = now + grant.retry_after
            return grant.retry_after
        lease.tokens, lease.expires = grant.tokens - 1, now + self.lease_seconds
        return None

    def _new_lease(self, key: str) -> _Lease:
        if len(self._leases) >= self._prune_at:
            self._prune(self.clock())
        lease = self._leases[key] = _Lease()
        return lease

    def _prune(self, now: float) -> None:
        """Forget buckets with nothing leased, no refusal pending and no refill in flight."""
        self._leases = {key: lease for key, lease in self._leases.items() if _live(lease, now)}
        # If most are live, wait for twice as many before sweeping again: pruning stays amortised O(1).
        self._prune_at = max(self._max_local, 2 * len(self._leases))

    def _log_failure(self, exc: RedisError) -> None:
        now = self.clock()
        if now - self._last_failure_log >= 10:
            self._last_failure_log = now
            logger.error("rate-limit store unavailable; admitting requests unlimited", extra={"error": str(exc)})

"""The shared token bucket and the per-process leases, against the real Redis."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from strangler_proxy.limits.buckets import Grant, LeasedBuckets, SharedBuckets, lease_size
from strangler_proxy.redis_link import RedisLink
from strangler_proxy.table import Plan

BUCKET = "strangler:bucket:client:test:198.51.100.1"
# A token comes back every 10 s: nothing refills during a test. Leases of 10 (burst / 4, rate × 100 s).
LEASABLE = Plan("leasable", rate=0.1, burst=40)


class CountingBuckets(SharedBuckets):
    """The real shared buckets, counting round trips to Redis."""

    def __init__(self, redis: RedisLink) -> None:
        super().__init__(redis)
        self.round_trips = 0

    async def take(self, key: str, plan: Plan, wanted: int) -> Grant:
        self.round_trips += 1
        return await super().take(key, plan, wanted)


class Process:
    """One proxy process's view: its own Redis connection and its own leases."""

    def __init__(self, *, lease_max: int = 10, lease_seconds: float = 100.0, clock=None,
                 redis_url: str | None = None) -> None:
        self.redis = RedisLink(redis_url or os.environ["REDIS_URL"], timeout=0.5)
        self.shared = CountingBuckets(self.redis)
        options = {"clock": clock} if clock else {}
        self.buckets = LeasedBuckets(self.shared, lease_max=lease_max, lease_seconds=lease_seconds, **options)

    async def admitted(self, count: int, plan: Plan = LEASABLE, key: str = BUCKET) -> int:
        results = [await self.buckets.acquire(key, plan) for _ in range(count)]
        return sum(result is None for result in results)

    async def close(self) -> None:
        await self.redis.aclose()


def test_the_shared_bucket_grants_at_most_what_it_holds_and_says_when_to_retry():
    async def scenario() -> list[Grant]:
        process = Process()
        plan = Plan("strict", rate=0.5, burst=3)
        grants = [await process.shared.take(BUCKET, plan, 2) for _ in range(3)]
        await process.close()
        return grants

    first, second, third = asyncio.run(scenario())
    assert (first.tokens, second.tokens, third.tokens) == (2, 1, 0)
    assert 1.9 < third.retry_after <= 2.0


def test_an_idle_bucket_expires_from_redis_once_it_would_be_full_again(redis_client):
    async def scenario() -> None:
        process = Process()
        await process.shared.take(BUCKET, Plan("fast", rate=100, burst=10), 10)
        await process.close()

    asyncio.run(scenario())
    assert 0 < redis_client.pttl(BUCKET) <= 10 / 100 * 1000 + 1000


def test_a_lease_spends_locally_one_round_trip_per_lease():
    """40 tokens in the bucket, leases of 10: 41 requests cost 4 round trips, and a fifth to refuse."""
    async def scenario() -> tuple[int, int]:
        process = Process()
        admitted = await process.admitted(41)
        await process.close()
        return admitted, process.shared.round_trips

    assert asyncio.run(scenario()) == (40, 5)


def test_two_processes_share_one_bucket_through_separate_connections():
    """Requests alternate between two processes until both refuse: together they admit the burst."""
    async def scenario() -> tuple[int, int]:
        first, second = Process(), Process()
        admitted = [0, 0]
        for turn in range(100):
            admitted[turn % 2] += await (first, second)[turn % 2].admitted(1)
        await first.close()
        await second.close()
        return admitted[0], admitted[1]

    first, second = asyncio.run(scenario())
    assert first + second == LEASABLE.burst
    assert first >= 10 and second >= 10


def test_a_refusal_is_remembered_locally_until_the_retry_time():
    """The bucket is emptied; Redis is then reset to full, but this process waits out the retry time."""
    now = [0.0]

    async def scenario() -> list[bool]:
        process = Process(clock=lambda: now[0])
        plan = Plan("strict", rate=0.5, burst=2)
        seen = [await process.buckets.acquire(BUCKET, plan) is None for _ in range(3)]
        await process.redis.execute_command("DEL", BUCKET)
        seen.append(await process.buckets.acquire(BUCKET, plan) is None)  # still inside the 2 s
        trips_while_refused = process.shared.round_trips
        now[0] += 2.01
        seen.append(await process.buckets.acquire(BUCKET, plan) is None)
        await process.close()
        assert trips_while_refused == 3
        return seen

    assert asyncio.run(scenario()) == [True, True, False, False, True]


def test_leased_tokens_not_spent_in_time_are_dropped():
    """A process leases 10, spends 1, then stays idle past the lease: the other 9 are gone."""
    now = [0.0]

    async def scenario() -> int:
        process = Process(lease_seconds=1.0, clock=lambda: now[0])
        plan = Plan("leasable", rate=10, burst=40)
        await process.admitted(1, plan)
        now[0] += 1.5
        await process.admitted(1, plan)
        await process.close()
        return process.shared.round_trips

    assert asyncio.run(scenario()) == 2


def test_a_token_given_back_is_spent_by_the_next_request_without_a_round_trip():
    """Exact limits (leases of 1), a burst of 2: the first token is spent, given back and spent again."""
    async def scenario() -> tuple[list[bool], int]:
        process = Process(lease_max=1)
        plan = Plan("strict", rate=0.001, burst=2)
        seen = [await process.buckets.acquire(BUCKET, plan) is None]
        process.buckets.give_back(BUCKET)
        seen += [await process.buckets.acquire(BUCKET, plan) is None for _ in range(3)]
        await process.close()
        return seen, process.shared.round_trips

    seen, round_trips = asyncio.run(scenario())
    assert seen == [True, True, True, False]
    assert round_trips == 3


def test_a_token_given_back_after_its_lease_expired_is_dropped():
    now = [0.0]

    async def scenario() -> list[bool]:
        process = Process(lease_max=1, lease_seconds=1.0, clock=lambda: now[0])
        plan = Plan("strict", rate=0.001, burst=1)
        seen = [await process.buckets.acquire(BUCKET, plan) is None]
        now[0] += 1.5
        process.buckets.give_back(BUCKET)
        seen.append(process.buckets.take_leased(BUCKET))
        await process.close()
        return seen

    assert asyncio.run(scenario()) == [True, False]


def test_concurrent_requests_share_round_trips_and_never_exceed_the_bucket():
    async def scenario() -> tuple[int, int]:
        process = Process()
        plan = Plan("small", rate=0.1, burst=20)  # leases of 5
        results = await asyncio.gather(*(process.buckets.acquire(BUCKET, plan) for _ in range(60)))
        await process.close()
        return sum(result is None for result in results), process.shared.round_trips

    admitted, round_trips = asyncio.run(scenario())
    assert admitted == 20
    assert round_trips <= 4


def test_when_redis_is_unreachable_requests_are_admitted_and_the_failure_logged_once(caplog):
    async def scenario() -> list[float | None]:
        process = Process(redis_url="redis://127.0.0.1:1/0")
        results = [await process.buckets.acquire(BUCKET, LEASABLE) for _ in range(3)]
        await process.close()
        return results

    with caplog.at_level(logging.ERROR, logger="strangler_proxy.limits.buckets"):
        assert asyncio.run(scenario()) == [None, None, None]
    assert len([record for record in caplog.records if "unavailable" in record.getMessage()]) == 1


@pytest.mark.parametrize("plan, lease_max, expected", [
    (Plan("basic", rate=5, burst=10), 10, 2),
    (Plan("premium", rate=100, burst=200), 10, 10),
    (Plan("anonymous", rate=50, burst=100), 10, 10),
    (Plan("slow", rate=0.5, burst=100), 10, 1),
    (Plan("tiny", rate=100, burst=3), 10, 1),
    (Plan("premium", rate=100, burst=200), 1, 1),
])
def test_the_lease_size_is_bounded_by_the_burst_the_rate_and_the_setting(plan, lease_max, expected):
    assert lease_size(plan, lease_max=lease_max, lease_seconds=1.0) == expected


def test_forgotten_buckets_do_not_pile_up_in_memory():
    async def scenario() -> int:
        process = Process(lease_max=1)
        process.buckets = LeasedBuckets(process.shared, lease_max=1, lease_seconds=1.0, max_local=50)
        for number in range(500):
            await process.buckets.acquire(f"{BUCKET}:{number}", Plan("p", rate=1, burst=5))
        await process.close()
        return len(process.buckets._leases)

    assert asyncio.run(scenario()) <= 50


def test_a_redis_that_forgot_the_script_is_taught_it_again(redis_client):
    redis_client.script_flush()

    async def scenario() -> Grant:
        process = Process()
        grant = await process.shared.take(BUCKET, LEASABLE, 3)
        await process.close()
        return grant

    assert asyncio.run(scenario()).tokens == 3

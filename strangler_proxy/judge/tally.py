"""Each proxy process's count of a canary's requests per arm, added up in Redis for the whole fleet.

    strangler:judge:<route>    hash: <arm>:requests, <arm>:errors, <arm>:b<i> (latency bucket i)

A Sink of the recorder: finished requests with a canary side are tallied in memory and `flush()` adds the
tallies to Redis (HINCRBY) about once a second, so every process and machine contributes to one count.
An error is a 5xx or a failure to answer; a request the candidate failed and the primary then answered
(a fallback) is the candidate's error. Requests the breaker kept from the candidate count for neither arm.
The hash is removed with every change of the route's state (store.py), so each state is judged afresh.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from strangler_proxy.judge.stats import BUCKETS_SECONDS, bucket_of
from strangler_proxy.observability.recorder import Finished, Sink
from strangler_proxy.redis_link import Commands, as_text

ARMS = ("primary", "candidate")


def judge_key(route_id: str) -> str:
    return f"strangler:judge:{route_id}"


def verdict_key(route_id: str) -> str:
    """Where the judge keeps its latest verdict on the route (runner.py)."""
    return f"strangler:judge:{route_id}:verdict"


class JudgeTally(Sink):
    def __init__(self) -> None:
        self._counts: defaultdict[tuple[str, str], int] = defaultdict(int)

    def take(self, batch: list[Finished]) -> None:
        for entry in batch:
            if entry.arm and entry.route and entry.fallback != "breaker_open":
                self._count(entry)

    def _count(self, entry: Finished) -> None:
        assert entry.route is not None
        route, arm = entry.route, entry.arm
        self._counts[(route, f"{arm}:requests")] += 1
        failed = entry.status >= 500 or bool(entry.fallback)
        if failed:
            self._counts[(route, f"{arm}:errors")] += 1
        self._counts[(route, f"{arm}:b{bucket_of(entry.seconds)}")] += 1

    async def flush(self, redis: Commands) -> None:
        counts, self._counts = self._counts, defaultdict(int)
        await asyncio.gather(*(redis.execute_command("HINCRBY", judge_key(route), field, count)
                               for (route, field), count in counts.items()))


def arm_counts(raw: Mapping[Any, Any], arm: str) -> tuple[int, int, tuple[int, ...]]:
    """(requests, errors, bucket counts) of `arm` from the hash as read back."""
    value = {(as_text(key)): int(count) for key, count in raw.items()}
    buckets = tuple(value.get(f"{arm}:b{index}", 0) for index in range(len(BUCKETS_SECONDS) + 1))
    return value.get(f"{arm}:requests", 0), value.get(f"{arm}:errors", 0), buckets

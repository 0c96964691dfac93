"""Requests per route and upstream per minute, counted by every proxy process into one Redis for the fleet.

    strangler:traffic:<minute>    hash: <route>|<upstream> -> requests forwarded (minute = unix time // 60),
                                  kept TRAFFIC_KEEP_SECONDS

A Sink of the recorder, like the judge's tally (judge/tally.py), and flushed with it about once a second:
nothing is added between two network events of a request. It counts what the judge's tally cannot give:
every forwarded request, canary or not, and over a fixed window rather than since a route's last change.
A request counts for the upstream that answered it (a fallback counts for the primary); a request no
upstream answered (refused at the edge, the proxy's own pages) counts for none. `last_hour` reads the
last 60 minutes back, for the migration progress (dashboard/progress.py, `strangler inventory`).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from strangler_proxy.observability.recorder import Finished, Sink
from strangler_proxy.redis_link import Commands, as_text

TRAFFIC_PREFIX = "strangler:traffic:"
TRAFFIC_KEEP_SECONDS = 2 * 3600
WINDOW_MINUTES = 60
_SEPARATOR = "|"


def traffic_key(minute: int) -> str:
    return f"{TRAFFIC_PREFIX}{minute}"


class TrafficTally(Sink):
    def __init__(self) -> None:
        # (minute as unix time // 60, route, upstream) -> requests; the key built as cheaply as it can be.
        self._counts: dict[tuple[float, str, str], int] = {}

    def take(self, batch: list[Finished]) -> None:
        counts = self._counts
        for entry in batch:
            upstream = entry.upstream
            if upstream and entry.route:
                key = (entry.at // 60, entry.route, upstream)
                counts[key] = counts.get(key, 0) + 1

    async def flush(self, redis: Commands) -> None:
        counts, self._counts = self._counts, {}
        minutes = {int(minute) for minute, _, _ in counts}
        await asyncio.gather(
            *(redis.execute_command("HINCRBY", traffic_key(int(minute)), f"{route}{_SEPARATOR}{upstream}", count)
              for (minute, route, upstream), count in counts.items()),
            *(redis.execute_command("EXPIRE", traffic_key(minute), TRAFFIC_KEEP_SECONDS) for minute in minutes))


@dataclass(frozen=True)
class Traffic:
    """Requests forwarded in a window, per (route, upstream)."""

    counts: dict[tuple[str, str], int]
    minutes: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def served_by_other_than(self, upstream: str) -> int:
        return sum(count for (_, served_by), count in self.counts.items() if served_by != upstream)


def last_hour(client: redis.Redis, *, now: float | None = None) -> Traffic:
    """The fleet's counts for the WINDOW_MINUTES minutes up to `now` (this minute included)."""
    minute = int((time.time() if now is None else now) // 60)
    with client.pipeline(transaction=False) as pipe:
        for back in range(WINDOW_MINUTES):
            pipe.hgetall(traffic_key(minute - back))
        hashes: Iterable[dict] = pipe.execute()
    counts: Counter[tuple[str, str]] = Counter()
    for found in hashes:
        for field, count in found.items():
            route, _, upstream = as_text(field).rpartition(_SEPARATOR)
            counts[(route, upstream)] += int(count)
    return Traffic(dict(counts), WINDOW_MINUTES)

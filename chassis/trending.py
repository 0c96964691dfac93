"""Terms counted per time window in Redis, shared by every process: what people searched for lately.

    counter = TermCounter(client, key="catalog:popular", window_seconds=3600)
    counter.count(["chocolate", "truffles"])        # one search
    counter.top(10)                                  # [("chocolate", 12), ("truffles", 3), ...]

The window is cut into BUCKETS slots; a count goes to the slot of its moment (one sorted set per slot,
expiring once the window has passed it) and `top` adds up the slots the window covers. Counting is one
round trip (a pipeline of ZINCRBYs and an EXPIRE), reading one ZUNION: any number of processes count
into the same sets without coordinating.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import cast

import redis

BUCKETS = 12


class TermCounter:
    """Counts of terms over the last `window_seconds`, kept under keys that start with `key`."""

    def __init__(self, client: redis.Redis, *, key: str, window_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.key = key
        self.window_seconds = window_seconds
        self.slot_seconds = max(1, window_seconds // BUCKETS)
        self.clock = clock

    def count(self, terms: Iterable[str]) -> None:
        """Count each of `terms` once, now."""
        terms = list(terms)
        if not terms:
            return
        slot_key = self._slot_key(self._slot())
        with self.client.pipeline(transaction=False) as pipe:
            for term in terms:
                pipe.zincrby(slot_key, 1, term)
            pipe.expire(slot_key, self.window_seconds + self.slot_seconds)
            pipe.execute()

    def top(self, limit: int) -> list[tuple[str, int]]:
        """The `limit` most counted terms of the window, most counted first (ties by term)."""
        now = self._slot()
        keys = [self._slot_key(slot) for slot in range(now - BUCKETS + 1, now + 1)]
        counted = cast(list[tuple[bytes | str, float]], self.client.zunion(keys, withscores=True))
        totals = [(term.decode() if isinstance(term, bytes) else term, int(score)) for term, score in counted]
        return sorted(totals, key=lambda item: (-item[1], item[0]))[:limit]

    def _slot(self) -> int:
        return int(self.clock() // self.slot_seconds)

    def _slot_key(self, slot: int) -> str:
        return f"{self.key}:{slot}"


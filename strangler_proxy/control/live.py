"""The route table in force in one proxy process: the file's, with the live states from Redis laid over it.

Every POLL_SECONDS the process asks Redis for the version number (one GET); when it has moved, it reads
the states and swaps in the new table and its matcher, so a change made with `strangler` reaches every
process of every proxy within a second, and survives restarts (a process starting reads them first).
A table that fails its checks (the file changed under the stored states) is not taken: the process
keeps the one it has and logs every problem. When Redis cannot be reached, the last table stays.

The request path reads `live.matcher` and `live.table` (two attribute reads); a swap replaces both at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from redis.exceptions import RedisError

from strangler_proxy.control.state import apply, problems
from strangler_proxy.control.store import STATE_KEY, VERSION_KEY, decode_states
from strangler_proxy.redis_link import Commands
from strangler_proxy.routing.match import RouteMatcher
from strangler_proxy.table import RouteTable

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5


class LiveTable:
    """The table in force and its matcher; `refresh()` takes the stored states when they changed."""

    def __init__(self, file_table: RouteTable, redis: Commands,
                 on_change: Callable[[RouteTable], None] | None = None) -> None:
        self.file_table = file_table
        self.redis = redis
        self.on_change = on_change
        self.table = file_table
        self.matcher = RouteMatcher(file_table)
        self.version: bytes | None = None

    def take_file(self, file_table: RouteTable) -> None:
        """A new routes.toml (already validated as a file): the stored states go on applying to it."""
        self.file_table = file_table
        self.version = None  # read the states again and lay them over the new file

    async def refresh(self) -> bool:
        """Take the stored states if their version moved; True when the table in force changed."""
        try:
            version = await self.redis.get(VERSION_KEY)
            if version == self.version and version is not None:
                return False
            raw = await self.redis.hgetall(STATE_KEY)
        except (RedisError, OSError) as error:
            logger.warning("could not read the live route states; keeping the table in force",
                           extra={"error": str(error)})
            return False
        return self._take(apply(self.file_table, decode_states(raw)), version)

    def _take(self, table: RouteTable, version: bytes | None) -> bool:
        found = problems(table)
        if found:
            for problem in found:
                logger.error("the live route states do not fit the route table; keeping the table in force",
                             extra={"problem": problem})
            return False
        changed = table != self.table
        self.table, self.matcher, self.version = table, RouteMatcher(table), version
        if changed and self.on_change is not None:
            self.on_change(table)
        return changed

    async def follow(self) -> None:
        """Refresh every POLL_SECONDS until cancelled (the process's housekeeping task runs it)."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            if await self.refresh():
                logger.info("took a change of the live route states", extra={"version": _text(self.version)})


def _text(version: bytes | None) -> str | None:
    return version.decode() if version is not None else None

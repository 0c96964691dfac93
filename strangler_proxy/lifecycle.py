"""The one started instance of an edge stage in a proxy process, and the Redis link it opened.

The identity and limits stages are each made once per process at ASGI lifespan start-up (inside the
event loop, which their Redis links need) and closed at shut-down; the pipeline asks for them by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # only a type here: importing limits at run time would import its stage, which imports this
    from strangler_proxy.limits.redis_link import RedisLink

S = TypeVar("S")


class StartedStage(Generic[S]):
    """Holds the stage `strangler_proxy.<package>.startup()` made, until `stop()`."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._stage: S | None = None
        self._redis: RedisLink | None = None
        self._on_stop: Callable[[], Awaitable[None]] | None = None

    def start(self, stage: S, redis: RedisLink, *, on_stop: Callable[[], Awaitable[None]] | None = None) -> None:
        """Hold `stage`; `stop()` closes `redis` and awaits `on_stop` (what else the stage opened)."""
        self._stage, self._redis, self._on_stop = stage, redis, on_stop

    def get(self) -> S:
        if self._stage is None:
            raise RuntimeError(f"strangler_proxy.{self.package}.startup() has not run in this process")
        return self._stage

    async def stop(self) -> None:
        """Forget the stage and close its Redis link (and whatever else `on_stop` closes)."""
        client, on_stop, self._stage, self._redis, self._on_stop = self._redis, self._on_stop, None, None, None
        if client is not None:
            await client.aclose()
        if on_stop is not None:
            await on_stop()

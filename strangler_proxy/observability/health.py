"""Liveness and readiness of the proxy itself.

`/_strangler/healthz` answers from memory: the process is up and serving. `/_strangler/readyz` asks
each upstream's health_path through the same pool requests use, and pings Redis, all at once and each
within PROXY_READY_TIMEOUT; 503 naming every failing check otherwise, in the contract's Error shape.
An upstream is ready when it answers 2xx or 3xx. The probe's Host is PROXY_HEALTH_HOST when set (a name
the upstream's ALLOWED_HOSTS accepts, for production), else the upstream's own host:port.

A process checks at most once per CHECK_SECONDS: calls within that time after a check are answered
from its result, and calls while a check is under way wait for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import orjson

from strangler_proxy.errors import error_json
from strangler_proxy.forwarding.errors import ForwardingFailed
from strangler_proxy.forwarding.pool import UpstreamPool
from strangler_proxy.redis_link import RedisLink

Checks = dict[str, str]

# Load balancers, orchestrators and monitors each poll readiness, some every second or faster, and a
# client can call it in a loop: without a floor, every call costs a probe on every upstream. A result
# a second old is as good to any of them (none acts on a single answer that fast), and a change of health
# still shows within a second and a probe's time.
CHECK_SECONDS = 1.0


def healthz() -> tuple[int, bytes]:
    return 200, b'{"status":"ok"}'


class Readiness:
    """Checks every upstream (by its health path) and Redis, at most once per CHECK_SECONDS."""

    def __init__(self, pools: dict[str, UpstreamPool], health_paths: dict[str, str], *, redis_url: str,
                 timeout: float, host: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.pools = pools
        self.health_paths = health_paths
        self.timeout = timeout
        self.host = host.encode() if host else None
        # The edge stages' own Redis client; a link of its own, so a probe never waits behind their commands.
        self.redis = RedisLink(redis_url, timeout=timeout, retry_after=0.0, name="strangler-proxy-readyz")
        self.clock = clock
        self._checked: Checks = {}
        self._fresh_until = -float("inf")
        self._checking: asyncio.Task[Checks] | None = None

    async def readyz(self, request_id: str) -> tuple[int, bytes]:
        """The status and JSON body of /_strangler/readyz: 200, or 503 in the Error shape with `checks`."""
        checks = await self._checks(request_id)
        failing = [name for name, outcome in checks.items() if outcome != "ok"]
        if failing:
            return 503, error_json(503, f"not ready: {', '.join(failing)}", request_id, checks=checks)
        return 200, orjson.dumps({"status": "ok", "checks": checks})

    async def close(self) -> None:
        if self._checking is not None:
            self._checking.cancel()
        await self.redis.aclose()

    async def _checks(self, request_id: str) -> Checks:
        """The last check's outcomes while fresh, else those of the check under way (or of a new one)."""
        if self.clock() < self._fresh_until:
            return self._checked
        if self._checking is None:
            self._checking = asyncio.get_running_loop().create_task(self._check_all(request_id))
            self._checking.add_done_callback(self._keep)
        # Shielded: a caller that goes away must not cancel the check the others are waiting for.
        return await asyncio.shield(self._checking)

    def _keep(self, checking: asyncio.Task[Checks]) -> None:
        self._checking = None
        if not checking.cancelled() and checking.exception() is None:
            self._checked, self._fresh_until = checking.result(), self.clock() + CHECK_SECONDS

    async def _check_all(self, request_id: str) -> Checks:
        names = [*self.pools, "redis"]
        outcomes = await asyncio.gather(*(self._upstream(name, request_id) for name in self.pools),
                                        self._redis())
        return dict(zip(names, outcomes, strict=True))

    async def _upstream(self, name: str, request_id: str) -> str:
        try:
            status = await probe(self.pools[name], self.health_paths[name], timeout=self.timeout,
                                 host=self.host, request_id=request_id)
        except ForwardingFailed as failure:
            return f"failed: {failure.error.name}"
        return "ok" if 200 <= status < 400 else f"failed: HTTP {status}"

    async def _redis(self) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                await self.redis.execute_command("PING")
        except Exception as exc:  # any failure of the backing service means "not ready"
            return f"failed: {exc.__class__.__name__}"
        return "ok"


async def probe(pool: UpstreamPool, path: str, *, timeout: float, host: bytes | None, request_id: str) -> int:
    """GET `path` on the pool's upstream; its status. Raises ForwardingFailed when there is no answer."""
    headers = [(b"host", host or pool.netloc), (b"user-agent", b"strangler-proxy-readyz"),
               (b"x-request-id", request_id.encode())]
    status, _ = await pool.fetch(path.encode(), headers, timeout=timeout)
    return status

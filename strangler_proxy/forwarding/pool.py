"""A pool of keep-alive connections per upstream, per worker process.

At most `size` connections to one upstream are open at a time; a request that finds them all busy
waits for one (up to its route's connect timeout, then POOL_EXHAUSTED). Idle connections are reused
newest first and closed after `idle_timeout` seconds, which is set below the upstream's own keep-alive
(gunicorn closes idle connections after 5 s) so the proxy, not the upstream, retires a quiet connection,
and a request is almost never written into a socket the upstream is closing. "Almost": the forwarder
retries once when it provably can (see forwarder.py).

Pools hold sockets only: no request state survives in them, so any number of proxy processes can run.

`fetch` is the proxy's own small call through a pool (readiness probes, identity lookups): one request,
its whole answer in memory.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from urllib.parse import urlsplit

from strangler_proxy.forwarding.connection import UpstreamConnection
from strangler_proxy.forwarding.errors import ForwarderError, ForwardingFailed
from strangler_proxy.forwarding.headers import request_head


class UpstreamPool:
    """Connections to the upstream at `url` (http:// or https://)."""

    def __init__(self, name: str, url: str, *, size: int, idle_timeout: float, dry_run: bool = False,
                 owns_cookies: tuple[str, ...] = ()) -> None:
        parts = urlsplit(url)
        self.name = name
        self.owns_cookies = owns_cookies
        # Whether the upstream has opted in to shadowed writes (routes.toml: dry_run = true).
        self.dry_run = dry_run
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.netloc = parts.netloc.encode()
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if parts.scheme == "https" else None
        self.size = size
        self.idle_timeout = idle_timeout
        self._idle: list[UpstreamConnection] = []
        self._open = 0
        self._waiters: deque[asyncio.Future[UpstreamConnection | None]] = deque()
        self._closing = False

    def take_idle(self) -> UpstreamConnection | None:
        """An idle connection ready for a request, when there is one (no waiting, so no coroutine)."""
        connection = self._pop_idle()
        if connection is not None:
            connection.begin()
        return connection

    async def acquire(self, connect_timeout: float) -> UpstreamConnection:
        """A connection ready for a request: an idle one when there is one, else a new one."""
        connection = self._pop_idle()
        if connection is None:
            connection = await self._open_or_wait(connect_timeout)
        connection.begin()
        return connection

    async def fetch(self, path: bytes, headers: list[tuple[bytes, bytes]], *, timeout: float,
                    max_body: int = 65536) -> tuple[int, bytes]:
        """GET `path` with `headers`: the status and the whole body (see `request`)."""
        status, _, body = await self.request(b"GET", path, headers, timeout=timeout, max_body=max_body)
        return status, body

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b"", *,
                      timeout: float, max_body: int = 65536) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """One whole exchange: the status, headers and body of the answer. Raises ForwardingFailed when there
        is no complete answer within `timeout` (to connect, and between reads) or the body exceeds `max_body`.
        `headers` must frame `body` (Content-Length) when there is one."""
        connection = await self.acquire(timeout)
        answer = b""
        try:
            connection.write(request_head(method, target, headers) + body)
            while not connection.complete:
                if not connection.has_body:
                    await connection.wait(timeout, ForwarderError.RESPONSE_TIMEOUT)
                answer += connection.take_body()
                if len(answer) > max_body:
                    raise ForwardingFailed(ForwarderError.UPSTREAM_PROTOCOL_ERROR, f"an answer over {max_body} bytes")
            answer += connection.take_body()
        except ForwardingFailed:
            self.discard(connection)
            raise
        self.release(connection, reusable=connection.finish(head_only=method == b"HEAD"))
        return connection.status, connection.headers, answer

    def release(self, connection: UpstreamConnection, *, reusable: bool) -> None:
        """Give the connection back; a connection that cannot carry another request is closed."""
        if not reusable or self._closing:
            connection.close()
            self._retire(connection)
            return
        connection.idle_since = time.monotonic()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def discard(self, connection: UpstreamConnection) -> None:
        """Abort a connection whose request was cut short (the upstream must not complete it)."""
        connection.abort()
        self._retire(connection)

    def close_expired(self) -> None:
        """Close idle connections older than the idle timeout (called periodically)."""
        deadline = time.monotonic() - self.idle_timeout
        expired = [c for c in self._idle if c.closed or c.idle_since < deadline]
        for connection in expired:
            self._idle.remove(connection)
            connection.close()
            self._retire(connection)

    def close_idle(self) -> None:
        """Close every idle connection (after one turned out stale, its siblings likely are too)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
            self._retire(connection)

    async def close(self) -> None:
        self._closing = True
        for connection in self._idle:
            connection.close()
            self._retire(connection)
        self._idle.clear()

    # ------------------------------------------------------------------ internals
    def _pop_idle(self) -> UpstreamConnection | None:
        deadline = time.monotonic() - self.idle_timeout
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and connection.idle_since >= deadline:
                return connection
            connection.close()
            self._retire(connection)
        return None

    async def _open_or_wait(self, timeout: float) -> UpstreamConnection:
        if self._open < self.size:
            self._open += 1
            return await self._connect(timeout)
        handed = await self._wait_for_turn(timeout)
        # A connection handed over, or (None) a freed slot to open one in.
        return handed if handed is not None else await self._connect(timeout)

    async def _wait_for_turn(self, timeout: float) -> UpstreamConnection | None:
        waiter: asyncio.Future[UpstreamConnection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return waiter.result()  # handed over just as the time ran out: take it
            raise ForwardingFailed(ForwarderError.POOL_EXHAUSTED, f"{self.name}: {self.size} busy") from None

    async def _connect(self, timeout: float) -> UpstreamConnection:
        """Open a connection in a slot already counted in `_open`."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: UpstreamConnection(loop, self._lost), self.host, self.port, ssl=self.ssl)
        except TimeoutError:
            self._free_slot()
            raise ForwardingFailed(ForwarderError.CONNECT_TIMEOUT, f"{self.name} at {self.host}:{self.port}") from None
        except OSError as exc:
            self._free_slot()
            raise ForwardingFailed(ForwarderError.CONNECT_FAILED, f"{self.name}: {exc}") from None
        return connection

    def _lost(self, connection: UpstreamConnection) -> None:
        # An idle connection the upstream closed frees its slot now; one in use is retired by its user.
        if connection in self._idle:
            self._idle.remove(connection)
            self._retire(connection)

    def _retire(self, connection: UpstreamConnection) -> None:
        if not connection.retired:
            connection.retired = True
            self._free_slot()

    def _free_slot(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the waiter, which opens its own connection
                return
        self._open -= 1

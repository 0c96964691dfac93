"""One pipelined connection to Redis per process, for the edge's per-request commands.

The edge asks Redis at most one small question per request (a cached identity, an API key's plan, a
bucket lease). Through redis-py's asyncio pool one such round trip costs 50-120 µs of CPU (measured);
written straight to a socket that every request shares, about 20 µs, most of it the kernel's. The
proxy's budget (250 µs of CPU per request, all stages) cannot spare the difference. So this speaks the
Redis protocol (RESP2) itself, for the few commands the edge uses, and raises redis-py's exception
classes so callers handle both alike (redis.asyncio.Redis still works where a `Commands` is wanted).

  * Commands are pipelined: each is written at once and its reply future is queued; Redis answers in
    order, so replies are matched first-in, first-out. No pool, no locks.
  * A command not answered within `timeout` drops the connection (its queue is failed with
    ConnectionError); the next command reconnects. One alarm per link watches the oldest command, rather
    than a timer per command.
  * After a failed connect, commands fail at once for `retry_after` seconds instead of each waiting
    for a Redis that is down: the edge's stages then degrade as documented (limits admit, identity asks
    the monolith), without paying a connect timeout per request.

    redis://[[user]:password@]host[:port][/db]   or rediss://... for TLS
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from redis import exceptions as errors

__all__ = ["Commands", "HasRedisUrl", "RedisLink", "as_text", "pack", "parse"]

Reply = Any  # bytes | int | None | list[Reply] | errors.ResponseError
_INCOMPLETE: Any = object()


class Commands(Protocol):
    """What the edge needs from a Redis client: RedisLink, or redis.asyncio.Redis in a pinch."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: str | bytes, *, ex: int | None = None, nx: bool = False) -> Any: ...

    async def hgetall(self, key: str) -> dict[bytes, bytes]: ...

    async def execute_command(self, *arguments: Any) -> Reply: ...


class HasRedisUrl(Protocol):
    """The proxy's settings, as far as the edge stages' start-up reads them."""

    @property
    def redis_url(self) -> str: ...


class RedisLink:
    """`await link.get(key)`, `set(...)`, `execute_command(*args)`; `await link.aclose()` at shut-down."""

    def __init__(self, url: str, *, timeout: float, retry_after: float = 1.0, name: str = "strangler-proxy") -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6379
        self.tls = parts.scheme == "rediss"
        self.db = int(parts.path.lstrip("/") or 0)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self.retry_after = retry_after
        self.name = name
        self._protocol: _RespProtocol | None = None
        self._connecting: asyncio.Task[_RespProtocol] | None = None
        self._down_until = 0.0
        # Commands sent, oldest first, with their deadlines (event-loop time); answered ones are
        # cleared lazily, when the alarm goes off.
        self._outstanding: deque[tuple[asyncio.Future[Reply], float, _RespProtocol]] = deque()
        self._alarm: asyncio.TimerHandle | None = None

    async def get(self, key: str) -> bytes | None:
        return await self.execute_command("GET", key)

    async def hgetall(self, key: str) -> dict[bytes, bytes]:
        """The hash at `key` as field -> value (empty when there is none)."""
        items = await self.execute_command("HGETALL", key) or []
        return dict(zip(items[0::2], items[1::2], strict=True))

    async def set(self, key: str, value: str | bytes, *, ex: int | None = None, nx: bool = False) -> bool:
        arguments: list[Any] = ["SET", key, value]
        if ex is not None:
            arguments += ["EX", ex]
        if nx:
            arguments.append("NX")
        return await self.execute_command(*arguments) is not None

    async def execute_command(self, *arguments: Any) -> Reply:
        """The command's reply; raises redis' ResponseError (NoScriptError), ConnectionError, TimeoutError.

        Cancelling the caller cancels only its wait: the reply, when it comes, is read and dropped.
        """
        protocol = self._protocol if self._protocol is not None and self._protocol.open else await self._connect()
        reply = protocol.send(pack(arguments))
        self._watch(reply, protocol)
        result = await reply
        if isinstance(result, errors.ResponseError):
            raise result
        return result

    # ---------------------------------------------------------------- timing out
    def _watch(self, reply: asyncio.Future[Reply], protocol: _RespProtocol) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        self._outstanding.append((reply, deadline, protocol))
        if self._alarm is None:
            self._alarm = loop.call_at(deadline, self._check_outstanding)

    def _check_outstanding(self) -> None:
        """The alarm: time out the oldest unanswered command when its deadline has passed (which drops
        its connection and fails the commands behind it), else go off again at its deadline."""
        self._alarm = None
        loop = asyncio.get_running_loop()
        outstanding = self._outstanding
        while outstanding:
            reply, deadline, protocol = outstanding[0]
            if reply.done():
                outstanding.popleft()
            elif loop.time() < deadline:
                self._alarm = loop.call_at(deadline, self._check_outstanding)
                return
            else:
                outstanding.popleft()
                reply.set_exception(errors.TimeoutError(
                    f"Redis at {self.host}:{self.port} did not answer within {self.timeout} s"))
                protocol.drop(f"no reply within {self.timeout} s")

    async def aclose(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        if self._connecting is not None:
            self._connecting.cancel()
        if self._protocol is not None:
            self._protocol.drop("closed")
            self._protocol = None

    # ---------------------------------------------------------------- connecting
    async def _connect(self) -> _RespProtocol:
        """The open connection, made once for every command that is waiting for it."""
        if time.monotonic() < self._down_until:
            raise errors.ConnectionError(f"Redis at {self.host}:{self.port} was unreachable moments ago")
        if self._connecting is None:
            self._connecting = asyncio.get_running_loop().create_task(self._open())
            self._connecting.add_done_callback(self._connected)
        return await asyncio.shield(self._connecting)

    def _connected(self, task: asyncio.Task[_RespProtocol]) -> None:
        self._connecting = None
        if task.cancelled() or task.exception() is not None:
            self._down_until = time.monotonic() + self.retry_after
        else:
            self._protocol = task.result()

    async def _open(self) -> _RespProtocol:
        loop = asyncio.get_running_loop()
        protocol: _RespProtocol | None = None
        try:
            async with asyncio.timeout(self.timeout):
                _, protocol = await loop.create_connection(
                    _RespProtocol, self.host, self.port, ssl=ssl.create_default_context() if self.tls else None)
                await self._handshake(protocol)
        except (OSError, TimeoutError) as exc:
            if protocol is not None:
                protocol.drop("no answer to the handshake")
            raise errors.ConnectionError(f"cannot reach Redis at {self.host}:{self.port}: {exc!r}") from None
        return protocol

    async def _handshake(self, protocol: _RespProtocol) -> None:
        commands: list[tuple[Any, ...]] = [("CLIENT", "SETNAME", self.name)]
        if self.password is not None:
            commands.insert(0, ("AUTH", self.username, self.password) if self.username else ("AUTH", self.password))
        if self.db:
            commands.append(("SELECT", self.db))
        for reply in await asyncio.gather(*(protocol.send(pack(command)) for command in commands)):
            if isinstance(reply, errors.ResponseError):
                protocol.drop("handshake refused")
                raise reply


class _RespProtocol(asyncio.Protocol):
    """The socket: writes packed commands, parses replies, resolves reply futures in order."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending: deque[asyncio.Future[Reply]] = deque()
        self.buffer = bytearray()
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection's is a Transport; asyncio types the base
        self.open = True

    def send(self, data: bytes) -> asyncio.Future[Reply]:
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        if not self.open or self.transport is None:
            future.set_exception(errors.ConnectionError("the Redis connection is closed"))
            return future
        self.pending.append(future)
        self.transport.write(data)
        return future

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            position = self._resolve_replies()
        except (ValueError, errors.ConnectionError) as exc:
            self.drop(f"unreadable reply: {exc}")
            return
        del self.buffer[:position]

    def _resolve_replies(self) -> int:
        """Hand each complete reply in the buffer to the oldest waiting command; where the rest begins."""
        position = 0
        while self.pending:
            parsed = parse(self.buffer, position)
            if parsed is _INCOMPLETE:
                break
            reply, position = parsed
            future = self.pending.popleft()
            if not future.done():  # a cancelled caller: its reply is read and dropped
                future.set_result(reply)
        return position

    def connection_lost(self, exc: Exception | None) -> None:
        self.drop(f"connection lost: {exc!r}" if exc else "connection closed by Redis")

    def drop(self, reason: str) -> None:
        """Close the connection and fail every command still waiting on it."""
        self.open = False
        if self.transport is not None:
            self.transport.close()
        while self.pending:
            future = self.pending.popleft()
            if not future.done():
                future.set_exception(errors.ConnectionError(f"Redis connection dropped: {reason}"))


# ---------------------------------------------------------------- the protocol (RESP2)
def pack(arguments: tuple[Any, ...] | list[Any]) -> bytes:
    """A command as RESP: an array of bulk strings."""
    parts = [b"*%d\r\n" % len(arguments)]
    for argument in arguments:
        data = _bytes(argument)
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (int, float)):
        return repr(value).encode()
    raise TypeError(f"cannot send {type(value).__name__} to Redis")


def parse(buffer: bytearray | bytes, position: int = 0) -> Any:
    """(reply, position after it) for the reply starting at `position`, or _INCOMPLETE.

    An error reply is returned (not raised) as a ResponseError, NoScriptError for NOSCRIPT.
    """
    end = buffer.find(b"\r\n", position)
    if end < 0:
        return _INCOMPLETE
    kind, line, after = buffer[position:position + 1], bytes(buffer[position + 1:end]), end + 2
    if kind == b"$":
        return _bulk(buffer, int(line), after)
    if kind == b"*":
        return _array(buffer, int(line), after)
    if kind == b":":
        return int(line), after
    if kind == b"+":
        return line, after
    if kind == b"-":
        message = line.decode(errors="replace")
        return (errors.NoScriptError if message.startswith("NOSCRIPT") else errors.ResponseError)(message), after
    raise errors.ConnectionError(f"unexpected byte {kind!r} in a Redis reply")


def _bulk(buffer: bytearray | bytes, length: int, start: int) -> Any:
    if length < 0:
        return None, start
    if len(buffer) < start + length + 2:
        return _INCOMPLETE
    return bytes(buffer[start:start + length]), start + length + 2


def _array(buffer: bytearray | bytes, count: int, position: int) -> Any:
    if count < 0:
        return None, position
    items = []
    for _ in range(count):
        parsed = parse(buffer, position)
        if parsed is _INCOMPLETE:
            return _INCOMPLETE
        item, position = parsed
        items.append(item)
    return items, position


def as_text(value: str | bytes) -> str:
    """A key or value as text, whichever client read it (this link reads bytes, redis-py may decode)."""
    return value.decode() if isinstance(value, bytes) else value

"""One keep-alive HTTP/1.1 connection to an upstream: an asyncio Protocol fed to httptools' parser.

This is the lean client the CPU budget asks for: no stream objects, no per-request tasks, one future per
wait. The forwarder drives it: `begin()` a request, `write()` its bytes, `wait()` for the response head
and then for body pieces, `take_body()` what has arrived. A connection holds at most BODY_HIGH_WATER
bytes of response body before it stops reading from the socket.

An upstream that sends more than the one answer asked for (a second response behind the first, in the
same read or later) has lost track of the exchange, perhaps reading a refused request's unread body as a
request of its own: the extra bytes are never taken for the next answer, and the connection is not used
again.

A response that ends only when the upstream closes (no Content-Length, not chunked) is complete at EOF.
A HEAD response has no body whatever its headers say; httptools cannot be told so, so such a connection
is closed after its head instead of being reused.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from operator import itemgetter

import httptools

from strangler_proxy.exchange import Headers
from strangler_proxy.forwarding.errors import ForwarderError, ForwardingFailed

BODY_HIGH_WATER = 65536


class _OutOfTurn(Exception):
    """Raised in a parser callback: the upstream began a second response in one exchange."""
_NO_BODY_STATUSES = frozenset({204, 304})
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})
_name = itemgetter(0)


class UpstreamConnection(asyncio.Protocol):
    """The protocol side of one upstream connection; see the module docstring for how it is driven."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_lost: Callable[[UpstreamConnection], None]) -> None:
        self.loop = loop
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        # Requests completed on this connection: a request on a used connection may meet a stale socket.
        self.completed = 0
        self.in_use = False
        # Set once the pool has freed this connection's slot.
        self.retired = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        # The current wait's deadline (event-loop time) and what passing it means; see `wait`.
        self._deadline = 0.0
        self._on_timeout: ForwarderError | None = ForwarderError.RESPONSE_TIMEOUT
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at = math.inf
        self._write_paused = False
        self._reading_paused = False
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: Headers = []
        self.head_done = False
        self.complete = False
        self.received_any = False
        self.failure: ForwarderError | None = None
        self.keep_alive = False
        # False when the forwarder stopped sending the request body early (the upstream answered first).
        self.request_sent = True
        self._until_eof = False
        self._informational = False
        self._chunks: list[bytes] = []
        self._buffered = 0

    # ------------------------------------------------------------------ asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection's is a Transport; asyncio types the base

    def data_received(self, data: bytes) -> None:
        if not self.in_use:
            # Nothing was asked: an upstream talking out of turn (a late 408, garbage) spoils the connection.
            self.close()
            return
        self.received_any = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            if not isinstance(error.__context__, _OutOfTurn):
                self._fail(ForwarderError.UPSTREAM_PROTOCOL_ERROR)
            elif self.transport is not None:
                self.keep_alive = False
                self.transport.pause_reading()  # the answer asked for is whole; nothing more is read

    def on_message_begin(self) -> None:
        if self.head_done:
            raise _OutOfTurn  # a second answer: stop before it touches the first one's status and headers

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        if self.head_done and self._until_eof and not self.complete:
            self.complete = True
        elif not self.complete:
            self._fail(ForwarderError.UPSTREAM_CLOSED if not self.head_done else
                       ForwarderError.UPSTREAM_PROTOCOL_ERROR)
        self.wake()
        self.on_lost(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self.wake()

    # ------------------------------------------------------------------ httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            # An interim answer (100 Continue, 103 Early Hints): the real one follows on this connection.
            self._informational = True
            self.headers = []
            return
        self.status = status
        self.head_done = True
        self.keep_alive = self.parser.should_keep_alive()
        self._until_eof = status not in _NO_BODY_STATUSES and _FRAMING.isdisjoint(map(_name, self.headers))
        self.wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > BODY_HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self.wake()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self.complete = True
        self.wake()

    # ------------------------------------------------------------------ driven by the forwarder
    def begin(self) -> None:
        """Prepare for a new request on this connection."""
        self._reset()
        self.in_use = True

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    @property
    def write_paused(self) -> bool:
        return self._write_paused

    async def wait(self, timeout: float, on_timeout: ForwarderError | None) -> None:
        """Wait for anything to happen (head, body, completion, loss, drain); after `timeout`, fail with
        `on_timeout`, or (None) just stop waiting.

        A timer per wait would be made and cancelled for almost every request. Instead the connection
        keeps one alarm, set for the earliest deadline it has been asked for; when it goes off before
        the current wait's deadline (that wait began later), it is set again for that deadline. On a busy
        connection it goes off about once per timeout, not once per request.
        """
        if self.failure is not None:
            raise ForwardingFailed(self.failure)
        waiter = self.loop.create_future()
        self._waiter = waiter
        self._deadline = deadline = self.loop.time() + timeout
        self._on_timeout = on_timeout
        if deadline < self._alarm_at:
            self._set_alarm(deadline)
        try:
            await waiter
        finally:
            self._waiter = None
        if self.failure is not None:
            raise ForwardingFailed(self.failure)

    def _set_alarm(self, when: float) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm = self.loop.call_at(when, self._alarm_rang)
        self._alarm_at = when

    def _alarm_rang(self) -> None:
        self._alarm, self._alarm_at = None, math.inf
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # nobody waits: the next wait sets the alarm again
        if self.loop.time() < self._deadline:
            self._set_alarm(self._deadline)
        elif self._on_timeout is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(ForwardingFailed(self._on_timeout))

    @property
    def has_body(self) -> bool:
        """Whether response body has arrived that `take_body` has not returned yet."""
        return self._buffered > 0

    def take_body(self) -> bytes:
        """The response body received since the last call; reading resumes if it had paused."""
        chunks = self._chunks
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._chunks = []
        self._buffered = 0
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    def finish(self, *, head_only: bool) -> bool:
        """End the current exchange; True when the connection can carry another request."""
        self.in_use = False
        reusable = (self.complete and self.keep_alive and self.request_sent and not self.closed
                    and not head_only)
        if reusable:
            self.completed += 1
        return reusable

    def close(self) -> None:
        self.in_use = False
        if self.transport is not None and not self.closed:
            self.transport.close()
        self.closed = True

    def abort(self) -> None:
        """Drop the connection at once: the request was cut short and the upstream must not finish it."""
        if self.transport is not None and not self.closed:
            self.transport.abort()
        self.closed = True

    def _fail(self, error: ForwarderError) -> None:
        if self.failure is None:
            self.failure = error
        self.wake()

    def wake(self) -> None:
        """Resume whoever waits on this connection (it re-checks the state)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


"""Sends one request to its route's upstream and streams the answer back to the client.

Request body. A body of up to `buffer_bytes` is read whole before the upstream is contacted: it then
goes out in one write with the head, a slow or oversized one never reaches the upstream, and the request
can be replayed. A larger body streams: Content-Length bodies as they are, chunked ones re-chunked. A
chunked body that fits the buffer is sent with a Content-Length, because Django under gunicorn reads a
request body only up to CONTENT_LENGTH and would see a chunked one as empty. The route table's
max_body_bytes is enforced while reading (413); each piece must arrive within `body_timeout`, and the
whole body within `body_deadline` of its first read, so a body trickled a byte at a time cannot hold a
connection (and an upstream thread) indefinitely (408).

Response body. Pieces are sent to the client as they arrive (Content-Length kept, otherwise the server
chunks; the server sends the head together with the first one, or alone when that is late: cycle.py);
the connection reads at most 64 KiB ahead, and the client's own back-pressure holds the rest in the
upstream's socket. Each piece must come within the route's read_timeout (504).

Fallback. A request a canary sends to the route's candidate goes to the primary instead when the
candidate's circuit breaker is open (breaker.py), or when the candidate fails before any of its answer
reached the client (cannot be reached, times out, answers garbage or 5xx) and the request is safe to
replay: its whole body is in hand, and it is idempotent or carries an Idempotency-Key. A request that is
not safe to replay is never sent twice: the candidate's failure is the client's answer. However a request
sent to the candidate ends (an answer, an error page, a failure, the client gone), its breaker hears of
it, so a half-open breaker's probe always has an outcome.

Shadow. On a route in shadow mode the client gets the primary's answer as always; when the request may
be copied (shadow/dispatch.py says which), the primary's answer is kept as it streams by and, once the
client has it, handed to the shadow dispatcher with the request, never waiting on it.

Error pages. An upstream's HTML error page (gunicorn's 400, Django's 404 or 500 page) is for a browser: a
client that did not ask for HTML gets the contract's JSON Error with the same status instead.

Retry. A request written into a kept-alive connection the upstream had just closed fails with
UPSTREAM_CLOSED before any response byte. It is retried once, on a fresh connection, only when nothing
can have been processed twice: the connection was a reused one, no response byte came back, the whole
body is still in hand, and the method is idempotent (or the client sent an Idempotency-Key).

Reuse. A connection goes back to the pool only when its exchange ended cleanly, and never after an error
answer to a request with a body: the upstream may have refused it unread (a 413), and the body left in
the socket would be read as the next request.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from strangler_proxy.exchange import CLIENT_GONE, Exchange, Rejection
from strangler_proxy.forwarding.breaker import Breakers
from strangler_proxy.forwarding.connection import UpstreamConnection
from strangler_proxy.forwarding.cookies import cookies_for, set_cookies_from
from strangler_proxy.forwarding.errors import ForwarderError, ForwardingFailed
from strangler_proxy.forwarding.framing import BodyFraming, Framing
from strangler_proxy.forwarding.headers import downstream_response_headers, request_head
from strangler_proxy.forwarding.pool import UpstreamPool
from strangler_proxy.shadow.diff import Answer
from strangler_proxy.shadow.dispatch import MAX_ANSWER_BYTES, SAFE_METHODS, ShadowDispatcher, ShadowJob
from strangler_proxy.table import Mode, Route, Writes

logger = logging.getLogger(__name__)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
# A candidate failing in one of these ways, before any of its answer reached the client, is replaced by
# the route's primary for a request that is safe to replay.
_CANDIDATE_FAILURES = frozenset({
    ForwarderError.CONNECT_FAILED, ForwarderError.CONNECT_TIMEOUT, ForwarderError.POOL_EXHAUSTED,
    ForwarderError.RESPONSE_TIMEOUT, ForwarderError.UPSTREAM_CLOSED, ForwarderError.UPSTREAM_PROTOCOL_ERROR,
    ForwarderError.CANDIDATE_5XX,
})


@dataclass(slots=True)
class RequestBody:
    """What was read of the request body before contacting the upstream."""

    prefix: bytes
    # The whole body is in `prefix` (and could be sent again).
    complete: bool
    received: int
    # Event-loop time by which the rest of the body must have arrived.
    deadline: float = math.inf


EMPTY_BODY = RequestBody(b"", True, 0)


class Forwarder:
    """The forward stage's machinery: the pools, and the limits on request bodies."""

    def __init__(self, pools: dict[str, UpstreamPool], *, max_body_bytes: int, buffer_bytes: int,
                 body_timeout: float, body_deadline: float = math.inf, breakers: Breakers | None = None,
                 shadow: ShadowDispatcher | None = None, guarded_cookies: frozenset[str] = frozenset()) -> None:
        self.pools = pools
        # The cookies some upstream owns; each other upstream neither receives nor sets them.
        self.guarded_cookies = guarded_cookies
        self.breakers = breakers or Breakers()
        self.shadow = shadow
        self.max_body_bytes = max_body_bytes
        self.buffer_bytes = buffer_bytes
        self.body_timeout = body_timeout
        self.body_deadline = body_deadline

    async def forward(self, exchange: Exchange) -> None:
        """Stage: forward the exchange to its route's upstream (or its canary's candidate) and relay the
        answer; a candidate that fails a request safe to replay is replaced by the primary."""
        route = exchange.route
        assert route is not None
        client_gone = exchange.scope.get(CLIENT_GONE)
        if client_gone is not None and client_gone():
            raise ForwardingFailed(ForwarderError.CLIENT_DISCONNECTED, "before the request was sent")
        body = EMPTY_BODY if _bodiless(_framing(exchange)) else await self._read_prefix(exchange)
        target = exchange.target or route.upstream
        shadowing = route.mode is Mode.SHADOW and self.shadow is not None and self._will_shadow(route, exchange, body)
        started = time.perf_counter()
        try:
            if target == route.upstream:
                await self._forward_to(self.pools[target], exchange, body)
            else:
                await self._forward_to_candidate(target, exchange, body)
        finally:
            exchange.upstream_ms = (time.perf_counter() - started) * 1000
        if shadowing:
            self._offer_copy(exchange, body)

    # ------------------------------------------------------------------ shadowing
    def _will_shadow(self, route: Route, exchange: Exchange, body: RequestBody) -> bool:
        """Whether a copy of this request may go to the route's candidate; counted when it may not."""
        assert self.shadow is not None and route.candidate is not None
        safe = exchange.method in SAFE_METHODS
        dry_run = route.writes is Writes.DRY_RUN and self.pools[route.candidate].dry_run
        if body.complete and (safe or dry_run):
            exchange.capture = []
            return True
        self.shadow.count(route.id, "skipped")
        return False

    def _offer_copy(self, exchange: Exchange, body: RequestBody) -> None:
        route, shadow, captured = exchange.route, self.shadow, exchange.capture
        assert route is not None and route.candidate is not None and shadow is not None and captured is not None
        answer = b"".join(captured)
        if len(answer) > MAX_ANSWER_BYTES or exchange.captured_headers is None:
            shadow.count(route.id, "skipped")
            return
        shadow.offer(ShadowJob(
            route.id, route.upstream, route.candidate, exchange.request_id, exchange.method, _target(exchange),
            tuple(_framed(exchange, body)), body.prefix, Answer(exchange.status, _text_headers(exchange.captured_headers),
                                                                answer), route.shadow_ignore))

    async def _forward_to(self, pool: UpstreamPool, exchange: Exchange, body: RequestBody,
                          *, refuse_5xx: bool = False) -> None:
        exchange.upstream = pool.name
        headers = cookies_for(_framed(exchange, body), self.guarded_cookies, pool.owns_cookies)
        head = request_head(exchange.method.encode(), _target(exchange), headers)
        connection = await self._send(pool, exchange, head, body)
        if refuse_5xx and connection.status >= 500:
            pool.discard(connection)  # its answer is not read: the primary's goes to the client instead
            raise ForwardingFailed(ForwarderError.CANDIDATE_5XX, f"{pool.name} answered {connection.status}")
        await self._relay(pool, connection, exchange)

    async def _forward_to_candidate(self, candidate: str, exchange: Exchange, body: RequestBody) -> None:
        """The candidate answers, unless its breaker is open (then the primary does), or it fails before
        any of its answer reached the client and the request is safe to replay (then the primary does)."""
        assert exchange.route is not None
        primary = self.pools[exchange.route.upstream]
        if not self.breakers.allows(candidate):
            exchange.fallback = "breaker_open"
            return await self._forward_to(primary, exchange, body)
        replayable = self._may_fall_back(exchange, body)
        try:
            await self._forward_to(self.pools[candidate], exchange, body, refuse_5xx=replayable)
        except ForwardingFailed as failure:
            if failure.error not in _CANDIDATE_FAILURES:
                self.breakers.abandoned(candidate)  # the client's side failed: nothing was learnt of the candidate
                raise
            self.breakers.failed(candidate)
            if not replayable or exchange.response_started:
                raise
            exchange.fallback = failure.error.name
            return await self._forward_to(primary, exchange, body)
        except Rejection as page:  # the candidate's HTML error page, answered as the contract's JSON Error
            self._answered(candidate, page.status)
            raise
        except BaseException:  # cancelled with the client's connection
            self.breakers.abandoned(candidate)
            raise
        self._answered(candidate, exchange.status)

    def _answered(self, candidate: str, status: int) -> None:
        """The candidate answered: a 5xx (passed on, as the request could not be sent again) is a failure."""
        if status >= 500:
            self.breakers.failed(candidate)
        else:
            self.breakers.succeeded(candidate)

    @staticmethod
    def _may_fall_back(exchange: Exchange, body: RequestBody) -> bool:
        """Whether the request can be sent again: its whole body is in hand, and it is idempotent or
        carries an Idempotency-Key. Anything else is never sent twice."""
        return body.complete and (exchange.method in IDEMPOTENT or exchange.header(b"idempotency-key") is not None)

    # ------------------------------------------------------------------ request body
    async def _read_prefix(self, exchange: Exchange) -> RequestBody:
        framing = _framing(exchange)
        if framing.length > self.max_body_bytes:
            raise ForwardingFailed(ForwarderError.REQUEST_BODY_TOO_LARGE, f"declared {framing.length}")
        deadline = asyncio.get_running_loop().time() + self.body_deadline
        pieces, received, more = [], 0, True
        while more and received <= self.buffer_bytes:
            data, more = await self._receive(exchange, deadline)
            received = self._count(received, len(data))
            pieces.append(data)
        exchange.bytes_in = received
        return RequestBody(b"".join(pieces), not more, received, deadline)

    async def _receive(self, exchange: Exchange, deadline: float) -> tuple[bytes, bool]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(min(loop.time() + self.body_timeout, deadline)):
                message = await exchange.receive()
        except TimeoutError:
            raise ForwardingFailed(ForwarderError.REQUEST_BODY_TIMEOUT) from None
        if message["type"] == "http.disconnect":
            raise ForwardingFailed(ForwarderError.CLIENT_DISCONNECTED, "while sending the request body")
        return message.get("body", b""), message.get("more_body", False)

    def _count(self, received: int, more: int) -> int:
        received += more
        if received > self.max_body_bytes:
            raise ForwardingFailed(ForwarderError.REQUEST_BODY_TOO_LARGE, f"over {self.max_body_bytes}")
        return received

    async def _stream_rest(self, connection: UpstreamConnection, exchange: Exchange, body: RequestBody,
                           read_timeout: float) -> None:
        """Send the body beyond the buffered prefix, piece by piece, as the client delivers it."""
        chunked = _framing(exchange).kind is Framing.CHUNKED
        received, more = body.received, True
        # An early answer, or the upstream going away, ends the upload.
        while more and not connection.head_done and not connection.closed:
            data, more = await self._receive(exchange, body.deadline)
            received = self._count(received, len(data))
            if data:
                connection.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            while connection.write_paused and not connection.head_done:
                await connection.wait(read_timeout, ForwarderError.RESPONSE_TIMEOUT)
        exchange.bytes_in = received
        if chunked and not more:
            connection.write(b"0\r\n\r\n")
        connection.request_sent = not more

    # ------------------------------------------------------------------ upstream exchange
    async def _send(self, pool: UpstreamPool, exchange: Exchange, head: bytes,
                    body: RequestBody) -> UpstreamConnection:
        """A connection on which the response head has arrived; retries once when that is safe."""
        route = exchange.route
        assert route is not None
        retry = body.complete and (exchange.method in IDEMPOTENT or exchange.header(b"idempotency-key") is not None)
        while True:
            connection = pool.take_idle() or await pool.acquire(route.connect_timeout)
            try:
                await self._write_request(connection, exchange, head, body, route.read_timeout)
                return connection
            except ForwardingFailed as failure:
                pool.discard(connection)
                if not (retry and _stale(connection, failure)):
                    raise
                retry = False
                pool.close_idle()  # its siblings went stale with it; the retry gets a fresh connection

    async def _write_request(self, connection: UpstreamConnection, exchange: Exchange, head: bytes,
                             body: RequestBody, read_timeout: float) -> None:
        chunked = not body.complete and _framing(exchange).kind is Framing.CHUNKED
        prefix = b"%x\r\n%s\r\n" % (len(body.prefix), body.prefix) if chunked else body.prefix
        connection.write(head + prefix if prefix else head)
        if not body.complete:
            await self._stream_rest(connection, exchange, body, read_timeout)
        while not connection.head_done:
            await connection.wait(read_timeout, ForwarderError.RESPONSE_TIMEOUT)

    # ------------------------------------------------------------------ response
    async def _relay(self, pool: UpstreamPool, connection: UpstreamConnection, exchange: Exchange) -> None:
        head_only = exchange.method == "HEAD"
        if connection.status >= 400 and _html_error_for_an_api_client(connection, exchange):
            pool.discard(connection)  # its page is not read, so the connection cannot carry another request
            raise Rejection(connection.status, f"The upstream answered {connection.status} "
                                               f"({_phrase(connection.status)}).")
        try:
            await exchange.send(_response_start(connection, exchange, self.guarded_cookies, pool.owns_cookies))
            if head_only:
                await exchange.send({"type": "http.response.body", "body": b""})
            else:
                await self._relay_body(connection, exchange)
        except ForwardingFailed:
            pool.discard(connection)
            raise
        reusable = connection.finish(head_only=head_only)
        # An upstream refusing a request (413, 401, ...) may answer before reading its body, which then
        # waits in the socket to be read as the next request: such a connection is not used again.
        if connection.status >= 400 and not _bodiless(_framing(exchange)):
            reusable = False
        pool.release(connection, reusable=reusable)

    async def _relay_body(self, connection: UpstreamConnection, exchange: Exchange) -> None:
        """Send body pieces as they come; the last one (complete response) ends the answer."""
        assert exchange.route is not None
        read_timeout = exchange.route.read_timeout
        watcher: asyncio.Task[None] | None = None
        try:
            while True:
                # Check before waiting: a piece may have arrived while the last one was being sent.
                if not connection.has_body and not connection.complete:
                    await connection.wait(read_timeout, ForwarderError.RESPONSE_TIMEOUT)
                    if watcher is not None and watcher.done():
                        raise ForwardingFailed(ForwarderError.CLIENT_DISCONNECTED, "while receiving the response")
                    continue
                data, done = connection.take_body(), connection.complete
                exchange.bytes_out += len(data)
                if exchange.capture is not None and exchange.bytes_out <= MAX_ANSWER_BYTES:
                    exchange.capture.append(data)
                await exchange.send({"type": "http.response.body", "body": data, "more_body": not done})
                if done:
                    return
                watcher = watcher or _watch_disconnect(exchange, connection)
        finally:
            if watcher is not None:
                watcher.cancel()


def _html_error_for_an_api_client(connection: UpstreamConnection, exchange: Exchange) -> bool:
    """Whether the answer is an HTML error page (gunicorn's, Django's) and the client did not ask for HTML."""
    content_type = next((value for name, value in connection.headers if name == b"content-type"), b"")
    if not content_type.lower().startswith(b"text/html"):
        return False
    accept = exchange.header(b"accept") or b""
    return b"text/html" not in accept.lower()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "an error"


def _response_start(connection: UpstreamConnection, exchange: Exchange, guarded: frozenset[str] = frozenset(),
                    owned: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ASGI message that starts the client's answer: the upstream's status and headers, cleaned, less
    any cookie the upstream may not set (forwarding/cookies.py)."""
    headers = downstream_response_headers(connection.headers, exchange.request_id.encode())
    if guarded:
        headers, dropped = set_cookies_from(headers, guarded, owned)
        if dropped:
            exchange.dropped_cookies = ",".join(dropped)
            logger.warning("dropped cookies an upstream may not set", extra={
                "request_id": exchange.request_id, "upstream": exchange.upstream, "cookies": dropped})
    if exchange.set_cookie is not None:
        headers.append((b"set-cookie", exchange.set_cookie))
    exchange.status = connection.status
    exchange.response_started = True
    if exchange.capture is not None:
        exchange.captured_headers = connection.headers
    return {"type": "http.response.start", "status": connection.status, "headers": headers}


def _watch_disconnect(exchange: Exchange, connection: UpstreamConnection) -> asyncio.Task[None]:
    """A task that ends when the client goes away, waking the relay so it stops reading upstream."""
    async def until_disconnect() -> None:
        while (await exchange.receive())["type"] != "http.disconnect":
            pass  # the rest of a request body the upstream did not wait for

    task = asyncio.get_running_loop().create_task(until_disconnect())
    task.add_done_callback(lambda _: connection.wake())
    return task


def _stale(connection: UpstreamConnection, failure: ForwardingFailed) -> bool:
    """Whether the failure is a reused connection closed under the request, before any answer."""
    return (failure.error is ForwarderError.UPSTREAM_CLOSED and connection.completed > 0
            and not connection.received_any)


def _text_headers(headers: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


def _bodiless(framing: BodyFraming) -> bool:
    return framing.kind is Framing.NONE or (framing.kind is Framing.LENGTH and framing.length == 0)


def _framing(exchange: Exchange) -> BodyFraming:
    assert exchange.framing is not None, "the framing stage runs before forwarding"
    return exchange.framing


def _target(exchange: Exchange) -> bytes:
    # normalise_path only ever returns ASCII (it refuses raw non-ASCII bytes).
    path = exchange.path.encode("ascii")
    return path + b"?" + exchange.query_string if exchange.query_string else path


def _framed(exchange: Exchange, body: RequestBody) -> list[tuple[bytes, bytes]]:
    """The upstream headers plus the framing header the forwarded body needs."""
    framing = _framing(exchange)
    if framing.kind is Framing.LENGTH:
        return [*exchange.headers, (b"content-length", b"%d" % framing.length)]
    if framing.kind is Framing.CHUNKED:
        if body.complete:
            return [*exchange.headers, (b"content-length", b"%d" % len(body.prefix))]
        return [*exchange.headers, (b"transfer-encoding", b"chunked")]
    return exchange.headers

"""The proxy's HTTP/1.1 server protocol: one client connection, on asyncio and httptools.

Against slow or hostile clients:

  * a header read timeout (PROXY_HEADER_TIMEOUT): a connection must deliver a request's complete header
    block within that time of connecting or of the request's first byte; otherwise 408 and close (a
    connection that sent nothing is closed silently). The keep-alive timeout covers idle time between
    requests; body reads are timed by the forwarder (PROXY_BODY_TIMEOUT, PROXY_BODY_DEADLINE).
  * the limits and HTTP/1.0 rules of refusals.py, each answered in the contract's JSON Error shape, as is
    the 400 for an unparseable request (llhttp refuses CL+TE, bad chunking, duplicate lengths, ...).
  * trailer fields never become header fields (RFC 9110 §6.5.1): they are dropped.
  * an absolute-form target (`GET http://host/path`) names the host: it replaces the Host header
    (RFC 9112 §3.2.2), so routing, the upstream's host check and the target agree.
  * an HTTP/1.0 client gets no `100 Continue` (it does not know the status).

A refusal ends the connection, and nothing after it runs: bytes pipelined behind a refused request are
never parsed, a request already queued behind a response that closes the connection is dropped, and a
refusal of a malformed request waits for the answers to the valid requests before it, so it never
takes their place.

With as little work per request as it can, since the proxy's CPU is taken from the upstream beside it:

  * each request's receive and send are a ResponseCycle (cycle.py);
  * one task per connection runs its requests one after another (HTTP/1.1 answers them in order
    anyway), instead of a task per request: a task costs its creation, asyncio's registry of all tasks
    (a WeakSet) and a done-callback's turn of the event loop;
  * the keep-alive timeout is one alarm per connection that goes off about once per timeout, instead of
    a timer made at every response and cancelled at every request.

The per-connection task runs requests in the connection's context: a context variable one request sets
is still set when the next one begins, so the pipeline binds each request's id before anything logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httptools

from strangler_proxy.cycle import ResponseCycle
from strangler_proxy.exchange import CLIENT_GONE
from strangler_proxy.flow import HIGH_WATER_LIMIT, FlowControl, ServerState
from strangler_proxy.refusals import Refused, check_field, check_head, check_http_1_0, refusal

logger = logging.getLogger("strangler_proxy.server")
ASGI = {"version": "3.0", "spec_version": "2.3"}
# How long a stopping server keeps an idle kept-alive connection open: a client may be sending its next
# request on it already, and closing under it would fail that request (RFC 9112 §9.6: it is answered,
# with Connection: close, instead).
STOP_LINGER_SECONDS = 2.0

Application = Any  # an ASGI application


@dataclass(frozen=True)
class ConnectionSettings:
    """How long and how much a client connection may take (from the worker's settings)."""

    # Seconds a client has to send a request's headers (from its first byte, or from connecting).
    header_timeout: float = 10.0
    # Bytes of request line and headers accepted before the proxy answers 431.
    max_header_bytes: int = 65536
    # Seconds an idle connection is kept open between requests.
    keep_alive_timeout: float = 5.0


class ProxyProtocol(asyncio.Protocol):
    """One client connection; see the module docstring."""

    def __init__(self, app: Application, state: ServerState, settings: ConnectionSettings,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.state = state
        self.settings = settings
        self.loop = loop
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]  # set by connection_made
        self.flow: FlowControl = None  # type: ignore[assignment]  # set by connection_made
        self.server: tuple[str, int] | None = None
        self.client: tuple[str, int] | None = None
        # The request being parsed, and the one whose answer is under way or due next.
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.scope: dict[str, Any] = {}
        self.expect_100_continue = False
        self.cycle: ResponseCycle | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = False
        self._header_bytes = 0
        self._field_bytes = 0
        self._requests_begun = 0
        # (status, message) once the connection is refused: nothing more is read; written after the
        # answers to the requests before it.
        self._refusal: tuple[int, str] | None = None
        self._stopping = False  # the server is stopping: every answer from now on closes the connection
        # Requests parsed and waiting for their turn, the task that runs them, and what it waits on.
        self._queued: deque[ResponseCycle] = deque()
        self._runner: asyncio.Task[None] | None = None
        self._next: asyncio.Future[None] | None = None
        # Keep-alive: when the connection fell idle (None while a request is under way), and one alarm.
        self._idle_since: float | None = None
        self._keep_alive_alarm: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection's is a Transport; asyncio types the base
        self.flow = FlowControl(self.transport)
        self.server = _address(transport.get_extra_info("sockname"))
        self.client = _address(transport.get_extra_info("peername"))
        self.state.connections.add(self)
        self._arm_header_timer()  # the first request's headers are due from the moment of connecting

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        self._cancel_keep_alive_alarm()
        self.state.connections.discard(self)
        if self.cycle is not None:
            self.cycle.lost()
        self._queued.clear()  # pipelined requests not yet begun are dropped
        self._wake_runner()  # a runner waiting for the next request ends
        if self.flow is not None:
            self.flow.resume_writing()
        if exc is None:
            self.transport.close()

    def pause_writing(self) -> None:
        self.flow.pause_writing()

    def resume_writing(self) -> None:
        self.flow.resume_writing()

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # refused: whatever follows is never parsed, let alone run
        self._idle_since = None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # the proxy carries no WebSockets: an Upgrade request is answered as a plain one
        except httptools.HttpParserError as error:
            refused = error.__context__
            if isinstance(refused, Refused):
                self._refuse(refused.status, refused.message)
            else:
                self._refuse(400, "The request is not valid HTTP/1.1.")
            return
        if not self._awaiting_headers or self.transport.is_closing():
            return
        self._header_bytes += len(data)
        if self._header_bytes > self.settings.max_header_bytes:
            self._refuse(431, "The request's header block is too large.")
        elif self._header_timer is None:
            self._arm_header_timer()

    def shutdown(self) -> None:
        """The server is stopping: close after the answer under way, or, when idle, after a short linger in
        which a request already on its way is still answered (each answer with Connection: close)."""
        self._stopping = True
        if self.cycle is None or self.cycle.response_complete:
            self.loop.call_later(STOP_LINGER_SECONDS, self._close_if_idle)
        else:
            self.cycle.keep_alive = False

    def _close_if_idle(self) -> None:
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()

    # ------------------------------------------------------------------ httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self.scope = {
            "type": "http", "asgi": ASGI, "http_version": "1.1", "server": self.server, "client": self.client,
            "scheme": "http", "root_path": "", "headers": self.headers,
        }
        self._awaiting_headers = True
        self._header_bytes = self._field_bytes = 0
        self._requests_begun += 1

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._awaiting_headers:
            return  # a trailer field: never a header field (RFC 9110 §6.5.1), and not forwarded
        self._field_bytes += check_field(name, value)
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        parser, scope = self.parser, self.scope
        method = parser.get_method()
        check_head(method, self.url, len(self.headers), self._field_bytes, self.settings.max_header_bytes)
        http_version = parser.get_http_version()
        scope["method"] = method.decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
            self.expect_100_continue = False  # an HTTP/1.0 client does not know 100 Continue
            if http_version == "1.0":
                check_http_1_0(self.headers)
        self._set_target(httptools.parse_url(self.url))
        previous = self.cycle
        self.cycle = cycle = ResponseCycle(
            scope, self.transport, self.flow, self.loop, default_headers=self.state.default_headers,
            expect_100_continue=self.expect_100_continue,
            keep_alive=http_version != "1.0" and parser.should_keep_alive() and not self._stopping,
            on_response=self.on_response_complete)
        scope[CLIENT_GONE] = cycle.client_gone
        if previous is not None and not previous.response_complete:
            self.flow.pause_reading()  # pipelined: read on once the answer before it is complete
        self._queued.append(cycle)
        self._wake_runner()

    def _set_target(self, url: Any) -> None:
        if url.host:  # RFC 9112 §3.2.2: with an absolute-form target, the target's authority is the host
            authority = url.host if url.port is None else b"%s:%d" % (url.host, url.port)
            self.headers[:] = [pair for pair in self.headers if pair[0] != b"host"]
            self.headers.append((b"host", authority))
        path = url.path.decode("ascii")
        self.scope["path"] = unquote(path) if "%" in path else path
        self.scope["raw_path"] = url.path
        self.scope["query_string"] = url.query or b""

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return
        cycle.add_body(body)
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()

    def on_message_complete(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.end_of_request()

    def on_response_complete(self) -> None:
        self.state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if not self._queued:
            self._idle_since = now = self.loop.time()
            if self._keep_alive_alarm is None:
                self._keep_alive_alarm = self.loop.call_at(now + self.settings.keep_alive_timeout,
                                                           self._keep_alive_rang)

    # ------------------------------------------------------------------ the connection's task
    def _wake_runner(self) -> None:
        if self._runner is None:
            if self._queued:
                self._runner = runner = self.loop.create_task(self._run_requests())
                self.state.tasks.add(runner)
        elif self._next is not None and not self._next.done():
            self._next.set_result(None)

    async def _run_requests(self) -> None:
        """Run each queued request's application, in order, until the connection is gone."""
        runner = self._runner
        assert runner is not None
        try:
            while True:
                while self._queued:
                    if self.transport.is_closing():
                        return  # an answer closed the connection: what was pipelined behind it is dropped
                    await self._queued.popleft().run_asgi(self.app)
                    if runner.cancelling():
                        return  # the server is stopping and gave up waiting
                if self._refusal is not None:
                    self._write_refusal(*self._refusal)
                if self.transport.is_closing():
                    return
                self._next = self.loop.create_future()
                await self._next
                self._next = None
        finally:
            self.state.tasks.discard(runner)
            self._runner = self._next = None

    # ------------------------------------------------------------------ keep-alive
    # A timer set when a response completes and cancelled when the next request's bytes come would be two
    # timer operations per request. Here the connection notes when it fell idle, and one alarm checks
    # that when it goes off, going off again later if the connection was busy meanwhile.
    def _keep_alive_rang(self) -> None:
        self._keep_alive_alarm = None
        if self._idle_since is None:
            return  # a request is under way: its response sets the alarm again
        deadline = self._idle_since + self.settings.keep_alive_timeout
        if self.loop.time() < deadline:
            self._keep_alive_alarm = self.loop.call_at(deadline, self._keep_alive_rang)
        elif not self.transport.is_closing():
            self.transport.close()

    def _cancel_keep_alive_alarm(self) -> None:
        if self._keep_alive_alarm is not None:
            self._keep_alive_alarm.cancel()
            self._keep_alive_alarm = None

    # ------------------------------------------------------------------ header timeout and refusals
    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.settings.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        answering = self.cycle is not None and not self.cycle.response_complete
        if self.transport.is_closing():
            return
        if self._requests_begun == 0 or answering:
            # Nothing asked yet (or mid-answer to a pipelined request): there is no one to tell.
            self.transport.close()
            return
        self._refuse(408, "The request headers arrived too slowly.")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with the contract's JSON Error and close the connection, after the answers to
        the requests before it; nothing more is read meanwhile."""
        self._cancel_header_timer()
        if self.transport.is_closing() or self._refusal is not None:
            return
        self._refusal = (status, message)
        current = self.cycle
        if current is not None and current.more_body and not current.response_complete:
            # The bad bytes are the current request's own (its body): that request is refused, not run on.
            current.lost()
            if current.response_started:
                self.transport.close()  # mid-answer: a status line now would corrupt the answer
                return
        elif self._queued or (current is not None and not current.response_complete):
            return  # the connection's task writes it once the answers before it are out
        self._write_refusal(status, message)

    def _write_refusal(self, status: int, message: str) -> None:
        if not self.transport.is_closing():
            self.transport.write(refusal(status, message, self.client))
            self.transport.close()


def _address(info: Any) -> tuple[str, int] | None:
    """(host, port) of a socket address (IPv6 addresses carry two more fields); None for a Unix socket."""
    if isinstance(info, tuple | list) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None

"""The proxy's HTTP/1.1 server protocol: uvicorn's httptools protocol, hardened and made leaner.

What it adds against slow or hostile clients:

  * a header read timeout (PROXY_HEADER_TIMEOUT): a connection must deliver a request's complete header
    block within that time of connecting or of the request's first byte; otherwise 408 and close (a
    connection that sent nothing is closed silently). The keep-alive timeout covers idle time between
    requests; body reads are timed by the forwarder (PROXY_BODY_TIMEOUT).
  * a header size limit (PROXY_MAX_HEADER_BYTES): 431 and close beyond it (httptools has none).
  * the 400 for an unparseable request (llhttp refuses CL+TE, bad chunking, duplicate lengths, ...)
    in the contract's JSON Error shape, with a request id, instead of plain text.

What it does with less work per request than uvicorn's, since the proxy's CPU is taken from the upstream
beside it on the machine:

  * each request's receive and send are a ResponseCycle (cycle.py), lighter than uvicorn's;
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
import json
import logging
from collections import deque
from typing import Any
from urllib.parse import unquote

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT, service_unavailable
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from chassis import request_id
from strangler_proxy.cycle import ResponseCycle
from strangler_proxy.settings import SETTINGS_STATE_KEY

# The refusals' log lines keep the name they have always had.
logger = logging.getLogger("strangler_proxy.server")
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 65536


class ProxyProtocol(HttpToolsProtocol):
    """One client connection; see the module docstring."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = app_state.get(SETTINGS_STATE_KEY)
        self.header_timeout = getattr(settings, "header_timeout", DEFAULT_HEADER_TIMEOUT)
        self.max_header_bytes = getattr(settings, "max_header_bytes", DEFAULT_MAX_HEADER_BYTES)
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = False
        self._header_bytes = 0
        self._requests_begun = 0
        # Requests parsed and waiting for their turn, the task that runs them, and what it waits on.
        self._queued: deque[tuple[ResponseCycle, Any]] = deque()
        self._runner: asyncio.Task[None] | None = None
        self._next: asyncio.Future[None] | None = None
        # Keep-alive: when the connection fell idle (None while a request is under way), and one alarm.
        self._idle_since: float | None = None
        self._keep_alive_alarm: asyncio.TimerHandle | None = None
        # The same for every request: made once per connection rather than once per request.
        self._asgi = {"version": self.asgi_version, "spec_version": "2.3"}
        self._raw_root_path = self.root_path.encode("ascii")

    # ------------------------------------------------------------------ asyncio.Protocol
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()  # the first request's headers are due from the moment of connecting

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        self._cancel_keep_alive_alarm()
        self.connections.discard(self)
        if self.cycle is not None:
            self.cycle.lost()
        self._queued.clear()  # pipelined requests not yet begun are dropped, as uvicorn drops them
        self._wake_runner()  # a runner waiting for the next request ends
        if self.flow is not None:
            self.flow.resume_writing()
        if exc is None:
            self.transport.close()
        self.parser = None  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._idle_since = None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            self._unsupported_upgrade_warning()  # the proxy does not carry WebSockets
        if not self._awaiting_headers or self.transport.is_closing():
            return
        self._header_bytes += len(data)
        if self._header_bytes > self.max_header_bytes:
            self._refuse(431, "The request's header block is too large.")
        elif self._header_timer is None:
            self._arm_header_timer()

    # ------------------------------------------------------------------ httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self.scope = {  # type: ignore[typeddict-item]
            "type": "http", "asgi": self._asgi, "http_version": "1.1", "server": self.server,
            "client": self.client, "scheme": self.scheme, "root_path": self.root_path,
            "headers": self.headers, "state": self.app_state.copy(),
        }
        self._awaiting_headers = True
        self._header_bytes = 0
        self._requests_begun += 1

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        parser, scope = self.parser, self.scope
        http_version = parser.get_http_version()
        scope["method"] = parser.get_method().decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
        url = httptools.parse_url(self.url)
        path = url.path.decode("ascii")
        scope["path"] = self.root_path + (unquote(path) if "%" in path else path)
        scope["raw_path"] = self._raw_root_path + url.path
        scope["query_string"] = url.query or b""
        previous = self.cycle
        self.cycle = cycle = ResponseCycle(
            scope, self.transport, self.flow, self.loop, default_headers=self.server_state.default_headers,
            expect_100_continue=self.expect_100_continue,
            keep_alive=http_version != "1.0" and parser.should_keep_alive(),
            on_response=self.on_response_complete)
        if previous is not None and not previous.response_complete:
            self.flow.pause_reading()  # pipelined: read on once the answer before it is complete
        self._queued.append((cycle, self._app_for_request()))
        self._wake_runner()

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle.response_complete:
            return
        cycle.add_body(body)
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()

    def on_message_complete(self) -> None:
        if not self.cycle.response_complete:
            self.cycle.end_of_request()

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if not self._queued:
            self._idle_since = now = self.loop.time()
            if self._keep_alive_alarm is None:
                self._keep_alive_alarm = self.loop.call_at(now + self.timeout_keep_alive, self._keep_alive_rang)

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, f"The request is not valid HTTP/1.1 ({msg.rstrip('.')}).")

    # ------------------------------------------------------------------ the connection's task
    def _wake_runner(self) -> None:
        if self._runner is None:
            if self._queued:
                self._runner = runner = self.loop.create_task(self._run_requests())
                self.tasks.add(runner)
        elif self._next is not None and not self._next.done():
            self._next.set_result(None)

    async def _run_requests(self) -> None:
        """Run each queued request's application, in order, until the connection is gone."""
        runner = self._runner
        assert runner is not None
        try:
            while True:
                while self._queued:
                    cycle, app = self._queued.popleft()
                    await cycle.run_asgi(app)
                    if runner.cancelling():
                        return  # the server is stopping and gave up waiting
                if self.transport.is_closing():
                    return
                self._next = self.loop.create_future()
                await self._next
                self._next = None
        finally:
            self.tasks.discard(runner)
            self._runner = self._next = None

    def _app_for_request(self) -> Any:
        limit = self.limit_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            self.logger.warning("Exceeded concurrency limit.")
            return service_unavailable
        return self.app

    # ------------------------------------------------------------------ keep-alive
    # uvicorn sets a timer when a response completes and cancels it when the next request's bytes come:
    # two timer operations per request. Here the connection notes when it fell idle, and one alarm
    # checks that when it goes off, going off again later if the connection was busy meanwhile.
    def _keep_alive_rang(self) -> None:
        self._keep_alive_alarm = None
        if self._idle_since is None:
            return  # a request is under way: its response sets the alarm again
        deadline = self._idle_since + self.timeout_keep_alive
        if self.loop.time() >= deadline:
            self.timeout_keep_alive_handler()
        else:
            self._keep_alive_alarm = self.loop.call_at(deadline, self._keep_alive_rang)

    def _cancel_keep_alive_alarm(self) -> None:
        if self._keep_alive_alarm is not None:
            self._keep_alive_alarm.cancel()
            self._keep_alive_alarm = None

    # ------------------------------------------------------------------ header timeout and refusals
    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

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
        """Answer `status` with the contract's JSON Error and close the connection."""
        self._cancel_header_timer()
        if self.transport.is_closing():
            return
        rid = request_id.new()
        body = json.dumps({"code": status, "message": message, "request_id": rid}).encode()
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: application/json\r\n",
            b"content-length: %d\r\nx-request-id: %s\r\n" % (len(body), rid.encode()),
            b"connection: close\r\n\r\n", body]))
        self.transport.close()
        logger.warning("refused a request before it reached the proxy's pipeline",
                       extra={"request_id": rid, "status": status, "reason": message,
                              "client": self.client[0] if self.client else None})

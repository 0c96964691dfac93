"""The proxy's HTTP/1.1 server protocol: uvicorn's httptools protocol, hardened and made leaner.

What it adds against slow or hostile clients:

  * a header read timeout (PROXY_HEADER_TIMEOUT): a connection must deliver a request's complete header
    block within that time of connecting or of the request's first byte; otherwise 408 and close (a
    connection that sent nothing is closed silently). The keep-alive timeout covers idle time between
    requests; body reads are timed by the forwarder (PROXY_BODY_TIMEOUT).
  * limits at least as strict as the upstreams' gunicorn (chassis/gunicorn_conf.py), so that no request
    the proxy accepts is one an upstream answers with its own HTML error page: the request line (414),
    one header field and the number of fields (431), and the whole header block (PROXY_MAX_HEADER_BYTES,
    431; httptools has no limit), counted field by field, so the read that completes a block counts too.
  * HTTP/1.0 with Transfer-Encoding is refused (RFC 9112 §6.1: its framing is faulty), and an HTTP/1.0
    client gets no `100 Continue` (it does not know the status).
  * trailer fields never become header fields (RFC 9110 §6.5.1): they are dropped.
  * an absolute-form target (`GET http://host/path`) names the host: it replaces the Host header
    (RFC 9112 §3.2.2), so routing, the upstream's host check and the target agree.
  * the 400 for an unparseable request (llhttp refuses CL+TE, bad chunking, duplicate lengths, ...)
    in the contract's JSON Error shape, with a request id, instead of plain text.

A refusal ends the connection, and nothing after it runs: bytes pipelined behind a refused request are
never parsed, a request already queued behind a response that closes the connection is dropped, and a
refusal of a malformed request waits for the answers to the valid requests before it, so it never
takes their place.

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
from strangler_proxy.exchange import CLIENT_GONE
from strangler_proxy.settings import SETTINGS_STATE_KEY

# The refusals' log lines keep the name they have always had.
logger = logging.getLogger("strangler_proxy.server")
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 65536
# gunicorn's limit_request_line and limit_request_field_size, which the upstreams run with.
MAX_REQUEST_LINE = 8190
MAX_FIELD_BYTES = 8190
# gunicorn allows 100 fields; the proxy adds up to six of its own (X-Forwarded-For/Proto/Host, the request
# id, the signed identity, Content-Length), so it accepts fewer from the client.
MAX_FIELDS = 90


class _Refused(Exception):
    """Raised in a parser callback: the request is answered `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
        self._field_bytes = 0
        self._requests_begun = 0
        # (status, message) once the connection is refused: nothing more is read; written after the
        # answers to the requests before it.
        self._refusal: tuple[int, str] | None = None
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
        if self._refusal is not None:
            return  # refused: whatever follows is never parsed, let alone run
        self._idle_since = None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            refused = error.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.status, refused.message)
            else:
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
        self._header_bytes = self._field_bytes = 0
        self._requests_begun += 1

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._awaiting_headers:
            return  # a trailer field: never a header field (RFC 9110 §6.5.1), and not forwarded
        size = len(name) + len(value) + 2
        if size > MAX_FIELD_BYTES:
            raise _Refused(431, "A request header field is too large.")
        self._field_bytes += size
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        parser, scope = self.parser, self.scope
        method = parser.get_method()
        self._check_head_size(method)
        http_version = parser.get_http_version()
        scope["method"] = method.decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
            self._check_http_1_0(http_version)
        url = httptools.parse_url(self.url)
        if url.host:
            self._take_host_from_target(url.host, url.port)
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
        scope[CLIENT_GONE] = cycle.client_gone
        if previous is not None and not previous.response_complete:
            self.flow.pause_reading()  # pipelined: read on once the answer before it is complete
        self._queued.append((cycle, self._app_for_request()))
        self._wake_runner()

    def _check_head_size(self, method: bytes) -> None:
        if len(method) + len(self.url) + 10 > MAX_REQUEST_LINE:  # "METHOD URL HTTP/1.1"
            raise _Refused(414, "The request target is too long.")
        if len(self.headers) > MAX_FIELDS:
            raise _Refused(431, "The request has too many header fields.")
        if self._field_bytes + len(self.url) > self.max_header_bytes:
            raise _Refused(431, "The request's header block is too large.")

    def _check_http_1_0(self, http_version: str) -> None:
        self.expect_100_continue = False  # an HTTP/1.0 client does not know 100 Continue
        if http_version == "1.0" and any(name == b"transfer-encoding" for name, _ in self.headers):
            raise _Refused(400, "An HTTP/1.0 request cannot use Transfer-Encoding.")

    def _take_host_from_target(self, host: bytes, port: int | None) -> None:
        """RFC 9112 §3.2.2: with an absolute-form target, the target's authority is the host."""
        authority = host if port is None else b"%s:%d" % (host, port)
        self.headers[:] = [pair for pair in self.headers if pair[0] != b"host"]
        self.headers.append((b"host", authority))

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
                    if self.transport.is_closing():
                        return  # an answer closed the connection: what was pipelined behind it is dropped
                    cycle, app = self._queued.popleft()
                    await cycle.run_asgi(app)
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

"""One request on a client connection, as the application sees it: the ASGI `receive` and `send`.

It does what an ASGI server's request cycle does (uvicorn's is the model), with less work per request,
because a proxy's own CPU per request is what the upstream beside it on the machine loses:

  * The response head is held for the first body message, which takes it along in one write (one
    system call instead of two for a small answer), for at most HEAD_HOLD_SECONDS: a body later than
    that is a slow or streaming one, and the client gets the head first. Upstream servers (gunicorn
    among them) write a head and its body separately, so the head often arrives at the proxy alone with
    the body microseconds behind it. An empty body message with more_body puts the head on the wire at
    once. This is the only place the head is held: the application sends each message when it has it.
  * Header names and values are checked with one regular-expression search over all names and one over
    all values, instead of two per header, and the head is formatted by C-level joins, not a loop.
  * Waiting for the request body uses one future, made only when there is nothing to hand over yet.

What the application may send and what the client sees are as in uvicorn: the Date header, Content-Length
checked against the body, chunked transfer coding when there is no length, `connection: close` when
the connection will close, HEAD answered without a body, and a 500 when the application fails before
answering.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from strangler_proxy.flow import STATUS_LINE, FlowControl

logger = logging.getLogger("strangler_proxy.server")

# uvicorn's rules: a name is an HTTP token; a value holds no control character but tab.
_BAD_NAME = re.compile(b'[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
_BAD_VALUE = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")
_NO_BODY_STATUSES = (204, 304)
_FIELD_SEPARATOR = b": "
_name, _value = itemgetter(0), itemgetter(1)
# How long a response head waits for the first body message, to go out with it in one write.
HEAD_HOLD_SECONDS = 0.02
_INTERNAL_ERROR_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21"),
                           (b"connection", b"close")]


class ResponseCycle:
    """The ASGI channel of one request: `receive` hands over its body, `send` writes the answer."""

    __slots__ = (
        "_head_alarm",
        "_held_head",
        "_news",
        "_waiter",
        "body",
        "chunked_encoding",
        "default_headers",
        "disconnected",
        "expected_content_length",
        "flow",
        "keep_alive",
        "loop",
        "more_body",
        "on_response",
        "response_complete",
        "response_started",
        "scope",
        "transport",
        "waiting_for_100_continue",
    )

    def __init__(self, scope: dict[str, Any], transport: asyncio.Transport, flow: FlowControl,
                 loop: asyncio.AbstractEventLoop, *, default_headers: list[tuple[bytes, bytes]],
                 expect_100_continue: bool, keep_alive: bool, on_response: Callable[[], None]) -> None:
        self.scope = scope
        self.transport = transport
        self.flow = flow
        self.loop = loop
        self.default_headers = default_headers
        self.on_response = on_response
        self.disconnected = False
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = expect_100_continue
        # Request body received and not yet handed over; more_body: the request has not ended yet.
        self.body = b""
        self.more_body = True
        # Something happened that a waiting `receive` must look at (body, end of request, disconnect).
        self._news = False
        self._waiter: asyncio.Future[None] | None = None
        self.response_started = False
        self.response_complete = False
        self.chunked_encoding: bool | None = None
        self.expected_content_length = 0
        self._held_head: bytes | None = None
        self._head_alarm: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ driven by the protocol
    def add_body(self, body: bytes) -> None:
        self.body += body
        self.notify()

    def end_of_request(self) -> None:
        self.more_body = False
        self.notify()

    def lost(self) -> None:
        """The client connection is gone."""
        if not self.response_complete:
            self.disconnected = True
        self.notify()

    def client_gone(self) -> bool:
        """Whether the client has gone, or its connection is closing: nothing should start for it."""
        return self.disconnected or self.transport.is_closing()

    def notify(self) -> None:
        self._news = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------ the application's run
    async def run_asgi(self, app: Any) -> None:
        """Run the application for this request; whatever it does wrong, the connection is left sound."""
        if self.transport.is_closing():
            return  # the client is gone or an earlier answer closed the connection: nobody to answer
        try:
            result = await app(self.scope, self.receive, self.send)
        except BaseException as exc:
            logger.error("Exception in ASGI application\n", exc_info=exc)
            if not self.response_started:
                await self._send_500()
            else:
                self.transport.close()
        else:
            if result is not None:
                logger.error("ASGI callable should return None, but returned '%s'.", result)
                self.transport.close()
            elif not self.response_started and not self.disconnected:
                logger.error("ASGI callable returned without starting response.")
                await self._send_500()
            elif not self.response_complete and not self.disconnected:
                logger.error("ASGI callable returned without completing response.")
                self.transport.close()
        finally:
            self.on_response = _nothing

    async def _send_500(self) -> None:
        await self.send({"type": "http.response.start", "status": 500, "headers": _INTERNAL_ERROR_HEADERS})
        await self.send({"type": "http.response.body", "body": b"Internal Server Error"})

    # ------------------------------------------------------------------ ASGI receive
    async def receive(self) -> dict[str, Any]:
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            self.flow.resume_reading()
            if not self._news:
                self._waiter = self.loop.create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
            self._news = False
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        body, self.body = self.body, b""
        return {"type": "http.request", "body": body, "more_body": self.more_body}

    # ------------------------------------------------------------------ ASGI send
    async def send(self, message: dict[str, Any]) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(f"Expected ASGI message 'http.response.start', but got '{message['type']}'.")
            self._start_response(message["status"], message.get("headers", ()))
        elif not self.response_complete:
            if message["type"] != "http.response.body":
                raise RuntimeError(f"Expected ASGI message 'http.response.body', but got '{message['type']}'.")
            self._send_body(message.get("body", b""), message.get("more_body", False))
        else:
            raise RuntimeError(f"Unexpected ASGI message '{message['type']}' sent, after response already completed.")

    def _start_response(self, status: int, message_headers: Any) -> None:
        self.response_started = True
        self.waiting_for_100_continue = False
        headers = [*self.default_headers, *message_headers]
        names = list(map(_name, headers))
        joined_names = b"".join(names)
        _check_header_block(joined_names, headers)
        if not joined_names.islower():  # names go out in lower case, as uvicorn writes them
            names = [name.lower() for name in names]
            headers = list(zip(names, map(_value, headers), strict=True))
        has_connection_close = self._note_framing(names, headers)
        lines = [STATUS_LINE[status]]
        if headers:
            lines += [b"\r\n".join(map(_FIELD_SEPARATOR.join, headers)), b"\r\n"]
        if not self.keep_alive and not has_connection_close:
            lines.append(b"connection: close\r\n")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status not in _NO_BODY_STATUSES:
            self.chunked_encoding = True
            lines.append(b"transfer-encoding: chunked\r\n")
        lines.append(b"\r\n")
        self._held_head = b"".join(lines)
        self._head_alarm = self.loop.call_later(HEAD_HOLD_SECONDS, self._send_held_head)

    def _send_held_head(self) -> None:
        """The body is late: the client gets the head on its own."""
        self._head_alarm = None
        head, self._held_head = self._held_head, None
        if head is not None and not self.disconnected:
            self.transport.write(head)

    def _note_framing(self, names: list[bytes], headers: list[tuple[bytes, bytes]]) -> bool:
        """Take in the framing and connection headers (found by list searches, which run in C rather
        than a loop over every header); True when a Connection header says `close`."""
        if b"transfer-encoding" in names and b"chunked" in _values(names, headers, b"transfer-encoding"):
            self.expected_content_length = 0
            self.chunked_encoding = True
        elif b"content-length" in names:
            self.expected_content_length = int(headers[names.index(b"content-length")][1].decode())
            self.chunked_encoding = False
        if b"connection" not in names:
            return False
        tokens = [token.strip() for value in _values(names, headers, b"connection") for token in value.split(b",")]
        if b"close" in tokens:
            self.keep_alive = False
            return True
        return False

    def _send_body(self, body: bytes, more_body: bool) -> None:
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            data = b""
        elif self.chunked_encoding:
            data = b"%x\r\n%s\r\n" % (len(body), body) if body else b""
            if not more_body:
                data += b"0\r\n\r\n"
        else:
            if len(body) > self.expected_content_length:
                raise RuntimeError("Response content longer than Content-Length")
            self.expected_content_length -= len(body)
            data = body
        head, self._held_head = self._held_head, None
        if head is not None:
            data = head + data
            if self._head_alarm is not None:
                self._head_alarm.cancel()
                self._head_alarm = None
        if data:
            self.transport.write(data)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.notify()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()


def _check_header_block(joined_names: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    """uvicorn's header checks, one search over all names and one over all values."""
    if _BAD_NAME.search(joined_names):
        raise RuntimeError("Invalid HTTP header name.")
    if _BAD_VALUE.search(b"".join(map(_value, headers))):
        raise RuntimeError("Invalid HTTP header value.")


def _values(names: list[bytes], headers: list[tuple[bytes, bytes]], wanted: bytes) -> list[bytes]:
    """Every value of header `wanted` (lower-case), each lower-case."""
    return [headers[index][1].lower() for index, name in enumerate(names) if name == wanted]


def _nothing() -> None:
    return None

"""A bare HTTP/1.1 relay in Python: the floor any Python proxy stands on, measured beside the kit's.

    python -m benchmarks.bare_relay PORT UPSTREAM_URL

It does the least a reverse proxy on the kit's stack can do and still be one: uvloop, httptools on both
sides, pooled keep-alive upstream connections, the request head passed on as it came (plus
X-Forwarded-For), the answer written back in one write once it is complete. No request id, no header
rules, no framing checks, no routing, identity, limits, timeouts, streaming, access log or metrics, and
it serves only body-less requests. It is not a proxy to deploy: its figures say what is left of a
2-core machine for a Python proxy's features, so the benchmark can tell a target no Python proxy could
meet here from one the kit misses.
"""

from __future__ import annotations

import asyncio
import sys
from http import HTTPStatus
from urllib.parse import urlsplit

import httptools
import uvloop

# Hop-by-hop and framing headers: the relay writes its own Content-Length.
_DROP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"date"})
_STATUS_LINES = {status.value: b"HTTP/1.1 %d %s\r\n" % (status.value, status.phrase.encode()) for status in HTTPStatus}


class UpstreamSide(asyncio.Protocol):
    """One pooled connection to the upstream; answers the client that `relay` names."""

    def __init__(self, idle: list[UpstreamSide]) -> None:
        self.idle = idle
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.client: ClientSide | None = None
        self.headers: list[bytes] = []
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection's is a Transport; asyncio types the base

    def connection_lost(self, exc: Exception | None) -> None:
        if self in self.idle:
            self.idle.remove(self)
        if self.client is not None:
            self.client.fail()

    def relay(self, client: ClientSide, head: bytes) -> None:
        self.client, self.headers, self.body = client, [], []
        assert self.transport is not None
        self.transport.write(head)

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() not in _DROP:
            self.headers.append(b"%s: %s\r\n" % (name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        client, self.client = self.client, None
        body = b"".join(self.body)
        head = b"%s%scontent-length: %d\r\n\r\n" % (
            _STATUS_LINES[self.parser.get_status_code()], b"".join(self.headers), len(body))
        self.idle.append(self)
        if client is not None:
            client.answer(head + body)


class ClientSide(asyncio.Protocol):
    """One client connection: each complete request goes to an idle upstream connection, or a new one."""

    def __init__(self, relay: BareRelay) -> None:
        self.relay = relay
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection's is a Transport; asyncio types the base

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.fail()

    def on_message_begin(self) -> None:
        self.url, self.headers = b"", []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append(b"%s: %s\r\n" % (name, value))

    def on_message_complete(self) -> None:
        assert self.transport is not None
        peer = self.transport.get_extra_info("peername")[0].encode()
        head = b"%s %s HTTP/1.1\r\n%sx-forwarded-for: %s\r\n\r\n" % (
            self.parser.get_method(), self.url, b"".join(self.headers), peer)
        self.relay.send(self, head)

    def answer(self, response: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response)

    def fail(self) -> None:
        if self.transport is not None:
            self.transport.close()


class BareRelay:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[UpstreamSide] = []

    def send(self, client: ClientSide, head: bytes) -> None:
        if self.idle:
            self.idle.pop().relay(client, head)
        else:
            asyncio.get_running_loop().create_task(self._connect_and_send(client, head))

    async def _connect_and_send(self, client: ClientSide, head: bytes) -> None:
        try:
            _, upstream = await asyncio.get_running_loop().create_connection(
                lambda: UpstreamSide(self.idle), self.host, self.port)
        except OSError:
            client.fail()
            return
        upstream.relay(client, head)


async def serve(port: int, upstream_url: str) -> None:
    parts = urlsplit(upstream_url)
    relay = BareRelay(parts.hostname or "127.0.0.1", parts.port or 80)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: ClientSide(relay), "127.0.0.1", port, backlog=2048)
    print(f"bare relay on 127.0.0.1:{port} to {upstream_url}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1]), sys.argv[2]))

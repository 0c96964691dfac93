"""What the proxy's server side shares between a connection and its requests: flow control on the
client transport, the server-wide state, and the status lines it writes.

Flow control follows asyncio's transport protocol: the transport calls `pause_writing` when its buffer
passes the high-water mark and `resume_writing` once it drains; a sender awaits `drain()` meanwhile.
Reading is paused while a request body waits unread (HIGH_WATER_LIMIT) or a pipelined request waits
for the answer before it.
"""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

# Request body bytes held for the application before the connection stops reading from the client.
HIGH_WATER_LIMIT = 65536


def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase.encode()
    except ValueError:
        phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (status, phrase)


STATUS_LINE = {status: _status_line(status) for status in range(100, 600)}


class FlowControl:
    """Back-pressure both ways on one client transport."""

    __slots__ = ("_transport", "_writable", "read_paused", "write_paused")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self.read_paused = False
        self.write_paused = False
        self._writable = asyncio.Event()
        self._writable.set()

    async def drain(self) -> None:
        await self._writable.wait()

    def pause_reading(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            self._transport.resume_reading()

    def pause_writing(self) -> None:
        if not self.write_paused:
            self.write_paused = True
            self._writable.clear()

    def resume_writing(self) -> None:
        if self.write_paused:
            self.write_paused = False
            self._writable.set()


@dataclass
class ServerState:
    """What every connection of one worker process shares."""

    # Open connections (each a protocol with `shutdown()`) and the tasks running their requests.
    connections: set[Any] = field(default_factory=set)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    total_requests: int = 0
    # Headers the server adds to every response: the Date, refreshed once a second (RFC 9110 §6.6.1).
    default_headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    def tick(self) -> None:
        """Refresh the Date header (called once a second)."""
        self.default_headers = [(b"date", email.utils.formatdate(usegmt=True).encode())]

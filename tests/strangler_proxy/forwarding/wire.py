"""Raw HTTP/1.1 over a socket: for requests no HTTP client library would send."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.strangler_proxy.upstreams.processes import Running, received, wait_until


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.body)


def send_raw(port: int, *parts: bytes, timeout: float = 10) -> RawResponse | None:
    """Send `parts` (in order, each its own write) and read one response; None if the connection closes
    without one. Waits at most `timeout` seconds for the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        for part in parts:
            sock.sendall(part)
        return read_response(sock)


def read_response(sock: socket.socket) -> RawResponse | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = _recv(sock)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = _recv(sock)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(lines[0].split()[1]), headers, body[:length], data)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def request_bytes(method: str, path: str, *headers: str, body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def assert_nothing_reached(proxy: Running, echo: Running, request_tag: str) -> None:
    """Nothing tagged `request_tag` reached the echo upstream: checked after a later sentinel request has."""
    sentinel = f"{request_tag}-sentinel"
    requests.get(f"{proxy.url}/sentinel", headers={"X-Test-Id": sentinel}, timeout=10)
    wait_until(lambda: received(echo, sentinel), timeout=10, what="the sentinel request")
    assert received(echo, request_tag) == []


def read_until_closed(sock: socket.socket) -> list[RawResponse]:
    """Every response the server writes until it closes the connection, in order."""
    data = b""
    while chunk := _recv(sock):
        data += chunk
    responses = []
    while b"\r\n\r\n" in data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
        if headers.get("transfer-encoding") == "chunked":
            body, data = _dechunk(rest)
        else:
            length = int(headers.get("content-length", "0"))
            body, data = rest[:length], rest[length:]
        responses.append(RawResponse(int(lines[0].split()[1]), headers, body, head))
    return responses


def _dechunk(data: bytes) -> tuple[bytes, bytes]:
    """A chunked body's content, and what follows it."""
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return body, data.partition(b"\r\n")[2]
        body, data = body + data[:size], data[size + 2:]

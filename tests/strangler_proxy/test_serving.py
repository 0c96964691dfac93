"""How the proxy's server side handles a client connection: the response head and body, pipelined
requests, and the keep-alive timeout (strangler_proxy/protocol.py and cycle.py)."""

from __future__ import annotations

import asyncio
import socket
import time

from strangler_proxy.cycle import ResponseCycle
from tests.strangler_proxy.conftest import proxy_env, proxy_routes
from tests.strangler_proxy.forwarding.wire import RawResponse, read_response, request_bytes
from tests.strangler_proxy.upstreams.processes import start_proxy


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


class _Flow:
    write_paused = False

    def resume_reading(self) -> None:
        pass


def _answer(*messages: dict, method: str = "GET", keep_alive: bool = True) -> _Transport:
    async def scenario() -> _Transport:
        transport, loop = _Transport(), asyncio.get_running_loop()
        cycle = ResponseCycle({"method": method}, transport, _Flow(), loop,  # type: ignore[arg-type]  # stand-ins
                              default_headers=[(b"date", b"today")], expect_100_continue=False,
                              keep_alive=keep_alive, on_response=lambda: None)
        for message in messages:
            await cycle.send(message)
        return transport

    return asyncio.run(scenario())


def test_a_small_answer_goes_out_in_one_write_with_lower_case_names():
    transport = _answer({"type": "http.response.start", "status": 200, "headers": [(b"Content-Length", b"2")]},
                        {"type": "http.response.body", "body": b"ok"})
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ndate: today\r\ncontent-length: 2\r\n\r\nok"]


def test_an_empty_body_message_puts_the_head_on_the_wire():
    transport = _answer({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]},
                        {"type": "http.response.body", "body": b"", "more_body": True})
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ndate: today\r\ncontent-length: 2\r\n\r\n"]


def test_without_a_length_the_answer_is_chunked_and_a_closing_connection_says_so():
    transport = _answer({"type": "http.response.start", "status": 200, "headers": []},
                        {"type": "http.response.body", "body": b"abc"}, keep_alive=False)
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ndate: today\r\nconnection: close\r\n"
                                b"transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"]
    assert transport.closed


def test_a_header_value_with_a_line_break_is_refused():
    try:
        _answer({"type": "http.response.start", "status": 200, "headers": [(b"x-split", b"a\r\nx-evil: 1")]})
    except RuntimeError as refused:
        assert "header value" in str(refused)
    else:
        raise AssertionError("the header was written")


def test_the_head_reaches_the_client_before_a_late_body(proxy):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(request_bytes("GET", "/raw/late-body"))
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
        head_after = time.monotonic() - started
        rest = head.partition(b"\r\n\r\n")[2]
        while len(rest) < 4:
            rest += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200") and rest == b"late"
    assert head_after < 0.8  # the upstream sends the body a second after its head


def test_a_head_and_body_written_apart_upstream_reach_the_client_together(proxy):
    """The upstream writes the head, then the body 2 ms later (well inside the proxy's head hold)."""
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(request_bytes("GET", "/raw/split"))
        first = sock.recv(65536)  # sent as two writes, the head alone would wake this read first
    assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"\r\n\r\nsplit")


def test_pipelined_requests_are_answered_in_order(proxy):
    ids = [f"pipelined-request-{number}" for number in range(3)]
    data = b"".join(request_bytes("GET", "/echo", f"X-Request-ID: {rid}",
                                  *(["Connection: close"] if rid == ids[-1] else [])) for rid in ids)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(data)
        answers = b""
        while chunk := sock.recv(65536):
            answers += chunk
    echoed = [line.split(b":", 1)[1].strip().decode() for line in answers.split(b"\r\n")
              if line.lower().startswith(b"x-request-id:")]
    assert echoed == ids
    assert answers.count(b"HTTP/1.1 200 OK") == 3


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout_and_a_busy_one_is_not(echo, raw, tmp_path):
    proxy = start_proxy(tmp_path, proxy_routes(), GUNICORN_KEEPALIVE="1", **proxy_env(echo, raw))
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            for _ in range(5):  # a request every 0.4 s for 2 s: past the timeout, but never idle that long
                sock.sendall(request_bytes("GET", "/raw/ok"))
                assert _status(read_response(sock)) == 200
                time.sleep(0.4)
            sock.sendall(request_bytes("GET", "/raw/ok"))
            assert _status(read_response(sock)) == 200
            # Left idle, the proxy closes it (well inside the socket's 10 s timeout, which would raise).
            assert sock.recv(1) == b""
    finally:
        proxy.stop()


def _status(response: RawResponse | None) -> int | None:
    return response.status if response is not None else None

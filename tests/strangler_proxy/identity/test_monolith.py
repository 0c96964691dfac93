"""The lookup call itself, against small servers that misbehave in the ways a monolith can."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from chassis.identity import INTERNAL_HEADER, SESSION, TOKEN, Identity, verify_internal
from strangler_proxy.identity.monolith import LookupFailed, MonolithLookup
from tests.strangler_proxy.identity.support import SIGNING_KEY

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def answering(response: bytes, seen: list[bytes] | None = None) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        if seen is not None:
            seen.append(request)
        writer.write(response)
        await writer.drain()
        writer.close()

    return handle


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads the request and never answers; ends when the caller gives up and closes."""
    while await reader.read(65536):
        pass


def look_up(handler: Handler, kind: str = SESSION, credential: str = "a" * 32, **options) -> Identity:
    async def scenario() -> Identity:
        handlers: list[asyncio.Task[None]] = []

        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.append(asyncio.current_task())  # type: ignore[arg-type]
            await handler(reader, writer)

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        lookup = MonolithLookup(monolith_url=f"http://127.0.0.1:{port}", keys=[SIGNING_KEY],
                                timeout=options.pop("timeout", 5.0), session_cookie="sessionid", **options)
        try:
            return await lookup(kind, credential)
        finally:
            await lookup.close()
            server.close()
            await asyncio.wait(handlers, timeout=5)  # each ends once the lookup has hung up

    return asyncio.run(scenario())


def test_the_request_carries_the_proof_and_only_the_credential_asked_about():
    seen: list[bytes] = []
    look_up(answering(b'HTTP/1.0 200 OK\r\n\r\n{"user_id": null}', seen), TOKEN, "f" * 40, host_header="shop.example")
    head = seen[0].decode()
    assert head.startswith("GET /internal/identity HTTP/1.1\r\n")
    assert "\r\nhost: shop.example\r\n" in head
    assert f"\r\nauthorization: Token {'f' * 40}\r\n" in head and "cookie" not in head
    proof = next(line.split(": ", 1)[1] for line in head.split("\r\n") if line.startswith(INTERNAL_HEADER.lower()))
    assert verify_internal(proof, keys=[SIGNING_KEY])


def test_a_session_is_sent_as_the_session_cookie_alone():
    seen: list[bytes] = []
    look_up(answering(b'HTTP/1.0 200 OK\r\n\r\n{"user_id": "7", "username": "ada", "email": ""}', seen))
    assert f"\r\ncookie: sessionid={'a' * 32}\r\n" in seen[0].decode()


def test_an_answer_is_read_into_an_identity():
    body = b'{"user_id": 7, "username": "ada", "email": "ada@example.com"}'
    assert look_up(answering(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)) == \
        Identity(user_id="7", username="ada", email="ada@example.com")


def test_a_staff_users_answer_is_read_with_the_staff_flag():
    body = b'{"user_id": "1", "username": "ops", "email": "", "is_staff": true}'
    assert look_up(answering(b"HTTP/1.0 200 OK\r\n\r\n" + body)).is_staff


def test_an_answer_without_the_staff_flag_is_not_staff():
    """An older monolith's answer: no is_staff key at all."""
    body = b'{"user_id": "7", "username": "ada", "email": "ada@example.com"}'
    assert not look_up(answering(b"HTTP/1.0 200 OK\r\n\r\n" + body)).is_staff


@pytest.mark.parametrize("response", [
    b"HTTP/1.0 403 Forbidden\r\n\r\n{}",
    b"HTTP/1.0 500 Internal Server Error\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nnot json",
    b'HTTP/1.0 200 OK\r\n\r\n{"username": "ada"}',
    b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 200_000,
    b"garbage\r\n\r\n",
    b"",
], ids=["403", "500", "not-json", "no-user-id", "too-large", "no-status-line", "closed"])
def test_an_unexpected_answer_is_a_failed_lookup(response):
    with pytest.raises(LookupFailed):
        look_up(answering(response))


def test_a_monolith_that_does_not_answer_in_time_is_a_failed_lookup():
    with pytest.raises(LookupFailed, match="RESPONSE_TIMEOUT"):
        look_up(silent, timeout=0.2)

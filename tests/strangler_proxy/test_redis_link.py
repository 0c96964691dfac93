"""The edge's own Redis connection: the protocol, pipelining, and what happens when Redis misbehaves."""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis
from redis import exceptions as errors

from chassis import devredis
from strangler_proxy import redis_link
from strangler_proxy.redis_link import RedisLink, pack, parse
from tests.support.waiting import free_port, wait_until


async def serve(handler) -> tuple[asyncio.Server, list[asyncio.Task[None]]]:
    """A local TCP server running `handler`, and the tasks handling its connections."""
    handlers: list[asyncio.Task[None]] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # a connection's handler runs as a task
        handlers.append(task)
        await handler(reader, writer)

    return await asyncio.start_server(tracked, "127.0.0.1", 0), handlers


async def stop(server: asyncio.Server, handlers: list[asyncio.Task[None]]) -> None:
    server.close()
    await asyncio.wait(handlers, timeout=5)  # each ends once the link has hung up


def with_link(scenario, url: str | None = None, **options):
    """Run `await scenario(link)` with a fresh link, closed afterwards."""
    async def main():
        link = RedisLink(url or os.environ["REDIS_URL"], timeout=options.pop("timeout", 1.0), **options)
        try:
            return await scenario(link)
        finally:
            await link.aclose()

    return asyncio.run(main())


# ---------------------------------------------------------------- commands against the real Redis
def test_set_and_get_round_trip_with_expiry_and_nx(redis_client):
    async def scenario(link: RedisLink):
        stored = await link.set("strangler:test:a", "one", ex=30)
        kept = await link.set("strangler:test:a", "two", ex=30, nx=True)
        return stored, kept, await link.get("strangler:test:a"), await link.get("strangler:test:missing")

    assert with_link(scenario) == (True, False, b"one", None)
    assert 0 < redis_client.ttl("strangler:test:a") <= 30


def test_replies_of_every_kind_come_back_as_python_values():
    script = "return {1, 'two', redis.status_reply('OK'), false, {3}}"

    async def scenario(link: RedisLink):
        return await link.execute_command("EVAL", script, 0)

    assert with_link(scenario) == [1, b"two", b"OK", None, [3]]


def test_an_error_reply_is_raised_and_the_connection_stays_usable():
    async def scenario(link: RedisLink):
        with pytest.raises(errors.ResponseError):
            await link.execute_command("NOSUCHCOMMAND")
        with pytest.raises(errors.NoScriptError):
            await link.execute_command("EVALSHA", "0" * 40, 0)
        return await link.execute_command("PING")

    assert with_link(scenario) == b"PONG"


def test_concurrent_commands_share_the_connection_and_each_gets_its_own_reply(redis_client):
    for number in range(200):
        redis_client.set(f"strangler:test:{number}", str(number))

    async def scenario(link: RedisLink):
        return await asyncio.gather(*(link.get(f"strangler:test:{number}") for number in range(200)))

    assert with_link(scenario) == [str(number).encode() for number in range(200)]


def test_a_cancelled_command_does_not_shift_the_replies_of_later_ones(redis_client):
    redis_client.set("strangler:test:first", "first")
    redis_client.set("strangler:test:second", "second")

    async def scenario(link: RedisLink):
        await link.execute_command("PING")  # connected
        first = asyncio.get_running_loop().create_task(link.get("strangler:test:first"))
        await asyncio.sleep(0)  # let it send its command
        first.cancel()
        return await link.get("strangler:test:second")

    assert with_link(scenario) == b"second"


def test_the_url_selects_the_database(redis_server):
    url = redis_server.rsplit("/", 1)[0] + "/3"

    async def scenario(link: RedisLink):
        await link.set("strangler:test:db", "three", ex=30)

    with_link(scenario, url)
    other = redis.Redis.from_url(url)
    try:
        assert other.get("strangler:test:db") == b"three"
    finally:
        other.delete("strangler:test:db")
        other.close()


def test_the_connection_is_named_in_redis(redis_client):
    async def scenario(link: RedisLink):
        await link.execute_command("PING")
        return [client["name"] for client in redis_client.client_list()]

    assert "edge-under-test" in with_link(scenario, name="edge-under-test")


def test_a_connection_killed_by_redis_is_replaced_on_the_next_command(redis_client):
    """Redis drops the link's connection (a restart, a failover, `CLIENT KILL`)."""
    async def scenario(link: RedisLink):
        await link.execute_command("PING")
        protocol = link._protocol
        [mine] = [client for client in redis_client.client_list() if client["name"] == "edge-to-kill"]
        redis_client.client_kill_filter(_id=mine["id"])
        deadline = time.monotonic() + 5
        while protocol.open and time.monotonic() < deadline:  # the loop notices the closed socket
            await asyncio.sleep(0.01)
        return await link.execute_command("PING")

    assert with_link(scenario, name="edge-to-kill") == b"PONG"


# ---------------------------------------------------------------- Redis unreachable or silent
def test_an_unreachable_redis_fails_fast_after_the_first_attempt():
    async def scenario(link: RedisLink):
        with pytest.raises(errors.ConnectionError, match="cannot reach"):
            await link.get("k")
        started = time.monotonic()
        with pytest.raises(errors.ConnectionError, match="moments ago"):
            await link.get("k")
        return time.monotonic() - started

    assert with_link(scenario, "redis://127.0.0.1:1/0") < 0.05


def test_a_silent_redis_times_out_and_is_not_waited_for_again_at_once():
    """A server that accepts connections and never answers."""
    async def scenario():
        async def silent(reader, writer):
            while await reader.read(65536):  # never answers; ends when the link gives up and closes
                pass

        server, handlers = await serve(silent)
        link = RedisLink(f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0", timeout=0.2)
        try:
            with pytest.raises(errors.ConnectionError):  # the handshake gets no answer
                await link.get("k")
            started = time.monotonic()
            with pytest.raises(errors.ConnectionError):
                await link.get("k")
            return time.monotonic() - started
        finally:
            await link.aclose()
            await stop(server, handlers)

    assert asyncio.run(scenario()) < 0.05


def test_a_command_with_no_reply_in_time_raises_timeout_and_drops_the_connection():
    """A server that answers the handshake (CLIENT SETNAME) and then goes quiet."""
    async def scenario():
        async def quiet_after_hello(reader, writer):
            await reader.readuntil(b"strangler-proxy\r\n")
            writer.write(b"+OK\r\n")
            while await reader.read(65536):  # then silence, until the link gives up and closes
                pass

        server, handlers = await serve(quiet_after_hello)
        link = RedisLink(f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0", timeout=0.2)
        try:
            with pytest.raises(errors.TimeoutError):
                await link.get("k")
            return link._protocol.open
        finally:
            await link.aclose()
            await stop(server, handlers)

    assert asyncio.run(scenario()) is False


# ---------------------------------------------------------------- AUTH
@pytest.fixture
def password_redis() -> Iterator[str]:
    """A second, throwaway Redis that requires a password."""
    port = free_port()
    command = [*devredis.server_command(port, tempfile.mkdtemp(prefix="edge-auth-")), "--requirepass", "s3cret"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = redis.Redis(port=port, password="s3cret", socket_connect_timeout=0.2)
    try:
        wait_until(probe.ping, timeout=10, what="the password-protected redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        probe.close()
        process.terminate()
        process.wait(timeout=10)


def test_a_password_in_the_url_authenticates(password_redis):
    async def scenario(link: RedisLink):
        return await link.execute_command("PING")

    assert with_link(scenario, password_redis.replace("redis://", "redis://:s3cret@")) == b"PONG"
    assert with_link(scenario, password_redis.replace("redis://", "redis://default:s3cret@")) == b"PONG"


def test_a_wrong_password_is_refused(password_redis):
    async def scenario(link: RedisLink):
        with pytest.raises(errors.ResponseError):
            await link.execute_command("PING")

    with_link(scenario, password_redis.replace("redis://", "redis://:wrong@"))


# ---------------------------------------------------------------- the protocol itself
def test_a_command_is_packed_as_an_array_of_bulk_strings():
    assert pack(("SET", "k", b"v\r\n", 30, 0.5)) == b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n$2\r\n30\r\n$3\r\n0.5\r\n"


def test_a_reply_split_anywhere_is_incomplete_until_its_last_byte():
    reply = b"*4\r\n:12\r\n$5\r\nhello\r\n$-1\r\n*2\r\n+OK\r\n-ERR bad\r\n"
    for cut in range(len(reply)):
        assert parse(reply[:cut]) is redis_link._INCOMPLETE, cut
    value, end = parse(reply)
    assert end == len(reply)
    assert value[:3] == [12, b"hello", None]
    assert value[3][0] == b"OK" and isinstance(value[3][1], errors.ResponseError)


def test_replies_arriving_a_byte_at_a_time_resolve_in_order():
    async def scenario():
        protocol = redis_link._RespProtocol()

        class Transport:
            def write(self, data: bytes) -> None:
                pass

            def close(self) -> None:
                pass

        protocol.connection_made(Transport())  # type: ignore[arg-type]  # a stand-in: only what the protocol calls
        first, second = protocol.send(b""), protocol.send(b"")
        for byte in b"$3\r\none\r\n:2\r\n":
            protocol.data_received(bytes([byte]))
        return await first, await second

    assert asyncio.run(scenario()) == (b"one", 2)

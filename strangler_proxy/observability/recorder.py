"""What happened to each request, noted at once and written out in batches: access log and metrics.

The pipeline's last stage only notes a `Finished` record (a tuple: well under a microsecond). Every
`interval` seconds (0.1 s in app.py), and at shut-down, the recorder turns the records noted since into
access-log lines, written with one system call, and into metric tallies. Doing the formatting for a
batch at a time, rather than between two network events of each request, keeps that code and its data
in the CPU's caches: on a machine where the upstream runs alongside, this costs a third of the time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import NamedTuple

from strangler_proxy.exchange import Exchange


class Finished(NamedTuple):
    """One answered (or abandoned) request, as the access log and the metrics need it."""

    at: float  # wall-clock time the request ended
    seconds: float  # total time in the proxy
    request_id: str
    route: str | None
    upstream: str | None
    method: str
    path: str
    status: int
    bytes_in: int
    bytes_out: int
    upstream_ms: float
    client: str
    error: str | None
    # A canary's side ("" when the route has none), and why the primary answered for the candidate.
    arm: str = ""
    fallback: str = ""
    # The query string and path as received (before normalising), the User-Agent, the signed-in user.
    query: bytes = b""
    raw_path: bytes = b""
    user_agent: bytes | None = None
    user_id: str | None = None


def finished(exchange: Exchange, route: str | None = None) -> Finished:
    """The record of `exchange`, now; `route` names a route for requests the route table did not serve."""
    return Finished(time.time(), time.perf_counter() - exchange.started, exchange.request_id,
                    route or (exchange.route.id if exchange.route is not None else None),
                    exchange.upstream or None, exchange.method, exchange.path, exchange.status,
                    exchange.bytes_in, exchange.bytes_out, exchange.upstream_ms,
                    exchange.client_address or exchange.client_host, exchange.error, exchange.arm, exchange.fallback,
                    exchange.query_string, exchange.scope.get("raw_path", b""), exchange.header(b"user-agent"),
                    exchange.identity.user_id)


class Sink:
    """Something that takes a batch of records (the access log, the metrics)."""

    def take(self, batch: list[Finished]) -> None:
        raise NotImplementedError


class Recorder:
    """Notes finished requests and hands them to the sinks in batches."""

    def __init__(self, *sinks: Sink, interval: float) -> None:
        self.sinks = sinks
        self.interval = interval
        self._pending: list[Finished] = []

    def note(self, exchange: Exchange, route: str | None = None) -> None:
        if not self._pending:
            _later(self.flush, self.interval)
        self._pending.append(finished(exchange, route))

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            for sink in self.sinks:
                sink.take(batch)


def _later(callback: Callable[[], None], delay: float) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop (a script): at once
        callback()
        return
    loop.call_later(delay, callback)

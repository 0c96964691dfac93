"""One request's journey through the pipeline, and the ways a stage can end it early.

A stage is called with the exchange and returns None when it is done, or an awaitable when it has to
wait (for Redis, for the upstream), which the pipeline awaits. It reads and mutates the exchange
(headers to send upstream, the matched route, the identity) and ends the request early by raising
`Rejection`, which the error-mapping stage renders as the contract's JSON Error. Stages that need no I/O
for most requests are plain functions: a coroutine per stage per request is CPU the proxy need not spend.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from chassis.identity import ANONYMOUS, Identity
from strangler_proxy.table import Route

Headers = list[tuple[bytes, bytes]]  # lower-case names, as ASGI delivers them
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# The scope key under which the server leaves a callable telling whether the client has gone (or its
# connection is closing), so the forwarder starts nothing for a client nobody can answer.
CLIENT_GONE = "strangler.client_gone"


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def _no_send(message: Message) -> None:
    return None


class Framing(enum.Enum):
    """How a request body is delimited (decided by forwarding/framing.py)."""

    NONE = "none"
    LENGTH = "length"
    CHUNKED = "chunked"


@dataclass(frozen=True, slots=True)
class BodyFraming:
    kind: Framing
    # Declared length for LENGTH; 0 otherwise.
    length: int = 0


NO_BODY = BodyFraming(Framing.NONE)


class Rejection(Exception):
    """A stage refuses the request: answered with `status` and a JSON Error; nothing goes upstream."""

    def __init__(self, status: int, message: str, *, headers: Headers | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


@dataclass(slots=True)
class Exchange:
    scope: dict[str, Any]
    request_id: str
    method: str
    # The normalised path used for matching and sent upstream (query string kept apart).
    path: str
    query_string: bytes
    # Headers that will be sent upstream; stages add, remove and replace entries.
    headers: Headers
    client_host: str
    # The client's address: the TCP peer, or behind TRUSTED_PROXIES the first address of the
    # X-Forwarded-For chain (from the right) that is not a trusted proxy. "" until the stage sets it.
    client_address: str = ""
    route: Route | None = None
    identity: Identity = ANONYMOUS
    # An API key the caller presented, when any (already stripped from `headers`).
    api_key: str | None = None
    status: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    upstream_ms: float = 0.0
    started: float = field(default_factory=time.perf_counter)
    # The ASGI channel to the client (the forward stage reads the body and sends the answer on it).
    receive: Receive = _no_receive
    send: Send = _no_send
    # How the request body is delimited (set by the framing stage).
    framing: BodyFraming | None = None
    # Name of the upstream the request was sent to ("" until the forward stage picks it).
    upstream: str = ""
    # A canary's side for this request ("primary" or "candidate"; "" when the route has no canary), and the
    # upstream it names ("" means the route's primary).
    arm: str = ""
    target: str = ""
    # Why the primary answered a request meant for the candidate ("breaker_open", a ForwarderError name).
    fallback: str = ""
    # The primary's answer as the client got it, kept for a shadow comparison (None: not shadowed).
    capture: list[bytes] | None = None
    captured_headers: Headers | None = None
    # Cookies the upstream tried to set and may not (forwarding/cookies.py), comma-separated, for the log.
    dropped_cookies: str = ""
    # A Set-Cookie value the proxy adds to the answer (the canary's caller cookie), if any.
    set_cookie: bytes | None = None
    # Whether the response head has gone to the client (after that, an error cannot be answered).
    response_started: bool = False
    # Why the request failed, for the access log and metrics (a ForwarderError name, "rejected", ...).
    error: str | None = None

    def header(self, name: bytes) -> bytes | None:
        """The first value of header `name` (lower-case), if present."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def remove_headers(self, predicate: Callable[[bytes], bool]) -> None:
        self.headers[:] = [(key, value) for key, value in self.headers if not predicate(key)]


Stage = Callable[[Exchange], Awaitable[None] | None]
